/*
 * builder/tlog.h - the checksum database's transparency log: RFC 6962
 * hashing, tiles, and record (inclusion) and tree (consistency) proofs,
 * as golang.org/x/mod/sumdb/tlog defines them (docs/design.md section 17).
 *
 * Proofs are checked by recomputing signed roots from hashes that a reader
 * callback supplies (from tiles fetched over HTTP): a hash read is never
 * trusted on its own, only the root it leads to, compared with a signed one.
 */
#ifndef TLOG_H
#define TLOG_H

#include "gn/error.h"

#include <stddef.h>
#include <stdint.h>

#define TLOG_HASH_LEN 32
/* The Go client's tile height. */
#define TLOG_TILE_HEIGHT 8

struct tlog_tree {
	int64_t n;
	uint8_t hash[TLOG_HASH_LEN];
};

struct tlog_tile {
	int h;	   /* height */
	int l;	   /* level; -1 is a data tile */
	int64_t n; /* index at that level */
	int w;	   /* width: 1..2^h hashes */
};

/* SHA-256(0x00 || data) and SHA-256(0x01 || left || right). */
void tlog_record_hash(const void *data, size_t len, uint8_t out[TLOG_HASH_LEN]);
void tlog_node_hash(const uint8_t left[TLOG_HASH_LEN], const uint8_t right[TLOG_HASH_LEN],
		    uint8_t out[TLOG_HASH_LEN]);

/* "go.sum database tree\n<N>\n<base64 hash>\n" (more lines allowed).
 * 0, or -GN_E_INTEGRITY. */
int tlog_parse_tree(const char *text, size_t len, struct tlog_tree *out, struct gn_error *err);

/* tile/H/L/NNN[.p/W] (x-prefixed 3-digit groups; "data" for L = -1). */
void tlog_tile_path(const struct tlog_tile *t, char *out, size_t len);

/*
 * The hash of the complete subtree of 2^level leaves starting at leaf
 * index << level, in a tree of tree_n leaves, lives in one tile: *tile
 * (width as far as the tree fills it), entries [*first, *first + *count).
 * Their perfect-tree hash is the subtree's (tlog_hash_entries).
 */
void tlog_tile_for(int height, int64_t tree_n, int level, int64_t index, struct tlog_tile *tile,
		   int *first, int *count);
/* Root of a perfect tree over count (a power of two) consecutive hashes. */
void tlog_hash_entries(const uint8_t *entries, int count, uint8_t out[TLOG_HASH_LEN]);

/* Supplies the hash of the complete subtree (level, index): 0 or -code. */
typedef int (*tlog_read_fn)(void *user, int level, int64_t index, uint8_t out[TLOG_HASH_LEN],
			    struct gn_error *err);

/* Root hash of the first n leaves. */
int tlog_tree_hash(int64_t n, tlog_read_fn read, void *user, uint8_t out[TLOG_HASH_LEN],
		   struct gn_error *err);

/* Record id with leaf hash `leaf` is in tree: -GN_E_INTEGRITY when not. */
int tlog_check_record(const struct tlog_tree *tree, int64_t id, const uint8_t leaf[TLOG_HASH_LEN],
		      tlog_read_fn read, void *user, struct gn_error *err);

/* The tree `older` is a prefix of `newer` (older->n <= newer->n), reading
 * hashes of newer: -GN_E_INTEGRITY when not. */
int tlog_check_tree(const struct tlog_tree *older, const struct tlog_tree *newer, tlog_read_fn read,
		    void *user, struct gn_error *err);

#endif
