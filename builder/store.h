/*
 * builder/store.h - finished GOROOTs kept in the cache, by tree id:
 *
 *   <cache>/trees/<hex>/        the tree
 *   <cache>/trees/<hex>.state   its stat record (builder/statrec.h)
 *
 * A tree enters the store only after its hash matched the lock.  A new
 * install folder is filled from it without reading an archive.  By default
 * every file is copied (reflink where the file system can: btrfs, xfs) and
 * hashed on the way, and the caller compares the root with the lock: a
 * store entry changed behind our back is never installed.  With
 * GONATIVE_LINK_MODE=hardlink the install shares the store's inodes and
 * the store is trusted on its stat record alone (like a warm sync): faster,
 * weaker.  Callers hold the cache lock.
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
bool store_lookup(const struct cache *cache, const char *tree_id, char out[GN_PATH_MAX]);

/* Remove the entry for tree_id (it failed a check). */
void store_drop(const struct cache *cache, const char *tree_id);

/* Add src (a verified tree) under tree_id, cloned with method.  0 or
 * -code; on failure the store is left without the entry. */
int store_put(const struct cache *cache, const char *tree_id, const char *src,
	      enum store_method method, struct gn_error *err);

/* Fill the empty folder dst with src's tree (modes, mtimes, symlinks kept)
 * starting with method (STORE_REFLINK falls back to copy, STORE_HARDLINK to
 * copy where links can't be made).  When tree is given, every file and
 * symlink is hashed as it is copied and recorded there, so the caller can
 * check the root; hard links are not hashed (tree must be NULL then).
 * *used says how it was done.  events: its cancelled hook is polled per
 * entry (-GN_E_INTERRUPTED, dst partly filled); may be NULL. */
struct tree;
int store_clone(const char *src, const char *dst, enum store_method method, struct tree *tree,
		enum store_method *used, const struct gn_events *events, struct gn_error *err);

const char *store_method_name(enum store_method method);

#endif
