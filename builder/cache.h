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
#include "gn/events.h"
#include "gn/sha256.h"

#include <stdbool.h>

#define CACHE_PATH_MAX 4096

struct cache {
	char root[CACHE_PATH_MAX];
	int lock_fd;    /* -1 when not held */
	int lock_depth; /* cache_lock calls not yet matched by cache_unlock */
	/* Its cancelled hook ends a wait for a busy lock (GN_E_INTERRUPTED).
	 * Set by the caller after cache_open(); may stay NULL. */
	const struct gn_events *events;
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

/*
 * The cache lock is counted: the first cache_lock blocks until this process
 * holds the flock, later ones only count; the flock is released by the
 * cache_unlock that matches the first call (cache_close releases it
 * whatever the count).  Take it once per public operation
 * (builder/project.c); what needs it calls cache_assert_locked().
 */
int cache_lock(struct cache *cache, struct gn_error *err);
void cache_unlock(struct cache *cache);
/* Is the lock held (by this process, through cache)? */
bool cache_locked(const struct cache *cache);
/* Aborts when the lock is not held: a caller forgot it (a bug, not input). */
void cache_assert_locked(const struct cache *cache);

/* Paths into out (CACHE_PATH_MAX bytes). */
void cache_archive_path(const struct cache *cache, const char *sha256_hex, char *out);
void cache_index_path(const struct cache *cache, const char *url, char *out);
/* <root>/tmp/<name>: where a download lands before it is verified. */
void cache_tmp_path(const struct cache *cache, const char *name, char *out);

/* Is the archive present (a regular file of the given size)? */
bool cache_has_archive(const struct cache *cache, const char *sha256_hex, long long size);
/* Drop a cache entry that failed re-verification (cache lock held). */
void cache_evict_archive(const struct cache *cache, const char *sha256_hex);

#endif
