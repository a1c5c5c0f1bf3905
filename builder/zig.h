/*
 * builder/zig.h - the Zig C cross compiler (manifest cc:): resolve it into
 * the lock, fetch and verify its tarball, hash it, install it.
 *
 *   <install>-zig         the Zig tree (beside the GOROOT, never inside)
 *   <install>-zig.state   its stat record; <install>-zig.flock its lock
 *   <cache>/archives/<sha256>(.minisig)  the verified tarball and signature
 *   <cache>/zig/global, <cache>/zig/local  ZIG_GLOBAL/LOCAL_CACHE_DIR
 *
 * A Zig tarball is always signed: it enters the cache only after its size,
 * sha256 and minisign signature (one of cc.keys, with a trusted comment
 * naming exactly this file) check out.  There is no unsigned path.
 */
#ifndef ZIG_H
#define ZIG_H

#include "builder/cache.h"
#include "builder/fetch.h"
#include "builder/install.h"
#include "builder/minisign.h"
#include "gn/arena.h"
#include "gn/error.h"
#include "gn/events.h"
#include "lockfiles/lock.h"
#include "manifest/manifest.h"

#include <stdbool.h>

/*
 * Where cc.mirrors serve a tarball: base URLs, templates or registries
 * (oci://), resolved by the caller.  NULL members: every mirror is a base
 * URL, the signature beside the tarball.
 */
struct zig_mirrors {
	void *user;
	/* Every mirror's URL for file (its sha256), in order, owned by the
	 * caller; may authorize registries, so headers() follows it. */
	int (*file_urls)(void *user, const char *file, const char *sha256, const char ***urls,
			 size_t *n_urls, struct gn_error *err);
	/* The .minisig URL for the tarball that came from url. */
	int (*signature_url)(void *user, const char *url, const char *file, const char *sha256,
			     const char **sig_url, struct gn_error *err);
	/* Request headers (registry tokens) into fo. */
	void (*headers)(void *user, struct fetch_opts *fo);
};

/* Everything the Zig stage needs; the caller owns every pointer. */
struct zig_ctx {
	struct gn_arena *arena;            /* for strings put into a lock */
	struct cache *cache;               /* opened */
	const struct manifest *manifest;   /* cc.enabled */
	const struct minisign_pubkey *keys; /* cc.keys, loaded */
	size_t n_keys;
	bool offline;
	struct fetch_opts fetch;
	struct zig_mirrors mirrors;
	const struct gn_events *events;
};

/*
 * The `-target` of every platform that gets a C compiler (all platforms
 * except cc.skip), into lock->cc.targets.  A platform Zig cannot serve is
 * -GN_E_RESOLVE (exit 2) naming it, at the manifest's cc: position.  No
 * network: call it before anything is fetched.
 */
int zig_resolve_targets(struct zig_ctx *z, struct lock *lock, struct gn_error *err);

/*
 * Fill lock->cc (zig, index, hosts) from the Zig index for every host of
 * the lock, keeping previous's entries for unchanged files (their signer
 * and tree).  Fetches the index (offline: the cached copy) and every
 * host's tarball whose tree is not known, and hashes it.  Errors: the
 * version or a host missing from the index (GN_E_RESOLVE), a tarball name
 * that is not Zig's for that version and host (GN_E_INDEX), the index
 * changing under the lock, size/sha256/signature (GN_E_INTEGRITY or
 * GN_E_SIGNATURE), fetch (GN_E_FETCH).
 */
int zig_lock(struct zig_ctx *z, struct lock *lock, const struct lock *previous,
	     struct gn_error *err);

/* Install path for a GOROOT install path: "<root>-zig". */
int zig_install_init(const struct install *goroot, struct install *out, struct gn_error *err);

struct zig_sync_result {
	bool noop; /* the installed tree already matched */
	char tree[GN_TREE_ID_TEXT];
};

/* Make inst hold the lock's Zig for host: fetch/verify through the cache,
 * unpack into a stage, check the tree hash, swap it in. */
int zig_sync(struct zig_ctx *z, const struct lock *lock, const struct gn_platform *host,
	     struct install *inst, struct zig_sync_result *res, struct gn_error *err);

/*
 * Put every host's tarball of lock->cc (cc.hosts) and its signature into
 * the cache, each checked against the lock and cc.keys: what `gonative
 * mirror` copies.  Paths via cache_archive_path (+ ".minisig").
 */
int zig_fetch_all(struct zig_ctx *z, const struct lock *lock, struct gn_error *err);

/* Path of the zig binary inside an installed tree ("<root>/zig", ".exe"
 * on a windows host) into out. */
void zig_binary_path(const struct install *inst, const struct gn_platform *host, char *out,
		     size_t len);

/* ZIG_GLOBAL_CACHE_DIR / ZIG_LOCAL_CACHE_DIR under the gonative cache. */
void zig_cache_dirs(const struct cache *cache, char *global, char *local, size_t len);

#endif
