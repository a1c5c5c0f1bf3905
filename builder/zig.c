/*
 * builder/zig.c - the Zig stage, lock side: the targets of cc: resolved,
 * the index loaded (cached, or fetched and cached), each host's tarball
 * chosen and recorded in the lock.  Fetch, verify and install are in
 * zig_install.c.
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

int
zig_resolve_targets(struct zig_ctx *z, struct lock *lock, struct gn_error *err)
{
	const struct manifest *m = z->manifest;
	struct lock_cc *cc = &lock->cc;

	cc->zig = m->cc.zig;
	cc->index = m->cc.index;
	cc->targets = gn_arena_array(z->arena, lock->n_platforms ? lock->n_platforms : 1,
				     sizeof(*cc->targets));
	if (!cc->targets) {
		return gn_error_nomem(err);
	}
	cc->n_targets = 0;
	for (size_t i = 0; i < lock->n_platforms; i++) {
		const struct gn_platform *p = &lock->platforms[i];
		struct lock_cc_target *t = &cc->targets[cc->n_targets];
		char triple[ZIG_TRIPLE_MAX], text[GN_PLATFORM_TEXT];
		const char *why = NULL;
		bool musl = gn_platform_in(p, m->cc.musl, m->cc.n_musl);

		if (gn_platform_in(p, m->cc.skip, m->cc.n_skip)) {
			continue;
		}
		gn_platform_format(p, text, sizeof(text));
		if (!zig_target_for(p, m->cc.zig, m->cc.glibc, musl, triple, &why)) {
			int rc = gn_error_at(err, GN_E_RESOLVE, m->path, m->cc.line, m->cc.col,
					     "cc: Zig %s cannot be the C compiler for %s: %s; list "
					     "it under cc.skip to build it without cgo",
					     m->cc.zig, text, why);
			gn_error_values(err, text, "no Zig target");
			return rc;
		}
		t->platform = *p;
		snprintf(t->triple, sizeof(t->triple), "%s", triple);
		cc->n_targets++;
	}
	return 0;
}

/* ---- the index ---------------------------------------------------------- */

static int
load_index(struct zig_ctx *z, struct zig_index *out, struct gn_error *err)
{
	const char *url = z->manifest->cc.index;
	char cached[GN_PATH_MAX], fresh[GN_PATH_MAX + 8], name[128];
	char *data = NULL;
	size_t len = 0;
	int rc;

	cache_index_path(z->cache, url, cached);
	snprintf(name, sizeof(name), "zigindex-%s", gn_basename(cached));
	cache_tmp_path(z->cache, name, fresh);
	if (z->offline) {
		if (!cache_is_file(z->cache, cached, false)) {
			rc = gn_error_set(err, GN_E_OFFLINE,
					  "the Zig index is not in the cache (run once without "
					  "--offline)");
			gn_error_url(err, url);
			return rc;
		}
		if ((rc = cache_read_file(z->cache, cached, ZIG_INDEX_MAX_BYTES, &data, &len, err)) <
		    0) {
			return rc;
		}
		rc = zig_index_parse(z->arena, url, data, len, out, err);
		free(data);
		return rc;
	}
	{
		const char *urls[] = {url};
		struct fetch_request req = {
			.name = "Zig index",
			.urls = urls,
			.n_urls = 1,
			.size = -1,
			.max_size = ZIG_INDEX_MAX_BYTES,
			.dest = fresh,
		};
		struct fetch_opts fo = z->fetch;

		fo.events = NULL;
		cachefetch_bind(z->cache, &req);
		if ((rc = cache_lock(z->cache, err)) < 0) {
			return rc;
		}
		rc = fetch_run(&req, 1, &fo, err);
	}
	if (rc == 0) {
		rc = cache_read_file(z->cache, fresh, ZIG_INDEX_MAX_BYTES, &data, &len, err);
	}
	if (rc == 0) {
		rc = zig_index_parse(z->arena, url, data, len, out, err);
		free(data);
	}
	/* Only an index that parsed replaces the cached copy. */
	if (rc == 0 && cache_rename(z->cache, fresh, cached) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache the Zig index at %s: %s", cached,
				  strerror(errno));
	}
	cache_unlink(z->cache, fresh);
	cache_unlock(z->cache);
	return rc;
}
/* ---- lock --------------------------------------------------------------- */

static const struct lock_cc_host *
previous_host(const struct lock *previous, const struct lock_cc_host *h, const char *zig)
{
	const struct lock_cc_host *old;

	if (!previous || !previous->cc.zig || strcmp(previous->cc.zig, zig) != 0) {
		return NULL;
	}
	old = lock_cc_host_for(previous, &h->host);
	return old && strcmp(old->file, h->file) == 0 ? old : NULL;
}

