/*
 * builder/op_sync.c - `gonative sync`: lock first when the lock is stale
 * (never with --frozen), then make the install folder hold the lock's
 * GOROOT (from the tree store, or built by builder/goroot.c and checked
 * against the lock), swapped in whole, and the Zig tree beside it.
 */
#include "builder/project_private.h"

#include "builder/store.h"
#include "builder/tree.h"
#include "gn/fs.h"
#include "lockfiles/resolve.h"

#include <sys/stat.h>
#include <string.h>

/*
 * Put the locked tree into the staging folder: from the tree store when it
 * holds it (no archive is read), else built from the cached archives and
 * checked against the lock, then kept in the store for next time.
 */
static int
fill_stage(struct project *p, const char *tree_id, const char *stage, struct gn_error *err)
{
	enum store_method mode = project_store_method(p), method;
	char stored[GN_PATH_MAX], tree[GN_TREE_ID_TEXT];
	struct tree *check = NULL;
	struct gn_error store_err;
	bool found;
	int rc;

	cache_assert_locked(&p->cache);
	found = store_lookup(&p->cache, tree_id, stored);
	if (found) {
		/* Copies are hashed on the way: a changed store is never installed.
		 * Hard links (GONATIVE_LINK_MODE=hardlink) trust the stat record. */
		check = mode == STORE_HARDLINK ? NULL : tree_new();
		if (mode != STORE_HARDLINK && !check) {
			return gn_error_nomem(err);
		}
		gn_error_clear(&store_err);
		rc = store_clone(stored, stage, mode, check, &method, p->opts.events, &store_err);
		if (rc == 0 && check) {
			uint8_t id[GN_SHA256_LEN];

			rc = tree_root(check, id, &store_err);
			tree_format_id(id, tree);
			if (rc == 0 && strcmp(tree, tree_id) != 0) {
				gn_error_set(&store_err, GN_E_INTEGRITY,
					     "it hashes to %s, not the locked %s", tree, tree_id);
				rc = -GN_E_INTEGRITY;
			}
		}
		tree_free(check);
		if (rc == 0) {
			gn_emitf(p->opts.events, GN_EV_INFO, "filled from the tree store (%s)",
				 store_method_name(method));
			return 0;
		}
		if (rc == -GN_E_INTERRUPTED) {
			/* Not the store's fault: keep the entry. */
			cache_unlock(&p->cache);
			*err = store_err;
			return rc;
		}
		/* A store entry that fails is no reason to fail: drop it and build. */
		store_drop(&p->cache, tree_id);
		gn_emitf(p->opts.events, GN_EV_WARNING,
			 "tree store: %s; building from the verified archives instead",
			 store_err.message);
		if ((rc = gn_rm_rf(stage, err)) < 0 || (rc = gn_mkdir_p(stage, 0755, err)) < 0) {
			return rc;
		}
	}
	rc = goroot_build(p, &p->lock, &p->host, stage, false, tree, err);
	if (rc == 0 && strcmp(tree, tree_id) != 0) {
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the merged GOROOT does not hash to the locked value");
		gn_error_values(err, tree_id, tree);
	}
	if (rc < 0) {
		return rc;
	}
	/* Keep what is slow to rebuild (a make.bash build); with hard links,
	 * keeping costs nothing, so keep everything. */
	if (mode == STORE_HARDLINK || lock_source_artifact(&p->lock)) {
		gn_error_clear(&store_err);
		if (store_put(&p->cache, tree_id, stage, mode, &store_err) < 0) {
			gn_emitf(p->opts.events, GN_EV_WARNING,
				 "could not keep the tree in the store: %s", store_err.message);
		}
	}
	return 0;
}

/* Go 1.21+ takes its GOPROXY/GOSUMDB/GOTOOLCHAIN defaults from go.env: a
 * GOROOT without it (a trimmed archive, a source build that dropped it)
 * would quietly change what the go command does. */
static int
check_go_env(struct project *p, const char *stage, struct gn_error *err)
{
	struct gn_goversion v;
	char path[GN_PATH_MAX + 8];
	struct stat st;
	int rc;

	if (gn_goversion_parse(p->lock.go, &v) != 0 || !gn_goversion_at_least(&v, 1, 21)) {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/go.env", stage);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		return 0;
	}
	rc = gn_error_set(err, GN_E_INTEGRITY, "the %s GOROOT has no go.env (Go 1.21+ needs it)",
			  p->lock.go);
	gn_error_values(err, "go.env", "missing");
	return rc;
}

/* The GOROOT half of a sync. */
static int
sync_goroot(struct project *p, const struct lock_goroot *goroot, struct project_sync_result *res,
	    struct gn_error *err)
{
	struct statrec_report report;
	char stage[GN_PATH_MAX];
	int rc;

