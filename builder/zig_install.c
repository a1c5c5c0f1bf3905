/*
 * builder/zig_install.c - the Zig stage, install side: the tarball fetched
 * from cc.mirrors and verified (always signed), hashed or unpacked, and
 * installed beside the GOROOT; the paths of the installed binary and its
 * caches.  The lock side is in zig.c.
 */
#include "builder/zig_private.h"

#include "builder/cachefetch.h"
#include "builder/tree.h"
#include "builder/unpack.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "lockfiles/zigindex.h"
#include "lockfiles/zigtarget.h"
#include "manifest/mirrorurl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZIG_SIGNATURE_MAX (64 * 1024)
/* A whole Zig tree is ~350 MB; the tarball is ~45 MB. */
#define ZIG_UNPACKED_MAX (4LL * 1024 * 1024 * 1024)
#define ZIG_TARBALL_MAX (1LL * 1024 * 1024 * 1024)

/* ---- fetch and verify ------------------------------------------------- */


/* The tarball's URLs: cc.mirrors in order, then the lock's own. */
static int
tarball_urls(struct zig_ctx *z, const struct lock_cc_host *h, const char ***out, size_t *n_out,
	     struct gn_error *err)
{
	const struct manifest_cc *cc = &z->manifest->cc;
	const char **mirror_urls = NULL, **urls;
	size_t n = 0, n_mirror_urls = 0;
	int rc;

	if (z->mirrors.file_urls &&
	    (rc = z->mirrors.file_urls(z->mirrors.user, h->file, h->sha256, &mirror_urls,
				       &n_mirror_urls, err)) < 0) {
		return rc;
	}
	urls = gn_arena_array(z->arena, n_mirror_urls + cc->n_mirrors + 1, sizeof(*urls));
	if (!urls) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < n_mirror_urls; i++) {
		urls[n++] = mirror_urls[i];
	}
	for (size_t i = 0; i < cc->n_mirrors && !z->mirrors.file_urls; i++) {
		size_t len = strlen(cc->mirrors[i]);
		const char *fmt = len && cc->mirrors[i][len - 1] == '/' ? "%s%s" : "%s/%s";

		if (!(urls[n++] = gn_arena_printf(z->arena, fmt, cc->mirrors[i], h->file))) {
			return gn_error_nomem(err);
		}
	}
	urls[n++] = h->url;
	if (z->mirrors.headers) {
		z->mirrors.headers(z->mirrors.user, &z->fetch);
	}
	*out = urls;
	*n_out = n;
	return 0;
}

/* Check path against the signature text at sig_path; the signer must be
 * the one the lock names (a new lock records it). */
static int
verify_tarball(struct zig_ctx *z, struct lock_cc_host *h, bool record, const char *path,
	       const char *sig_path, const char *sig_name, struct gn_error *err)
{
	struct minisign_verify_opts vo = {
		.keys = z->keys,
		.n_keys = z->n_keys,
		.allow_legacy = true,
		.expect_file = h->file,
		.require_file = true,
	};
	char id[MINISIGN_KEYID_TEXT];
	uint8_t signer[8];
	char *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (cache_read_file(z->cache, sig_path, ZIG_SIGNATURE_MAX, &sig, &sig_len, NULL) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s has no signature", h->file);
		gn_error_url(err, sig_name);
		return rc;
	}
	rc = minisign_verify_file(path, sig, sig_len, sig_name, &vo, signer, err);
	free(sig);
	if (rc < 0) {
		return rc;
	}
	minisign_keyid_format(signer, id);
	if (h->signed_by && strcmp(h->signed_by, id) != 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s is signed by key %s, but the lock says %s",
				  h->file, id, h->signed_by);
		gn_error_values(err, h->signed_by, id);
		return rc;
	}
	if (!h->signed_by) {
		if (!record) {
			return gn_error_set(err, GN_E_SIGNATURE,
					    "%s: the lock records no signer (run `gonative lock`)",
					    h->file);
		}
		h->signed_by = gn_arena_strdup(z->arena, id);
		if (!h->signed_by) {
			return gn_error_nomem(err);
		}
	}
	return 0;
}

struct sig_job {
	struct zig_ctx *z;
	struct lock_cc_host *host;
	bool record;
};

