/*
 * builder/cachefetch.h - downloads that land in the cache: requests bound
 * to the cache's folder descriptors (so no planted link is followed), one
 * small file fetched quietly, and a detached signature fetched beside a
 * download, checked, then kept.  The transfers are builder/fetch.c's.
 */
#ifndef CACHEFETCH_H
#define CACHEFETCH_H

#include "builder/cache.h"
#include "builder/fetch.h"

/* Point req's dest and part, when inside the cache, at its folder fds. */
void cachefetch_bind(const struct cache *cache, struct fetch_request *req);

/* url into dest (a cache path), at most max bytes, without progress events
 * or retries (a signature, a list); fo's network settings and tokens, and
 * its way to stop.  0 or -code. */
int cachefetch_small(const struct cache *cache, const struct fetch_opts *fo, const char *name,
		     const char *url, const char *dest, int64_t max, struct gn_error *err);

/* Checks the signature at sig_path: 0 or -code. */
typedef int (*cachefetch_verify_fn)(void *user, const char *sig_path, struct gn_error *err);

/*
 * The detached signature of the download that is to become dest: fetched
 * from url into the cache's tmp folder, handed to verify, and only when it
 * passes kept as "<dest>.minisig".  Unavailable: GN_E_SIGNATURE naming file
 * and url.  0 or -code.
 */
int cachefetch_signature(const struct cache *cache, const struct fetch_opts *fo,
			 const char *file, const char *dest, const char *url, int64_t max,
			 cachefetch_verify_fn verify, void *user, struct gn_error *err);

#endif