	/* Fast path first without the lock: a warm sync costs a few lstat calls. */
	install_check(&p->install, goroot->tree, &report);
	if (report.status == STATREC_MATCH && !install_has_stale(&p->install)) {
		res->noop = true;
		return 0;
	}
	if ((rc = install_lock(&p->install, err)) < 0) {
		return rc;
	}
	/* A sync killed after its swap leaves the old tree in a staging folder. */
	install_cleanup_stale(&p->install);
	/* Another sync may have finished while we waited. */
	install_check(&p->install, goroot->tree, &report);
	if (report.status == STATREC_MATCH) {
		res->noop = true;
		goto out;
	}
	if ((rc = project_open_cache(p, err)) < 0) {
		goto out;
	}
	if ((rc = install_stage(&p->install, stage, err)) < 0) {
		goto out;
	}
	/* After the install lock, never before: project_lock above takes only
	 * the cache lock, so the two are always taken in this order. */
	if ((rc = project_lock_cache(p, err)) == 0) {
		rc = fill_stage(p, goroot->tree, stage, err);
		cache_unlock(&p->cache);
	}
	/* The last point to stop: once the swap starts it is finished, so the
	 * install path always holds the old tree or the new one, whole. */
	if (rc == 0 && gn_cancelled(p->opts.events)) {
		rc = gn_error_set(err, GN_E_INTERRUPTED, "interrupted before installing %s",
				  p->install.root);
	}
	if (rc == 0) {
		rc = check_go_env(p, stage, err);
	}
	if (rc == 0) {
		gn_emitf(p->opts.events, GN_EV_DEBUG, "installing %s", p->install.root);
		rc = install_commit(&p->install, stage, goroot->tree, err);
	}
	if (rc < 0) {
		gn_rm_rf(stage, NULL);
	}
out:
	install_unlock(&p->install);
	return rc;
}

/* The Zig half of a sync: beside the GOROOT, with the same guarantees. */
static int
sync_cc(struct project *p, struct project_sync_result *res, struct gn_error *err)
{
	struct zig_sync_result zr;
	struct zig_ctx z;
	int rc;

	if (!p->lock.cc.zig || !lock_cc_host_for(&p->lock, &p->host)) {
		return 0;
	}
	if ((rc = project_open_cache(p, err)) < 0) {
		return rc;
	}
	z = project_zig_ctx(p);
	if ((rc = zig_sync(&z, &p->lock, &p->host, &p->zig_install, &zr, err)) < 0) {
		return rc;
	}
	res->cc = true;
	res->cc_noop = zr.noop;
	snprintf(res->cc_tree, sizeof(res->cc_tree), "%s", zr.tree);
	snprintf(res->cc_root, sizeof(res->cc_root), "%s", p->zig_install.root);
	return 0;
}

int
project_sync(struct project *p, bool frozen, struct project_sync_result *res, struct gn_error *err)
{
	const struct lock_goroot *goroot;
	int rc;

	memset(res, 0, sizeof(*res));
	/* Everything that needs no network comes before the first download:
	 * both trees sync replaces must be gonative's own. */
	if ((rc = install_check_owner(&p->install, err)) < 0 ||
	    (rc = install_check_owner(&p->zig_install, err)) < 0) {
		return rc;
	}
	if (!project_lock_is_fresh(p)) {
		if (frozen) {
			if (!p->have_lock) {
				return gn_error_set(err, GN_E_LOCK,
						    "%s does not exist; --frozen installs only "
						    "from a committed lock (run `gonative lock`)",
						    p->lock_path);
			}
			return gn_error_set(err, GN_E_DRIFT,
					    "%s is out of date with %s; --frozen will not "
					    "update it (run `gonative lock`, or `gonative check` "
					    "to see what changed)",
					    p->lock_path, p->manifest.path);
		}
		struct project_lock_result lr;
		if ((rc = project_lock(p, false, &lr, err)) < 0) {
			return rc;
		}
		res->locked = lr.written;
	} else {
		/* Resolving warned already; from a fresh lock, say it here, once. */
		lock_warn_nothing_to_merge(&p->lock, p->opts.events);
	}
	project_copy_go(res->go, sizeof(res->go), p->lock.go);
	snprintf(res->root, sizeof(res->root), "%s", p->install.root);
	if ((rc = project_host_goroot(p, &goroot, err)) < 0) {
		return rc;
	}
	snprintf(res->tree, sizeof(res->tree), "%s", goroot->tree);

	if ((rc = sync_goroot(p, goroot, res, err)) < 0) {
		return rc;
	}
	return sync_cc(p, res, err);
}
