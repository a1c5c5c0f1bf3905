/*
 * lockfiles/zigindex.h - Zig's release index
 * (https://ziglang.org/download/index.json): one JSON object keyed by
 * version ("0.11.0", ..., "master"); each version maps "<arch>-<os>" names
 * to {"tarball": URL, "shasum": sha256 hex, "size": "decimal string"} and
 * also holds plain values ("date", "docs", "notes", "version") that are
 * skipped.  A pure parser (also a fuzz target) and a lookup.
 *
 * Strings and arrays are owned by the arena given to zig_index_parse().
 */
#ifndef LOCK_ZIGINDEX_H
#define LOCK_ZIGINDEX_H

#include "gn/arena.h"
#include "gn/error.h"
#include "gn/sha256.h"

#include <stddef.h>
#include <stdint.h>

/* ziglang.org's index is ~300 KB. */
#define ZIG_INDEX_MAX_BYTES (16 * 1024 * 1024)

struct zig_index_artifact {
	const char *key;     /* "x86_64-linux", "src", "bootstrap" */
	const char *tarball; /* URL */
	char sha256[GN_SHA256_HEX]; /* lowercase */
	int64_t size;
	int line, col; /* where the entry starts, for errors */
};

struct zig_index_version {
	const char *version; /* the key: "0.11.0", "master" */
	struct zig_index_artifact *artifacts;
	size_t n_artifacts;
};

struct zig_index {
	struct zig_index_version *versions; /* in file order */
	size_t n_versions;
};

/*
 * Parse the index.  name (URL or path) is used in errors (line:col).  An
 * artifact object needs tarball, shasum and size; size is a decimal string
 * as ziglang.org writes it (a plain JSON integer is taken too); unknown keys
 * inside are ignored.  Values of a version that are not objects are
 * skipped.  A shasum that is not 64 hex digits, a size that is not a
 * non-negative decimal, a tarball that is not an http(s)/file URL, a
 * duplicate version or artifact key -> -GN_E_INDEX.
 */
int zig_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		    struct zig_index *out, struct gn_error *err);

/* Lookups; NULL when absent. */
const struct zig_index_version *zig_index_find(const struct zig_index *index, const char *version);
const struct zig_index_artifact *zig_index_artifact(const struct zig_index_version *v,
						    const char *key);

#endif
