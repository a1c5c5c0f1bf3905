/*
 * gn/error.h - the one error table and the error context.
 *
 * Every fallible function in the core returns 0 on success or a negative
 * gn_code (-GN_E_...), and fills a caller-owned struct gn_error with the
 * detail.  Nothing in the core prints; cmd/ formats the context once.
 */
#ifndef GN_ERROR_H
#define GN_ERROR_H

#include <stddef.h>

/*
 * X(name, exit status, what it means for a user): the exit statuses, the one
 * list `gonative --help` and gonative(1) show (docs/design.md, section 2).
 */
#define GN_EXITS(X)                                                                    \
	X(GN_EXIT_OK, 0, "success")                                                    \
	X(GN_EXIT_DRIFT, 1, "drift found (check, verify, sync --frozen)")             \
	X(GN_EXIT_INVALID, 2, "usage error or invalid manifest/lock")                  \
	X(GN_EXIT_FETCH, 3, "download failed on every mirror")                         \
	X(GN_EXIT_INTEGRITY, 4, "integrity failure")                                   \
	X(GN_EXIT_LOCAL, 5, "local I/O or install failure")

enum gn_exit {
#define GN_EXIT_ENUM(name, status, meaning) name = status,
	GN_EXITS(GN_EXIT_ENUM)
#undef GN_EXIT_ENUM
};

/* X(name, exit status, message).  GN_E_INTERRUPTED is 128 + the signal:
 * cmd/ knows which one (130 is SIGINT's). */
#define GN_ERRORS(X)                                                                   \
	X(GN_OK, GN_EXIT_OK, "success")                                                \
	X(GN_E_DRIFT, GN_EXIT_DRIFT, "drift found")                                    \
	X(GN_E_USAGE, GN_EXIT_INVALID, "usage error")                                  \
	X(GN_E_MANIFEST, GN_EXIT_INVALID, "invalid manifest")                          \
	X(GN_E_LOCK, GN_EXIT_INVALID, "invalid lockfile")                              \
	X(GN_E_INDEX, GN_EXIT_INVALID, "invalid release index")                        \
	X(GN_E_RESOLVE, GN_EXIT_INVALID, "no release matches the manifest")            \
	X(GN_E_FETCH, GN_EXIT_FETCH, "download failed on every mirror")                \
	X(GN_E_OFFLINE, GN_EXIT_FETCH, "not available offline")                        \
	X(GN_E_INTEGRITY, GN_EXIT_INTEGRITY, "integrity check failed")                 \
	X(GN_E_SIGNATURE, GN_EXIT_INTEGRITY, "signature verification failed")          \
	X(GN_E_UNSAFE, GN_EXIT_INTEGRITY, "unsafe archive entry")                      \
	X(GN_E_IO, GN_EXIT_LOCAL, "local I/O error")                                   \
	X(GN_E_INSTALL, GN_EXIT_LOCAL, "install failed")                               \
	X(GN_E_NOMEM, GN_EXIT_LOCAL, "out of memory")                                  \
	X(GN_E_INTERRUPTED, 130, "interrupted")

enum gn_code {
#define GN_ERROR_ENUM(name, exit_code, message) name,
	GN_ERRORS(GN_ERROR_ENUM)
#undef GN_ERROR_ENUM
	GN_CODE_COUNT
};

#define GN_ERR_TEXT 1024
#define GN_ERR_VALUE 256

/*
 * The detail of one failure.  All fields are inline so the context can live
 * on the caller's stack and outlive whatever failed.  Empty string or 0 means
 * "not known".
 */
struct gn_error {
	enum gn_code code;
	char file[GN_ERR_TEXT]; /* file the problem is in (manifest, lock, archive) */
	int line;               /* 1-based, 0 = none */
	int col;                /* 1-based, 0 = none */
	char url[GN_ERR_TEXT];  /* URL being fetched */
	char message[GN_ERR_TEXT];
	char expected[GN_ERR_VALUE];
	char got[GN_ERR_VALUE];
};

/* Reset to GN_OK with every field empty. */
void gn_error_clear(struct gn_error *err);

/* Set code and printf-style message; returns -code so callers can
 * `return gn_error_set(...)`.  err may be NULL.  Every field of an earlier
 * error is cleared first (file, line, URL, expected, got), so attach the
 * details with the calls below *after* this one.  The arguments may point
 * into err (they are formatted before it is cleared). */
int gn_error_set(struct gn_error *err, enum gn_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with a file position. */
int gn_error_at(struct gn_error *err, enum gn_code code, const char *file, int line, int col,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The one out-of-memory error: GN_E_NOMEM "out of memory"; returns
 * -GN_E_NOMEM so callers can `return gn_error_nomem(err);`.  err may be NULL. */
int gn_error_nomem(struct gn_error *err);

/* Attach details to an error already set (call after gn_error_set/at). */
void gn_error_url(struct gn_error *err, const char *url);
void gn_error_file(struct gn_error *err, const char *file);
void gn_error_values(struct gn_error *err, const char *expected, const char *got);

/* Table lookups; never NULL. */
const char *gn_code_name(enum gn_code code);
const char *gn_code_message(enum gn_code code);
int gn_code_exit(enum gn_code code);

/* Map a return value (0 or -code) to a code. */
enum gn_code gn_code_of(int rc);

/*
 * Render the error for a user into buf (always NUL-terminated):
 *   "file:line:col: message", or "message", then "\n  url: URL",
 *   "\n  expected: X\n  got:      Y" as present.
 */
void gn_error_format(const struct gn_error *err, char *buf, size_t len);

#endif
