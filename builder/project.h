/*
 * builder/project.h - the operations behind the commands: a project is a
 * manifest, its lock, a cache and an install folder.  cmd/ parses
 * arguments, calls one of these and prints the result; nothing here prints.
 *
 * Everything a struct project points to is owned by it and freed by
 * project_close().
 */
#ifndef PROJECT_H
#define PROJECT_H

#include "builder/cache.h"
#include "builder/install.h"
#include "builder/minisign.h"
#include "builder/oci.h"
#include "builder/trust.h"
#include "gn/arena.h"
#include "gn/error.h"
#include "gn/events.h"
#include "gn/fs.h"
#include "lockfiles/drift.h"
#include "lockfiles/lock.h"
#include "manifest/manifest.h"

#include <stdbool.h>

struct fetch_net;

struct project_opts {
	const char *manifest_path; /* NULL = "gonative.yaml" */
	const char *cache_dir;     /* the cache folder; cmd/ finds the default
				    * (cache_default_dir()); NULL is an error */
	const char *home;          /* $HOME, never an install folder; NULL = unknown */
	bool offline;              /* no network: index and archives from the cache */
	int jobs;                  /* parallel downloads; 0 = default */
	const struct gn_events *events;
	const struct fetch_net *net; /* CA certificates and proxies (fetch.h);
				      * NULL = default store, direct */
	struct oci_creds registry; /* registry logins (the machine's, from cmd/) */
	/* The rest of the environment's say, read by cmd/: the core reads none. */
	const char *goroot_bootstrap; /* GOROOT_BOOTSTRAP: base: source without
				       * bootstrap: in the manifest */
	const char *path;             /* PATH for make.bash; NULL = /usr/bin:/bin */
	bool hardlink_store;          /* GONATIVE_LINK_MODE=hardlink: trees are
				       * hard-linked from the tree store */
};

/* Opaque: its fields are builder/'s (builder/project_private.h). */
struct project;

/* Load and check the manifest; read the lock when it exists (a lock that
 * does not parse is an error: exit 2, nothing is touched).  An install:
 * path that can never be gonative's (install_path_refusal(): the project,
 * a folder above it, $HOME, the cache...) is GN_E_MANIFEST at its
 * file:line:col.  No network.
 * *out is the caller's, freed by project_close().  On failure *out is NULL
 * and everything is already released. */
int project_open(struct project **out, const struct project_opts *opts, struct gn_error *err);
/* Releases the locks held and frees p and all it returned; NULL is fine. */
void project_close(struct project *p);

/*
 * What a project is, for cmd/ and export/.  Everything returned is owned
 * by p and lives until project_close().
 */
const char *project_lock_path(const struct project *p);          /* gonative.lock */
const struct lock *project_locked(const struct project *p);      /* NULL: no lock */
const char *project_install_root(const struct project *p);       /* the GOROOT */
const char *project_zig_root(const struct project *p);           /* the Zig tree */
const struct manifest *project_manifest(const struct project *p);
const char *project_digest(const struct project *p);             /* the manifest's */
const struct gn_platform *project_host(const struct project *p); /* this machine */
struct gn_arena *project_arena(struct project *p);               /* lives as long as p */
struct cache *project_cache(struct project *p);                  /* opened on first use */
const struct gn_events *project_events(const struct project *p);
const struct oci_creds *project_registry_creds(const struct project *p);

struct project_lock_result {
	char go[32];          /* the locked release */
	char previous_go[32]; /* what the lock said before, or "" */
	bool written;         /* the lock file's bytes changed */
};

/* Resolve against the index, hash the merged GOROOT of every host (fetching
 * through the cache) and write the lock when its bytes change. */
int project_lock(struct project *p, bool upgrade, struct project_lock_result *res,
		 struct gn_error *err);

struct project_sync_result {
	bool locked;  /* the lock was (re)written first */
	bool noop;    /* the installed tree already matched */
	char go[32];
	char tree[GN_TREE_ID_TEXT];
	char root[GN_PATH_MAX];
	bool cc;          /* the lock has a Zig for this host: synced too */
	bool cc_noop;
	char cc_tree[GN_TREE_ID_TEXT];
	char cc_root[GN_PATH_MAX];
};

