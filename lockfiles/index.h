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
 * types, a sha256 that is neither "" nor 64 hex digits, a negative size, or
 * the same filename twice -> -GN_E_INDEX.
 */
int lock_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		     struct lock_index *out, struct gn_error *err);

/*
 * Write an index in go.dev's exact shape (one-space indent, trailing
 * newline), e.g. for `gonative mirror`.  Appends to out.
 */
void lock_index_write(const struct lock_index *index, struct gn_buf *out);

#endif
