/*
 * builder/op_check.c - `gonative check`: drift between the manifest, the
 * lock, the installed trees and, with --upstream, the index and the
 * checksum database.  Nothing is written.
 */
#include "builder/project_private.h"

#include "builder/tree.h"
#include "lockfiles/resolve.h"

#include <string.h>

/* check: the installed Zig tree against the lock, like the GOROOT. */
static int
check_cc(struct project *p, bool deep, struct project_check_result *res, struct gn_error *err)
{
	const struct lock_cc_host *h = lock_cc_host_for(&p->lock, &p->host);
	int rc;

	if (!h || !h->tree[0]) {
		return 0;
	}
	res->cc = true;
	snprintf(res->cc_expected_tree, sizeof(res->cc_expected_tree), "%s", h->tree);
	install_check(&p->zig_install, h->tree, &res->cc_install);
	if (res->cc_install.status != STATREC_MATCH) {
		res->drifted = true;
	}
	if (deep && res->cc_install.status != STATREC_MISSING) {
		uint8_t id[GN_SHA256_LEN];

		if ((rc = tree_hash_dir(p->zig_install.root, id, err)) < 0) {
			return rc;
		}
		tree_format_id(id, res->cc_actual_tree);
		if (strcmp(res->cc_actual_tree, h->tree) != 0) {
			res->drifted = true;
		}
	}
	return 0;
}

/* check: the installed GOROOT against the lock (deep: re-hashed). */
static int
check_goroot(struct project *p, bool deep, struct project_check_result *res, struct gn_error *err)
{
	const struct lock_goroot *goroot = lock_goroot_for(&p->lock, &p->host);
	int rc;

	if (!goroot || !goroot->tree[0]) {
		res->host_missing = true;
		res->drifted = true;
		return 0;
	}
	snprintf(res->expected_tree, sizeof(res->expected_tree), "%s", goroot->tree);
	install_check(&p->install, goroot->tree, &res->install);
	if (res->install.status != STATREC_MATCH) {
		res->drifted = true;
	}
	if (deep && res->install.status != STATREC_MISSING) {
		uint8_t id[GN_SHA256_LEN];
		if ((rc = tree_hash_dir(p->install.root, id, err)) < 0) {
			return rc;
		}
		tree_format_id(id, res->actual_tree);
		res->deep = true;
		if (strcmp(res->actual_tree, goroot->tree) != 0) {
			res->drifted = true;
		}
	}
	return 0;
}

/* check --upstream: the newest matching release, and the log's head. */
static int
check_upstream(struct project *p, struct project_check_result *res, struct gn_error *err)
{
	struct lock_index index;
	struct lock newest;
	int rc;

	if ((rc = project_lock_cache(p, err)) < 0) {
		return rc;
	}
	rc = index_fetch(p, &index, err);
	cache_unlock(&p->cache);
	if (rc < 0) {
		return rc;
	}
	rc = lock_resolve(&p->arena, &p->manifest, p->digest, &p->host, &index, NULL, true,
			  &newest, NULL, err);
	if (rc < 0) {
		return rc;
	}
	res->upstream_checked = true;
	project_copy_go(res->upstream_go, sizeof(res->upstream_go), newest.go);
	if (strcmp(newest.go, p->lock.go) != 0) {
		res->drifted = true;
	}
	if (p->manifest.sumdb) {
		struct trust_opts to = archive_sig_trust_opts(p);

		if ((rc = project_open_cache(p, err)) < 0 ||
		    (rc = trust_check_upstream(&to, &res->log, err)) < 0) {
			return rc;
		}
		res->log_checked = true;
	}
	return 0;
}

int
project_check(struct project *p, bool deep, bool upstream, struct project_check_result *res,
	      struct gn_error *err)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if (!p->have_lock) {
		res->lock_missing = true;
		res->drifted = true;
		return 0;
	}
	rc = lock_drift_manifest(&p->arena, &p->manifest, p->digest, &p->host, &p->lock,
				 &res->drift);
	if (rc < 0) {
		return gn_error_nomem(err);
	}
	res->drifted = res->drift.n_items > 0;
	if ((rc = check_goroot(p, deep, res, err)) < 0 || (rc = check_cc(p, deep, res, err)) < 0) {
		return rc;
	}
	return upstream ? check_upstream(p, res, err) : 0;
}
