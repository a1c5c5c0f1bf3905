/*
 * lockfiles/index.h - the release index, shaped like
 * https://go.dev/dl/?mode=json&include=all (docs/design.md, section 4).
 *
 * Strings and arrays are owned by the arena given to lock_index_parse().
 */
#ifndef LOCK_INDEX_H
#define LOCK_INDEX_H

#include "gn/arena.h"
#include "gn/buf.h"
#include "gn/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest index accepted (go.dev's full index is ~2 MB). */
#define LOCK_INDEX_MAX_BYTES (64 * 1024 * 1024)
/* Deepest nesting of arrays and objects accepted (go.dev's is 4). */
#define LOCK_INDEX_MAX_DEPTH 64
/* Longest file name accepted (go.dev's are under 64 bytes). */
#define LOCK_INDEX_MAX_NAME 255

struct lock_index_file {
	const char *filename;
	const char *os;      /* "" for source */
	const char *arch;    /* index spelling: "armv6l" */
	const char *version; /* "go1.21.5" */
	const char *sha256;  /* lowercase hex, or "" when the index has none */
	int64_t size;        /* 0 when unknown */
	const char *kind;    /* "archive", "installer", "source" */
};

struct lock_index_release {
	const char *version; /* "go1.21.5" */
	bool stable;
	struct lock_index_file *files;
	size_t n_files;
};

struct lock_index {
	struct lock_index_release *releases; /* in file order (go.dev: newest first) */
	size_t n_releases;
};

/*
 * Parse the JSON index.  name (the URL or path) is used in errors, which
 * carry line:col.  Unknown fields are ignored (go.dev may add some); wrong
 * types, a sha256 that is neither "" nor 64 hex digits, a negative size,
 * the same filename twice, or nesting deeper than LOCK_INDEX_MAX_DEPTH
 * -> -GN_E_INDEX.
 *
 * File names become cache paths and mirror URLs, so each must be a plain
 * name ([A-Za-z0-9._-], not starting with '.'), and an entry the resolver
 * can pick (kind archive or installer for a Go port, or source) must be
 * named as go.dev names it: go<v>.src.tar.gz, go<v>.<os>-<arch>.tar.gz|zip,
 * go<v>.<os>-<arch>.pkg|msi (darwin before Go 1.5: -osx10.N after the
 * arch), its version that of its release.  Otherwise -GN_E_INDEX naming
 * the entry.
 */
int lock_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		     struct lock_index *out, struct gn_error *err);

/*
 * Write an index in go.dev's exact shape (one-space indent, trailing
 * newline), e.g. for `gonative mirror`.  Appends to out.
 */
void lock_index_write(const struct lock_index *index, struct gn_buf *out);

#endif
