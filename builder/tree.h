/*
 * builder/tree.h - git-sha256 tree hash (docs/design.md section 7).
 *
 * A struct tree is an in-memory map path -> (mode, blob id).  Unpacking
 * fills it while it writes, so the GOROOT hash costs no second read; the
 * same code hashes a folder on disk (`gonative hash`, `verify`).
 * The result equals `git write-tree` in a repository made with
 * `git init --object-format=sha256` after `git add --all --force`.
 */
#ifndef TREE_H
#define TREE_H

#include "gn/error.h"
#include "gn/sha256.h"
#include "gn/treeid.h"

#include <stddef.h>
#include <stdint.h>

enum tree_mode {
	TREE_FILE = 0100644,
	TREE_EXEC = 0100755, /* owner-execute bit set */
	TREE_LINK = 0120000, /* blob is the link target */
};

struct tree;

/* New empty tree; free with tree_free().  NULL on OOM. */
struct tree *tree_new(void);
void tree_free(struct tree *tree);

/*
 * Record a file or symlink at path ("a/b/c", no leading or trailing slash,
 * no "", "." or ".." components).  A later put of the same path replaces the
 * earlier one (as a later archive entry overwrites on disk).  A path that
 * would turn a file into a folder or back -> -GN_E_UNSAFE.  0 or -code.
 */
int tree_put(struct tree *tree, const char *path, enum tree_mode mode,
	     const uint8_t blob_id[GN_SHA256_LEN], struct gn_error *err);

/*
 * Record a folder (an archive's folder entry), so that a file at the same
 * path, before or after, is refused with -GN_E_UNSAFE like any file/folder
 * clash.  Folders with nothing in them still do not count in the hash.
 */
int tree_put_dir(struct tree *tree, const char *path, struct gn_error *err);

/* Number of files and symlinks recorded. */
size_t tree_count(const struct tree *tree);

/* Root tree id.  Empty folders do not count; an empty tree hashes as git's
 * empty tree.  0 or -GN_E_NOMEM. */
int tree_root(struct tree *tree, uint8_t out[GN_SHA256_LEN], struct gn_error *err);

/* Starts a blob hash: feeds "blob <size>\0" into a fresh context. */
int tree_blob_begin(struct gn_sha256 *h, uint64_t size);
/* Blob id of a byte string (symlink targets, small files). */
void tree_blob_id(const void *data, size_t len, uint8_t out[GN_SHA256_LEN]);

/* Hash a folder on disk: regular files (exec bit from st_mode & 0100) and
 * symlinks; other file types -> -GN_E_IO naming them.  A nested `.git` is
 * hashed like any folder (gonative never writes one). */
int tree_hash_dir(const char *dir, uint8_t out[GN_SHA256_LEN], struct gn_error *err);

/* "git-sha256:<hex>" */
void tree_format_id(const uint8_t id[GN_SHA256_LEN], char out[GN_TREE_ID_TEXT]);

#endif
