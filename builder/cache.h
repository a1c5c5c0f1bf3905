/*
 * builder/cache.h - the download cache.
 *
 *   <root>/archives/<sha256 hex>   verified archives, content-addressed
 *   <root>/index/<sha256(url)>     last good copy of each release index
 *   <root>/tmp/                    downloads in progress (never read as cache)
 *   <root>/trees/                  finished GOROOTs (builder/store.h)
 *   <root>/lock                    flock: one process fetches at a time
 *
 * A file enters archives/ only after fetch verified its size, sha256 and
 * (when required) signature.
 *
 * Nothing inside the cache is followed when it is a symbolic link.  The
 * root path the user gave is resolved once (it may itself be reached
 * through a link the user made, e.g. ~/.cache -> /data/cache); from then on
 * the cache holds an O_DIRECTORY | O_NOFOLLOW descriptor of its root and of
 * each subfolder, and every open, rename, unlink and mkdir in it is an *at()
 * call relative to those, with O_NOFOLLOW (openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS where the kernel has it).  A link found where a cache
 * file or subfolder belongs is removed (the link, never its target) and
 * replaced; a link read as a cache file is refused.  Folders the cache
 * creates get mode 0700, and a root owned by another user and writable by
 * group or others is refused (as ssh refuses such key files); see
 * docs/design.md, section 9.
 */
#ifndef CACHE_H
#define CACHE_H

#include "gn/error.h"
#include "gn/events.h"
#include "gn/fs.h"
#include "gn/sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Bytes cache_open() keeps free below GN_PATH_MAX for the paths under the
 * root: "/archives/", "/trees/" and such plus one NAME_MAX component. */
#define CACHE_NAME_ROOM 320

enum cache_dir {
	CACHE_ROOT,
	CACHE_ARCHIVES,
	CACHE_INDEX,
	CACHE_TMP,
	CACHE_TREES,
	CACHE_N_DIRS,
};

struct cache {
	char root[GN_PATH_MAX]; /* resolved; "" until cache_open succeeds */
	int dir_fd[CACHE_N_DIRS];  /* valid while root[0] */
	int lock_fd;		   /* -1 when not held */
	int lock_depth;		   /* cache_lock calls not yet matched by cache_unlock */
	/* Its cancelled hook ends a wait for a busy lock (GN_E_INTERRUPTED).
	 * Set by the caller after cache_open(); may stay NULL. */
	const struct gn_events *events;
};

/*
 * Where the cache lives: dir when given, else $GONATIVE_CACHE, else
 * $XDG_CACHE_HOME/gonative, else $HOME/.cache/gonative.  Creates the
 * folders (0700), replacing links found in place of a subfolder, and
 * refuses a root that another user owns and others may write (GN_E_IO).
 * Pair with cache_close() (a no-op on a cache that never opened).
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
 * (project_lock_cache(), builder/project_private.h); what needs it calls
 * cache_assert_locked().
 */
int cache_lock(struct cache *cache, struct gn_error *err);
void cache_unlock(struct cache *cache);
/* Is the lock held (by this process, through cache)? */
bool cache_locked(const struct cache *cache);
/* Asserts that the lock is held: a caller that forgot it is a bug, not input. */
void cache_assert_locked(const struct cache *cache);

/* Paths into out (GN_PATH_MAX bytes), for messages and for readers that
 * take paths; the cache's own writes go through the *at calls below. */
void cache_archive_path(const struct cache *cache, const char *sha256_hex, char *out);
void cache_index_path(const struct cache *cache, const char *url, char *out);
/* <root>/tmp/<name>: where a download lands before it is verified.  name is
 * one path component (at most NAME_MAX bytes): cache_open() refuses a root
 * that leaves less than CACHE_NAME_ROOM, so these never cut a path. */
void cache_tmp_path(const struct cache *cache, const char *name, char *out);

/* The O_NOFOLLOW descriptor of one of the cache's folders (owned by the
 * cache: do not close). */
int cache_dir_fd(const struct cache *cache, enum cache_dir dir);

/*
 * A path made by the cache_*_path functions (or "<subfolder>/<name>" below
 * the root): the descriptor of its folder and its file name (a pointer into
 * path).  false for anything else (a path outside the cache, or deeper).
 */
bool cache_locate(const struct cache *cache, const char *path, int *dir_fd, const char **name);

/*
 * open(2) of a cache path (see cache_locate), never following a link: with
 * O_CREAT, a link in the way is removed and the file created in its place.
 * Returns the fd, or -1 with errno (EXDEV: not a cache path).
 */
int cache_open_file(const struct cache *cache, const char *path, int flags, mode_t mode);
/* rename(2), unlink(2) of cache paths, relative to the folders' fds. */
int cache_rename(const struct cache *cache, const char *from, const char *to);
int cache_unlink(const struct cache *cache, const char *path);
/* Is path a regular file (not a link)?  Anything else there is removed
 * when evict is set. */
bool cache_is_file(const struct cache *cache, const char *path, bool evict);
/* gn_read_file of a cache path, refusing links. */
int cache_read_file(const struct cache *cache, const char *path, size_t max_len, char **data,
		    size_t *len, struct gn_error *err);

/* Is the archive present (a regular file, not a link, of the given size)? */
bool cache_has_archive(const struct cache *cache, const char *sha256_hex, long long size);
/* Drop a cache entry that failed re-verification (cache lock held). */
void cache_evict_archive(const struct cache *cache, const char *sha256_hex);

#endif