static int
fill_host(struct zig_ctx *z, const struct zig_index_version *v, const struct lock *previous,
	  struct lock_cc_host *h, struct gn_error *err)
{
	const struct manifest *m = z->manifest;
	const struct zig_index_artifact *a = NULL;
	const struct lock_cc_host *old;
	const char *keys[4], *key = NULL;
	char text[GN_PLATFORM_TEXT], top[256];
	size_t n = zig_host_keys(&h->host, keys, 4);
	int rc;

	gn_platform_format(&h->host, text, sizeof(text));
	for (size_t i = 0; i < n && !a; i++) {
		a = zig_index_artifact(v, keys[i]);
		key = keys[i];
	}
	if (!a) {
		rc = gn_error_at(err, GN_E_RESOLVE, m->path, m->cc.zig_line, m->cc.zig_col,
				 "Zig %s has no build for host %s in the Zig index", m->cc.zig,
				 text);
		gn_error_url(err, m->cc.index);
		gn_error_values(err, n ? keys[0] : text, "no such entry");
		return rc;
	}
	h->url = a->tarball;
	h->file = strrchr(a->tarball, '/') + 1;
	if (!zig_tarball_name_ok(h->file, key, m->cc.zig, top, sizeof(top))) {
		char want[160];

		rc = gn_error_at(err, GN_E_INDEX, m->cc.index, a->line, a->col,
				 "%s.tarball names %s, which is not Zig %s for %s", key, h->file,
				 m->cc.zig, key);
		snprintf(want, sizeof(want), "zig-<os>-<arch>-%s%s", m->cc.zig,
			 strstr(key, "windows") ? ".zip" : ".tar.xz");
		gn_error_values(err, want, h->file);
		return rc;
	}
	h->size = a->size;
	memcpy(h->sha256, a->sha256, GN_SHA256_HEX);
	h->signed_by = NULL;
	h->tree[0] = '\0';
	old = previous_host(previous, h, m->cc.zig);
	if (old && (strcmp(old->sha256, h->sha256) != 0 || old->size != h->size)) {
		char want[96], got[96];

		rc = gn_error_set(err, GN_E_INTEGRITY, "%s: the Zig index changed under the lock",
				  h->file);
		snprintf(want, sizeof(want), "%lld bytes, sha256 %.16s...", (long long)old->size,
			 old->sha256);
		snprintf(got, sizeof(got), "%lld bytes, sha256 %.16s...", (long long)h->size,
			 h->sha256);
		gn_error_values(err, want, got);
		gn_error_url(err, m->cc.index);
		return rc;
	}
	if (old) {
		/* Same bytes: the signer sticks, and the tree is already known. */
		h->signed_by = old->signed_by;
		memcpy(h->tree, old->tree, sizeof(h->tree));
	}
	return 0;
}

int
zig_lock(struct zig_ctx *z, struct lock *lock, const struct lock *previous, struct gn_error *err)
{
	const struct manifest *m = z->manifest;
	const struct zig_index_version *v;
	struct zig_index index;
	struct lock_cc *cc = &lock->cc;
	int rc;

	if ((rc = load_index(z, &index, err)) < 0) {
		return rc;
	}
	v = zig_index_find(&index, m->cc.zig);
	if (!v) {
		rc = gn_error_at(err, GN_E_RESOLVE, m->path, m->cc.zig_line, m->cc.zig_col,
				 "the Zig index has no release %s", m->cc.zig);
		gn_error_url(err, m->cc.index);
		gn_error_values(err, m->cc.zig, "no such version");
		return rc;
	}
	cc->hosts = gn_arena_array(z->arena, lock->n_hosts ? lock->n_hosts : 1, sizeof(*cc->hosts));
	if (!cc->hosts) {
		return gn_error_nomem(err);
	}
	cc->n_hosts = 0;
	for (size_t i = 0; i < lock->n_hosts; i++) {
		struct lock_cc_host *h = &cc->hosts[cc->n_hosts];

		memset(h, 0, sizeof(*h));
		h->host = lock->hosts[i];
		if ((rc = fill_host(z, v, previous, h, err)) < 0) {
			return rc;
		}
		cc->n_hosts++;
		/* Every lock proves the signature; a new tree is hashed too. */
		if ((rc = zig_prepare_tarball(z, h, true, err)) < 0) {
			return rc;
		}
		if (!h->tree[0]) {
			char text[GN_PLATFORM_TEXT];

			gn_platform_format(&h->host, text, sizeof(text));
			gn_emitf(z->events, GN_EV_INFO, "hashing Zig %s for %s", m->cc.zig, text);
			rc = zig_tarball_tree(z, h, zig_host_key(h, m->cc.zig), NULL, h->tree, err);
			if (rc < 0) {
				return rc;
			}
		}
	}
	lock_sort(lock);
	return 0;
}
