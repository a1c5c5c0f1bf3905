/*
 * builder/store.h - finished GOROOTs kept in the cache, by tree id:
 *
 *   <cache>/trees/<hex>/        the tree
 *   <cache>/trees/<hex>.state   its stat record (builder/statrec.h)
 *
 * A tree enters the store only after its hash matched the lock.  A new
 * install folder is then filled from it without reading an archive: by
 * reflink where the file system can (btrfs, xfs), else by hard link
 * (ext4, tmpfs: the install shares the store's inodes), else by copy.
 * A store entry whose stat record no longer matches is thrown away.
 * Callers hold the cache lock.
 */
#ifndef STORE_H
#define STORE_H

#include "builder/cache.h"
#include "gn/error.h"

#include <stdbool.h>

enum store_method {
	STORE_REFLINK,
	STORE_HARDLINK,
	STORE_COPY,
};

/* Path of an intact entry for tree_id into out; false when there is none
 * (a damaged entry is removed). */
bool store_lookup(const struct cache *cache, const char *tree_id, char out[CACHE_PATH_MAX]);

/* Add src (a verified tree) under tree_id.  0 or -code; on failure the
 * store is left without the entry. */
int store_put(const struct cache *cache, const char *tree_id, const char *src,
	      struct gn_error *err);

/* Fill the empty folder dst with src's tree (modes, mtimes, symlinks kept);
 * *used says how. */
int store_clone(const char *src, const char *dst, enum store_method *used,
		struct gn_error *err);

const char *store_method_name(enum store_method method);

#endif
