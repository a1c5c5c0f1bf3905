/*
 * builder/index_fetch.c - the first stage of a lock: the release index,
 * fetched (offline: read back from the cache), its minisign signature
 * checked when signatures.require lists index, and only then kept in the
 * cache; or, with source: proxy, the toolchain list of the proxies
 * (builder/toolchain.h).
 */
#include "builder/project_private.h"

#include "builder/registry.h"
#include "builder/toolchain.h"
#include "gn/fs.h"
#include "manifest/mirrorurl.h"
#include "manifest/ociref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* Last path component of a URL without its query; NULL when empty. */
static const char *
url_file_name(struct gn_arena *arena, const char *url)
{
	const char *end = url + strcspn(url, "?#");
	const char *start = end;

	while (start > url && start[-1] != '/') {
		start--;
	}
	if (start == end) {
		return NULL;
	}
	return gn_arena_strndup(arena, start, (size_t)(end - start));
}

/* Check the index bytes against its signature file (already on disk). */
static int
verify_index(struct project *p, const char *data, size_t len, const char *sig_path,
	     const char *sig_name, const char *sig_file, struct gn_error *err)
{
	struct minisign_verify_opts vo = archive_sig_opts(p, sig_file);
	uint8_t signer[8];
	char *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (cache_read_file(&p->cache, sig_path, SIGNATURE_MAX_BYTES, &sig, &sig_len, NULL) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "the release index has no signature, and signatures.require "
				  "lists index");
		gn_error_url(err, sig_name);
		return rc;
	}
	rc = minisign_verify_buffer(data, len, sig, sig_len, sig_name, &vo, signer, err);
	free(sig);
	return rc;
}

/* Where the index lives in the cache, and where a fresh copy waits until
 * it has verified and parsed. */
struct index_paths {
	char cached[GN_PATH_MAX], fresh[GN_PATH_MAX + 8];
	char cached_sig[GN_PATH_MAX + 16], fresh_sig[GN_PATH_MAX + 16];
};

static void
index_paths_init(struct project *p, const char *url, struct index_paths *ip)
{
	char name[96];

	cache_index_path(&p->cache, url, ip->cached);
	snprintf(ip->cached_sig, sizeof(ip->cached_sig), "%s.minisig", ip->cached);
	snprintf(name, sizeof(name), "index-%s", gn_basename(ip->cached));
	cache_tmp_path(&p->cache, name, ip->fresh);
	snprintf(name, sizeof(name), "index-%s.minisig", gn_basename(ip->cached));
	cache_tmp_path(&p->cache, name, ip->fresh_sig);
}

/* --offline: the cached index, checked as strictly as a fresh one. */
static int
read_cached_index(struct project *p, const char *url, const struct index_paths *ip, char **data,
		  size_t *len, struct gn_error *err)
{
	const char *sig_url = mirror_signature_url(&p->arena, url);
	const char *sig_file = url_file_name(&p->arena, url);
	int rc;

	if (!gn_path_exists(ip->cached)) {
		rc = gn_error_set(err, GN_E_OFFLINE,
				  "the release index is not in the cache (run once "
				  "without --offline)");
		gn_error_url(err, url);
		return rc;
	}
	if ((rc = cache_read_file(&p->cache, ip->cached, LOCK_INDEX_MAX_BYTES, data, len, err)) <
	    0) {
		return rc;
	}
	/* A cached copy is trusted no more than a fresh one. */
	if (oci_is_ref(url)) {
		sig_file = "index.json";
	}
	if (p->manifest.signatures.require_index &&
	    (rc = verify_index(p, *data, *len, ip->cached_sig, sig_url, sig_file, err)) < 0) {
		free(*data);
		*data = NULL;
		return rc;
	}
	return 0;
}

/* The fresh index's signature, fetched beside it and checked. */
static int
check_fresh_signature(struct project *p, const char *url, const char *sig_url,
		      const char *sig_file, const struct index_paths *ip, const char *data,
		      size_t len, struct gn_error *err)
{
	struct gn_error fetch_err;
	int rc;

	gn_error_clear(&fetch_err);
	if (!sig_url) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "the release index has no signature, and "
				  "signatures.require lists index");
		gn_error_url(err, url);
		return rc;
	}
	if (download_small(p, "index signature", sig_url, ip->fresh_sig, SIGNATURE_MAX_BYTES,
			   &fetch_err) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "cannot fetch the release index's signature, and "
				  "signatures.require lists index: %s",
				  fetch_err.message);
		gn_error_url(err, sig_url);
		return rc;
	}
	return verify_index(p, data, len, ip->fresh_sig, sig_url, sig_file, err);
}