static int
check_fetched(void *user, const char *part, const char *sig_path, const char *sig_url,
	      struct gn_error *err)
{
	struct sig_job *job = user;

	return verify_tarball(job->z, job->host, job->record, part, sig_path, sig_url, err);
}

/* fetch hook: size and sha256 are right; the signature from the same
 * place must check out before the tarball may enter the cache. */
static int
signature_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	       struct gn_error *err)
{
	struct sig_job *job = user;
	struct zig_ctx *z = job->z;
	const char *sig_url = NULL;
	int rc;

	if (z->mirrors.signature_url) {
		rc = z->mirrors.signature_url(z->mirrors.user, url, job->host->file,
					      job->host->sha256, &sig_url, err);
		if (rc < 0) {
			return rc;
		}
	} else if (!(sig_url = mirror_signature_url(z->arena, url))) {
		return gn_error_nomem(err);
	}
	return cachefetch_signature(z->cache, &z->fetch, job->host->file, part, req->dest, sig_url,
				    ZIG_SIGNATURE_MAX, check_fetched, job, err);
}

/* The tarball in the cache, its signature checked in this call. */
int
zig_prepare_tarball(struct zig_ctx *z, struct lock_cc_host *h, bool record, struct gn_error *err)
{
	char path[GN_PATH_MAX], sig_path[GN_PATH_MAX + 16], part[GN_PATH_MAX], name[96];
	struct sig_job job = {.z = z, .host = h, .record = record};
	struct fetch_request req;
	const char **urls = NULL;
	size_t n = 0;
	int rc;

	cache_archive_path(z->cache, h->sha256, path);
	snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
	if ((rc = cache_lock(z->cache, err)) < 0) {
		return rc;
	}
	if (cache_has_archive(z->cache, h->sha256, h->size) &&
	    cache_is_file(z->cache, sig_path, true)) {
		/* Cached: trusted no more than a fresh download. */
		rc = verify_tarball(z, h, record, path, sig_path, sig_path, err);
		cache_unlock(z->cache);
		return rc;
	}
	cache_evict_archive(z->cache, h->sha256);
	cache_unlink(z->cache, sig_path);
	if (z->offline) {
		cache_unlock(z->cache);
		return gn_error_set(err, GN_E_OFFLINE, "%s is not in the cache and --offline was given",
				    h->file);
	}
	if ((rc = tarball_urls(z, h, &urls, &n, err)) < 0) {
		cache_unlock(z->cache);
		return rc;
	}
	snprintf(name, sizeof(name), "%s.part", h->sha256);
	cache_tmp_path(z->cache, name, part);
	req = (struct fetch_request){
		.name = h->file,
		.urls = urls,
		.n_urls = n,
		.size = h->size,
		.sha256 = h->sha256,
		.max_size = ZIG_TARBALL_MAX,
		.dest = path,
		.part = part,
		.verify = signature_hook,
		.verify_user = &job,
	};
	cachefetch_bind(z->cache, &req);
	rc = fetch_run(&req, 1, &z->fetch, err);
	cache_unlock(z->cache);
	return rc;
}

/* Unpack (dest) or only hash (dest NULL) the cached tarball. */
int
zig_tarball_tree(struct zig_ctx *z, const struct lock_cc_host *h, const char *key, const char *dest,
	     char tree[GN_TREE_ID_TEXT], struct gn_error *err)
{
	char path[GN_PATH_MAX], top[256];
	uint8_t id[GN_SHA256_LEN];
	struct tree *t;
	int rc;

	if (!zig_tarball_name_ok(h->file, key, z->manifest->cc.zig, top, sizeof(top))) {
		return gn_error_set(err, GN_E_LOCK, "%s is not the Zig %s tarball for %s", h->file,
				    z->manifest->cc.zig, key);
	}
	t = tree_new();
	if (!t) {
		return gn_error_nomem(err);
	}
	cache_archive_path(z->cache, h->sha256, path);
	{
		struct unpack_opts uo = {
			.archive = path,
			.name = h->file,
			.dest = dest,
			.top = top,
			.expect_sha256 = h->sha256,
			.max_bytes = ZIG_UNPACKED_MAX,
			.tree = t,
			.fresh_dest = dest != NULL,
		};
		rc = unpack_archive(&uo, err);
	}
	if (rc == 0) {
		rc = tree_root(t, id, err);
	}
	if (rc == 0) {
		tree_format_id(id, tree);
	}
	tree_free(t);
	return rc;
}

