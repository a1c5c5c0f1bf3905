/*
 * builder/cache.h - the download cache.
 *
 *   <root>/archives/<sha256 hex>   verified archives, content-addressed
 *   <root>/index/<sha256(url)>     last good copy of each release index
 *   <root>/tmp/                    downloads in progress (never read as cache)
 *   <root>/lock                    flock: one process fetches at a time
 *
 * A file enters archives/ only after fetch verified its size, sha256 and
 * (when required) signature.
 */
#ifndef CACHE_H
#define CACHE_H

#include "gn/error.h"
#include "gn/sha256.h"

#include <stdbool.h>

#define CACHE_PATH_MAX 4096

struct cache {
	char root[CACHE_PATH_MAX];
	int lock_fd; /* -1 when not held */
};

/*
 * Where the cache lives: dir when given, else $GONATIVE_CACHE, else
 * $XDG_CACHE_HOME/gonative, else $HOME/.cache/gonative.  Creates the
 * folders.  Pair with cache_close().
 */
int cache_open(struct cache *cache, const char *dir, struct gn_error *err);

/* The default cache folder from those three values (any may be NULL), as
 * cache_open() picks it; false when none gives one.  Reads no environment:
 * cmd/ passes them in. */
bool cache_default_dir(const char *gonative_cache, const char *xdg_cache_home, const char *home,
		       char *out, size_t len);
void cache_close(struct cache *cache);

/* Blocks until this process holds the cache lock (re-entrant no-op). */
int cache_lock(struct cache *cache, struct gn_error *err);
void cache_unlock(struct cache *cache);

/* Paths into out (CACHE_PATH_MAX bytes). */
void cache_archive_path(const struct cache *cache, const char *sha256_hex, char *out);
void cache_index_path(const struct cache *cache, const char *url, char *out);
/* <root>/tmp/<name>: where a download lands before it is verified. */
void cache_tmp_path(const struct cache *cache, const char *name, char *out);

/* Is the archive present (a regular file of the given size)? */
bool cache_has_archive(const struct cache *cache, const char *sha256_hex, long long size);
/* Drop a cache entry that failed re-verification. */
void cache_evict_archive(const struct cache *cache, const char *sha256_hex);

#endif
