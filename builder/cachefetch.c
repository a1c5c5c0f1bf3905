/*
 * builder/cachefetch.c - downloads into the cache (builder/cachefetch.h).
 */
#include "builder/cachefetch.h"

#include "gn/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void
cachefetch_bind(const struct cache *cache, struct fetch_request *req)
{
	if (req->dest) {
		cache_locate(cache, req->dest, &req->dest_dir, &req->dest_name);
	}
	if (req->part) {
		cache_locate(cache, req->part, &req->part_dir, &req->part_name);
	}
}

int
cachefetch_small(const struct cache *cache, const struct fetch_opts *fo, const char *name,
		 const char *url, const char *dest, int64_t max, struct gn_error *err)
{
	const char *urls[] = {url};
	struct fetch_request req = {
		.name = name,
		.urls = urls,
		.n_urls = 1,
		.size = -1,
		.max_size = max,
		.dest = dest,
	};
	struct fetch_opts quiet_fo = *fo;
	struct gn_events quiet = {0};

	cachefetch_bind(cache, &req);
	/* Tiny files: no progress lines for them, but still a way to stop. */
	if (fo->events) {
		quiet.user = fo->events->user;
		quiet.cancelled = fo->events->cancelled;
	}
	quiet_fo.events = &quiet;
	quiet_fo.retries = -1;
	return fetch_run(&req, 1, &quiet_fo, err);
}

int
cachefetch_signature(const struct cache *cache, const struct fetch_opts *fo, const char *file,
		     const char *dest, const char *url, int64_t max, cachefetch_verify_fn verify,
		     void *user, struct gn_error *err)
{
	char sig_new[GN_PATH_MAX + 32], sig_final[GN_PATH_MAX + 16], name[96];
	struct gn_error fetch_err;
	int rc;

	snprintf(name, sizeof(name), "%s.minisig", gn_basename(dest));
	cache_tmp_path(cache, name, sig_new);
	if (snprintf(sig_final, sizeof(sig_final), "%s.minisig", dest) >= (int)sizeof(sig_final)) {
		return gn_error_set(err, GN_E_IO, "%s: path too long", dest);
	}
	gn_error_clear(&fetch_err);
	if (cachefetch_small(cache, fo, "signature", url, sig_new, max, &fetch_err) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s: no signature at %s (%s)", file, url,
				  fetch_err.message);
		gn_error_url(err, url);
		return rc;
	}
	rc = verify(user, sig_new, err);
	if (rc == 0 && cache_rename(cache, sig_new, sig_final) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", sig_final, strerror(errno));
	}
	cache_unlink(cache, sig_new);
	return rc;
}