/*
 * Make the install folder hold the lock's GOROOT for this host, and, with
 * cc:, the Zig tree beside it (builder/zig.h).  frozen:
 * never write the lock; a stale lock is GN_E_DRIFT, a missing one GN_E_LOCK.
 * A folder at the install path that gonative did not install is refused
 * (GN_E_INSTALL) before any download, and left untouched.
 */
int project_sync(struct project *p, bool frozen, struct project_sync_result *res,
		 struct gn_error *err);

struct project_check_result {
	bool lock_missing;
	struct lock_drift drift;          /* manifest vs lock */
	bool host_missing;                /* this machine is not among the lock's hosts */
	char expected_tree[GN_TREE_ID_TEXT];
	struct statrec_report install;    /* lock vs installed tree */
	bool deep;                        /* tree re-hashed */
	char actual_tree[GN_TREE_ID_TEXT];
	bool upstream_checked;
	char upstream_go[32];             /* newest matching release, when checked */
	bool cc;                          /* the lock has a Zig for this host */
	char cc_expected_tree[GN_TREE_ID_TEXT];
	struct statrec_report cc_install; /* lock vs installed Zig tree */
	char cc_actual_tree[GN_TREE_ID_TEXT]; /* deep */
	bool log_checked;                 /* sumdb: the log's head, with upstream */
	struct trust_upstream log;
	bool drifted;                     /* anything above */
};

/* Drift report; nothing is written.  deep re-hashes the installed tree;
 * upstream fetches the index and resolves the newest matching release. */
int project_check(struct project *p, bool deep, bool upstream, struct project_check_result *res,
		  struct gn_error *err);

struct project_verify_result {
	bool installed;
	char expected_tree[GN_TREE_ID_TEXT];
	char actual_tree[GN_TREE_ID_TEXT];
	bool match;
	struct statrec_report changed; /* when it does not match: what the stat record says */
	bool cc;                       /* the lock has a Zig for this host */
	bool cc_installed;
	char cc_expected_tree[GN_TREE_ID_TEXT];
	char cc_actual_tree[GN_TREE_ID_TEXT];
	bool cc_match;
};

/* Re-hash every byte of the installed GOROOT against the lock. */
int project_verify(struct project *p, struct project_verify_result *res, struct gn_error *err);

/*
 * Fetch every locked artifact into the cache (checking signatures where the
 * manifest or the lock asks for them), and every locked Zig tarball with
 * its signature (lock cc.hosts).  Needs a lock that matches the
 * manifest: a stale lock is GN_E_DRIFT, a missing one GN_E_LOCK.
 */
int project_fetch_all(struct project *p, struct gn_error *err);

/* Path of an artifact's verified archive in the cache (GN_PATH_MAX). */
void project_archive_path(struct project *p, const struct lock_artifact *a, char *out);

/* The environment `env` and `exec` set (builder/env.c). */
#define PROJECT_ENV_MAX 16
struct project_env {
	struct {
		const char *name;
		const char *value; /* owned by the project's arena */
	} vars[PROJECT_ENV_MAX];
	size_t n;
	const char *path; /* folder to put first on PATH (<GOROOT>/bin) */
};

/*
 * GOROOT, GOTOOLCHAIN=local and, with a target ("os/arch", or NULL), GOOS,
 * GOARCH, GOARM where the platform has one and, when the lock has a Zig for
 * this host and target: CGO_ENABLED=1, CC and CXX (the absolute zig path,
 * quoted for Go's own splitting when it holds blanks, + " cc -target T"),
 * ZIG_GLOBAL_CACHE_DIR and ZIG_LOCAL_CACHE_DIR under the gonative cache,
 * and CGO_LDFLAGS "-O2" ("-O2 -static" for musl; builder/env.c says why).
 * A target in cc.skip gets CGO_ENABLED=0.  A target that is not one of the
 * lock's platforms is -GN_E_USAGE.  Needs a lock when target is given.
 */
int project_env(struct project *p, const char *target, struct project_env *out,
		struct gn_error *err);

#endif
