/*
 * builder/op_lock.c - `gonative lock`: resolve the manifest against the
 * index, check and fetch what the new lock names (Zig, module zips,
 * signatures, sumdb roots), hash the merged GOROOT of every host and write
 * the lock when its bytes change.
 */
#include "builder/project_private.h"

#include "gn/fs.h"
#include "lockfiles/resolve.h"

#include <stdlib.h>
#include <string.h>

/* A platform Zig cannot serve fails before anything is downloaded. */
static int
resolve_cc_targets(struct project *p, struct lock_cc *out, struct gn_error *err)
{
	struct zig_ctx z = project_zig_ctx(p);
	struct lock targets = {
		.platforms = p->manifest.platforms,
		.n_platforms = p->manifest.n_platforms,
	};
	int rc;

	if ((rc = zig_resolve_targets(&z, &targets, err)) < 0) {
		return rc;
	}
	*out = targets.cc;
	return 0;
}

/* Every artifact's signer goes into the lock, even when no tree needs
 * hashing again. */
static int
record_signers(struct project *p, struct lock *fresh, struct gn_error *err)
{
	struct lock_artifact **all =
		gn_arena_array(&p->arena, fresh->n_artifacts + 1, sizeof(*all));

	if (!all) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < fresh->n_artifacts; i++) {
		all[i] = &fresh->artifacts[i];
	}
	return prefetch_artifacts(p, all, fresh->n_artifacts, true, err);
}

/* The tree id of each host whose GOROOT the resolver could not carry over. */
static int
hash_goroots(struct project *p, struct lock *fresh, struct gn_error *err)
{
	int rc;

	for (size_t i = 0; i < fresh->n_goroots; i++) {
		struct lock_goroot *g = &fresh->goroots[i];
		char text[GN_PLATFORM_TEXT];

		if (g->tree[0]) {
			continue;
		}
		gn_platform_format(&g->host, text, sizeof(text));
		gn_emitf(p->opts.events, GN_EV_INFO, "hashing the merged GOROOT for %s", text);
		if ((rc = goroot_build(p, fresh, &g->host, NULL, true, g->tree, err)) < 0) {
			return rc;
		}
	}
	return 0;
}

/* Write the lock only when its bytes change (*written says so). */
static int
write_lock_file(struct project *p, struct lock *fresh, bool *written,
		struct gn_error *err)
{
	struct gn_buf bytes;
	char *old = NULL;
	size_t old_len = 0;
	int rc = 0;

	gn_buf_init(&bytes);
	lock_write(fresh, &bytes);
	if (bytes.failed) {
		gn_buf_free(&bytes);
		return gn_error_nomem(err);
	}
	if (gn_path_exists(p->lock_path)) {
		gn_read_file(p->lock_path, LOCK_MAX_BYTES, &old, &old_len, NULL);
	}
	if (!old || old_len != bytes.len || memcmp(old, bytes.data, bytes.len) != 0) {
		rc = gn_write_file_atomic(p->lock_path, bytes.data, bytes.len, 0644, err);
		*written = rc == 0;
	}
	free(old);
	gn_buf_free(&bytes);
	return rc;
}

/* project_lock's work, under the cache lock. */
static int
write_lock_locked(struct project *p, bool upgrade, struct project_lock_result *res,
		  struct gn_error *err)
{
	struct lock_index index;
	struct lock fresh;
	struct lock_cc cc_targets = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	if (p->have_lock) {
		project_copy_go(res->previous_go, sizeof(res->previous_go), p->lock.go);
	}
	if (p->manifest.cc.enabled && (rc = resolve_cc_targets(p, &cc_targets, err)) < 0) {
		return rc;
	}
	if ((rc = index_fetch(p, &index, err)) < 0) {
		return rc;
	}
	rc = lock_resolve(&p->arena, &p->manifest, p->digest, &p->host, &index,
			  p->have_lock ? &p->lock : NULL, upgrade, &fresh, p->opts.events, err);
	if (rc < 0) {
		return rc;
	}
	/* Zig first: a tarball that fails its checks stops the lock before any
	 * Go archive is fetched or hashed. */
	if (p->manifest.cc.enabled) {
		struct zig_ctx z = project_zig_ctx(p);

		fresh.cc = cc_targets;
		if ((rc = project_open_cache(p, err)) < 0 ||
		    (rc = zig_lock(&z, &fresh, p->have_lock ? &p->lock : NULL, err)) < 0) {
			return rc;
		}
	}
	if (project_from_proxy(p) && (rc = prefetch_new_modules(p, &fresh, err)) < 0) {
		return rc;
	}
	if (p->manifest.signatures.require_archives && (rc = record_signers(p, &fresh, err)) < 0) {
		return rc;
	}
	if ((rc = archive_sig_trust_roots(p, &fresh, err)) < 0 ||
	    (rc = hash_goroots(p, &fresh, err)) < 0 ||
	    (rc = write_lock_file(p, &fresh, &res->written, err)) < 0) {
		return rc;
	}
	p->lock = fresh;
	p->have_lock = true;
	project_copy_go(res->go, sizeof(res->go), fresh.go);
	return 0;
}

int
project_lock(struct project *p, bool upgrade, struct project_lock_result *res, struct gn_error *err)
{
	int rc;

	if ((rc = project_lock_cache(p, err)) < 0) {
		memset(res, 0, sizeof(*res));
		return rc;
	}
	rc = write_lock_locked(p, upgrade, res, err);
	cache_unlock(&p->cache);
	return rc;
}
