/*
 * builder/project_private.h - inside a project: its fields and the calls
 * between the stages of the pipeline.  Only builder/ includes this; cmd/
 * and export/ see builder/project.h and its accessors.
 *
 *   project.c      open, close, freshness (manifest digest vs lock)
 *   download.c     fetch options and small downloads into the cache
 *   index_fetch.c  release index (or toolchain list): fetch and verify
 *   archive_sig.c  archive signatures (minisign, OpenPGP), sumdb roots
 *   prefetch.c     artifacts into the cache, eviction, fetch_all
 *   goroot.c       GOROOT build from the cache (merge, overlapped with its
 *                  downloads, or make.bash), retry
 *   op_lock.c, op_sync.c, op_check.c, op_verify.c   the public operations
 *
 * Each public operation takes the cache lock once (project_lock_cache())
 * and releases it; the stages under it only assert it.
 */
#ifndef PROJECT_PRIVATE_H
#define PROJECT_PRIVATE_H

#include "builder/fetch.h"
#include "builder/project.h"
#include "builder/shaset.h"
#include "builder/store.h"
#include "builder/toolchain.h"
#include "builder/trust.h"
#include "builder/zig.h"
#include "lockfiles/index.h"

#include <stdio.h>

struct project {
	struct gn_arena arena;
	struct project_opts opts;
	struct manifest manifest;
	char digest[GN_SHA256_HEX];
	char lock_path[GN_PATH_MAX];
	struct gn_platform host; /* the machine running gonative */
	bool have_lock;
	struct lock lock; /* valid when have_lock */
	struct cache cache;
	struct install install;
	struct project_registry *registry; /* mirrors as URLs, registries opened (registry.c) */
	struct minisign_pubkey *keys; /* signatures.keys, loaded at open */
	size_t n_keys;
	/* cc: (builder/zig.h): its keys, and the Zig tree's install folder */
	struct minisign_pubkey *cc_keys;
	size_t n_cc_keys;
	struct install zig_install;
	/* sha256s already checked in this run: archives whose signature checked
	 * out, and archives downloaded and hashed as they arrived (so reading
	 * them back need not hash them again). */
	struct shaset signed_ok, fetched, gpg_ok;
};

/* Signatures are small: a larger file is refused. */
#define SIGNATURE_MAX_BYTES (64 * 1024)
/* Size to expect: the index has 0 for a few old files (unknown). */
#define UNKNOWN_SIZE_CAP (4LL * 1024 * 1024 * 1024)

/* project.c: the cache (opened on first use), its lock, freshness. */
int project_open_cache(struct project *p, struct gn_error *err);
/* The cache lock, taken once by each public operation (and released by
 * it), so nothing under it can forget it: store_put, prefetch_artifacts
 * and the rest only assert it (builder/cache.h). */
int project_lock_cache(struct project *p, struct gn_error *err);
/* The lock exists and was made from this manifest (its digest). */
bool project_lock_is_fresh(const struct project *p);
/* Fresh, or GN_E_LOCK (missing) / GN_E_DRIFT (stale). */
int project_require_fresh_lock(const struct project *p, struct gn_error *err);
/* The lock's GOROOT for this machine, or GN_E_USAGE. */
int project_host_goroot(struct project *p, const struct lock_goroot **out, struct gn_error *err);
/* source: proxy: archives are golang.org/toolchain module zips. */
bool project_from_proxy(const struct project *p);
/* source: proxy: the proxies and this run's cache, events and network. */
struct toolchain_opts project_toolchain_opts(struct project *p);
/* How trees enter and leave the tree store (project_opts.hardlink_store). */
enum store_method project_store_method(const struct project *p);
struct zig_ctx project_zig_ctx(struct project *p);

static inline void
project_copy_go(char *out, size_t len, const char *go)
{
	snprintf(out, len, "%s", go ? go : "");
}

/* download.c */
struct fetch_opts download_opts(const struct project *p);
/* Downloads into the cache go through its folder fds: no link followed. */
void download_in_cache(const struct project *p, struct fetch_request *req);
/* One small file (a signature) from url into dest, quietly, no retries. */
int download_small(struct project *p, const char *name, const char *url, const char *dest,
		   int64_t max_size, struct gn_error *err);
/* source: proxy: an artifact's URL on each proxy.  NULL on OOM. */
const char **download_proxy_urls(struct project *p, const struct lock_artifact *a, size_t *n);

/* index_fetch.c: the release index (or, source: proxy, the toolchain list),
 * fetched (offline: read back from the cache) and verified. */
int index_fetch(struct project *p, struct lock_index *index, struct gn_error *err);

/* archive_sig.c */
struct archive_sig_job {
	struct project *p;
	struct lock_artifact *artifact;
	bool record; /* a lock is being written: record the signer */
};
struct minisign_verify_opts archive_sig_opts(const struct project *p, const char *expect_file);
/* The manifest or the lock asks for a signature (minisign or OpenPGP). */
bool archive_sig_needed(const struct project *p, const struct lock_artifact *a);
/* fetch hook (struct archive_sig_job): checks before the file enters the cache. */
int archive_sig_hook(void *user, const struct fetch_request *req, const char *part,
		     const char *url, struct gn_error *err);
/* A cached archive whose signatures were not checked in this run. */
int archive_sig_ensure(struct project *p, struct lock_artifact *a, bool record,
		       struct gn_error *err);
struct trust_opts archive_sig_trust_opts(struct project *p);
int archive_sig_trust_roots(struct project *p, struct lock *lock, struct gn_error *err);

/* prefetch.c: every listed artifact into the cache (fetching what is not)
 * and, where required, its signature checked.  record: a lock is being
 * written, so signers and unknown sizes are filled in. */
int prefetch_artifacts(struct project *p, struct lock_artifact **arts, size_t n, bool record,
		       struct gn_error *err);
/* The same in two steps, so the downloads can overlap the merge (goroot.c):
 * the plan (one request per missing sha256), then its run. */
struct prefetch_plan {
	struct fetch_request *reqs;
	size_t n_reqs;
	struct fetch_opts fo;
};
int prefetch_plan(struct project *p, struct lock_artifact **arts, size_t n, bool record,
		  struct prefetch_plan *plan, struct gn_error *err);
/* Is a's sha256 among the plan's downloads? */
bool prefetch_planned(const struct prefetch_plan *plan, const struct lock_artifact *a);
/* After the downloads: signatures of what was cached before (a download's
 * was checked on arrival), and the sizes a new lock records.  only_cached:
 * just the artifacts the plan does not download. */
int prefetch_finish(struct project *p, const struct prefetch_plan *plan,
		    struct lock_artifact **arts, size_t n, bool record, bool only_cached,
		    struct gn_error *err);
/* Run the plan's downloads, then prefetch_finish(). */
int prefetch_run(struct project *p, const struct prefetch_plan *plan, struct lock_artifact **arts,
		 size_t n, bool record, struct gn_error *err);
size_t prefetch_evict_changed(struct project *p, struct lock_artifact **arts, size_t n);
int prefetch_new_modules(struct project *p, struct lock *lock, struct gn_error *err);

/* goroot.c */
int goroot_build(struct project *p, struct lock *lock, const struct gn_platform *host,
		 const char *dest, bool record, char tree[GN_TREE_ID_TEXT], struct gn_error *err);

#endif