/* Download the index (from a mirror or a registry) to its fresh path and
 * check its signature; on failure nothing fresh is left behind. */
static int
fetch_fresh_index(struct project *p, const char *url, const struct index_paths *ip, char **data,
		  size_t *len, struct gn_error *err)
{
	const char *fetch_url = url, *fetch_sha = NULL;
	const char *sig_url = mirror_signature_url(&p->arena, url);
	const char *sig_file = url_file_name(&p->arena, url);
	const char *urls[1];
	struct fetch_request req = {
		.name = "release index",
		.urls = urls,
		.n_urls = 1,
		.size = -1,
		.max_size = LOCK_INDEX_MAX_BYTES,
		.dest = ip->fresh,
	};
	struct fetch_opts fo;
	int rc;

	if ((rc = registry_index_urls(p, &fetch_url, &fetch_sha, &sig_url, &sig_file, err)) < 0) {
		return rc;
	}
	urls[0] = fetch_url;
	req.sha256 = fetch_sha;
	fo = download_opts(p);

	download_in_cache(p, &req);
	gn_emitf(p->opts.events, GN_EV_DEBUG, "fetching the release index %s", url);
	/* One process at a time writes the cached index. */
	cache_assert_locked(&p->cache);
	if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
		return rc;
	}
	rc = cache_read_file(&p->cache, ip->fresh, LOCK_INDEX_MAX_BYTES, data, len, err);
	if (rc == 0 && p->manifest.signatures.require_index) {
		rc = check_fresh_signature(p, url, sig_url, sig_file, ip, *data, *len, err);
	}
	if (rc < 0) {
		free(*data);
		*data = NULL;
		cache_unlink(&p->cache, ip->fresh);
		cache_unlink(&p->cache, ip->fresh_sig);
	}
	return rc;
}

/* Only an index that verified and parsed replaces the cached copy. */
static int
keep_fresh_index(struct project *p, const struct index_paths *ip, int rc, struct gn_error *err)
{
	if (rc == 0 && p->manifest.signatures.require_index &&
	    cache_rename(&p->cache, ip->fresh_sig, ip->cached_sig) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", ip->cached_sig,
				  strerror(errno));
	}
	if (rc == 0 && cache_rename(&p->cache, ip->fresh, ip->cached) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache the index at %s: %s", ip->cached,
				  strerror(errno));
	}
	cache_unlink(&p->cache, ip->fresh);
	cache_unlink(&p->cache, ip->fresh_sig);
	return rc;
}

/* Fetch (or, offline, read back) the release index, and check its
 * signature when the manifest requires one. */
static int
load_index(struct project *p, struct lock_index *index, struct gn_error *err)
{
	const char *url = p->manifest.index;
	struct index_paths ip;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = project_open_cache(p, err)) < 0) {
		return rc;
	}
	index_paths_init(p, url, &ip);
	rc = p->opts.offline ? read_cached_index(p, url, &ip, &data, &len, err)
			     : fetch_fresh_index(p, url, &ip, &data, &len, err);
	if (rc < 0) {
		return rc;
	}
	rc = lock_index_parse(&p->arena, url, data, len, index, err);
	free(data);
	if (!p->opts.offline) {
		rc = keep_fresh_index(p, &ip, rc, err);
	}
	return rc;
}

/* source: proxy: the toolchains @v/list names, as an index whose files'
 * sha256 is known only from the previous lock (else a placeholder). */
static int
load_toolchain_index(struct project *p, struct lock_index *index, struct gn_error *err)
{
	struct toolchain_opts to = project_toolchain_opts(p);
	int rc;

	if (p->opts.offline) {
		return gn_error_set(err, GN_E_OFFLINE,
				    "source: proxy lists the toolchains on the proxy; run once "
				    "without --offline");
	}
	if ((rc = project_open_cache(p, err)) < 0 ||
	    (rc = toolchain_index(&to, &p->arena, index, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; p->have_lock && i < index->n_releases; i++) {
		for (size_t j = 0; j < index->releases[i].n_files; j++) {
			struct lock_index_file *f = &index->releases[i].files[j];
			const struct lock_artifact *old = lock_find_artifact(&p->lock, f->filename);

			if (old) {
				f->sha256 = old->sha256;
				f->size = old->size;
			}
		}
	}
	return 0;
}

int
index_fetch(struct project *p, struct lock_index *index, struct gn_error *err)
{
	return project_from_proxy(p) ? load_toolchain_index(p, index, err)
				     : load_index(p, index, err);
}
