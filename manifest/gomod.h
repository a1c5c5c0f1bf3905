/*
 * manifest/gomod.h - `go: go.mod`: take the Go version from a go.mod or
 * go.work file, with the go command's own semantics (docs/design.md,
 * section 3):
 *
 *   toolchain go1.21.5   -> exactly go1.21.5 (wins over the go line)
 *   go 1.21.5, go 1.22rc1 -> exactly that release
 *   go 1.22 (>= 1.21)    -> go1.22.0: since Go 1.21 the go line names a
 *                           release, and "1.22" is its first one
 *   go 1.19 (< 1.21)     -> the language version 1.19: the newest 1.19.x
 *
 * Only the `go` and `toolchain` directives are read; everything else in the
 * file is skipped as the go command's own parser would accept it (comments,
 * blocks, other directives).  Pure: no I/O.
 */
#ifndef MANIFEST_GOMOD_H
#define MANIFEST_GOMOD_H

#include "gn/error.h"
#include "gn/goversion.h"

#include <stdbool.h>
#include <stddef.h>

/* Largest go.mod / go.work read; larger files are refused (exit 2). */
#define GOMOD_MAX_BYTES (4 * 1024 * 1024)

struct gomod_version {
	struct gn_goversion version;
	bool exact;         /* false: newest patch of version's line */
	int line;           /* 1-based line of the directive used */
	char directive[16]; /* "toolchain" or "go" */
	char text[64];      /* the directive's argument as written */
};

/* Is the manifest's go: value a path to a go.mod or go.work file? */
bool gomod_is_path(const char *go_value);

/*
 * Read the version from go.mod/go.work text.  name is used in errors
 * ("go.mod:3:4").  A file with neither directive, a repeated directive or a
 * malformed version is -GN_E_MANIFEST with err->file/line/col set.
 */
int gomod_parse(const char *name, const char *data, size_t len, struct gomod_version *out,
		struct gn_error *err);

#endif