/* The index key the locked file was chosen for (checked against its name). */
const char *
zig_host_key(const struct lock_cc_host *h, const char *zig)
{
	const char *keys[4];
	size_t n = zig_host_keys(&h->host, keys, 4);

	for (size_t i = 0; i < n; i++) {
		if (zig_tarball_name_ok(h->file, keys[i], zig, NULL, 0)) {
			return keys[i];
		}
	}
	return n ? keys[0] : "?";
}


int
zig_fetch_all(struct zig_ctx *z, const struct lock *lock, struct gn_error *err)
{
	for (size_t i = 0; i < lock->cc.n_hosts; i++) {
		struct lock_cc_host h = lock->cc.hosts[i];
		int rc;

		if ((rc = zig_prepare_tarball(z, &h, false, err)) < 0) {
			return rc;
		}
	}
	return 0;
}

/* ---- install ---------------------------------------------------------- */

int
zig_install_init(const struct install *goroot, struct install *out, struct gn_error *err)
{
	char path[GN_PATH_MAX];

	if (!gn_path_fmt(path, sizeof(path), "%s-zig", goroot->root)) {
		return gn_error_set(err, GN_E_USAGE, "install path too long");
	}
	return install_init(out, path, err);
}

int
zig_sync(struct zig_ctx *z, const struct lock *lock, const struct gn_platform *host,
	 struct install *inst, struct zig_sync_result *res, struct gn_error *err)
{
	const struct lock_cc_host *locked = lock_cc_host_for(lock, host);
	struct lock_cc_host h;
	struct statrec_report report;
	char stage[GN_PATH_MAX], tree[GN_TREE_ID_TEXT], text[GN_PLATFORM_TEXT];
	int rc;

	memset(res, 0, sizeof(*res));
	gn_platform_format(host, text, sizeof(text));
	if (!locked || !locked->tree[0]) {
		return gn_error_set(err, GN_E_USAGE,
				    "the lock has no Zig for this machine (%s): run `gonative lock`",
				    text);
	}
	h = *locked;
	snprintf(res->tree, sizeof(res->tree), "%s", h.tree);
	install_check(inst, h.tree, &report);
	if (report.status == STATREC_MATCH && !install_has_stale(inst)) {
		res->noop = true;
		return 0;
	}
	if ((rc = install_lock(inst, err)) < 0) {
		return rc;
	}
	/* A sync killed after its swap leaves the old tree in a staging folder. */
	install_cleanup_stale(inst);
	install_check(inst, h.tree, &report);
	if (report.status == STATREC_MATCH) {
		res->noop = true;
		goto out;
	}
	if ((rc = zig_prepare_tarball(z, &h, false, err)) < 0) {
		goto out;
	}
	if ((rc = install_stage(inst, stage, err)) < 0) {
		goto out;
	}
	rc = zig_tarball_tree(z, &h, zig_host_key(&h, lock->cc.zig), stage, tree, err);
	if (rc == 0 && strcmp(tree, h.tree) != 0) {
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the unpacked Zig tree does not hash to the locked value");
		gn_error_file(err, h.file);
		gn_error_values(err, h.tree, tree);
	}
	/* The last point to stop, as for the GOROOT: a swap, once started, ends. */
	if (rc == 0 && gn_cancelled(z->events)) {
		rc = gn_error_set(err, GN_E_INTERRUPTED, "interrupted before installing %s",
				  inst->root);
	}
	if (rc == 0) {
		gn_emitf(z->events, GN_EV_DEBUG, "installing %s", inst->root);
		rc = install_commit(inst, stage, h.tree, err);
	}
	if (rc < 0) {
		gn_rm_rf(stage, NULL);
	}
out:
	install_unlock(inst);
	return rc;
}

void
zig_binary_path(const struct install *inst, const struct gn_platform *host, char *out, size_t len)
{
	snprintf(out, len, "%s/zig%s", inst->root, strcmp(host->os, "windows") == 0 ? ".exe" : "");
}

void
zig_cache_dirs(const struct cache *cache, char *global, char *local, size_t len)
{
	snprintf(global, len, "%s/zig/global", cache->root);
	snprintf(local, len, "%s/zig/local", cache->root);
}
