/*
 * gn/fs.h - small file-system helpers shared by the core.
 * All report through struct gn_error with GN_E_IO and the path at fault.
 */
#ifndef GN_FS_H
#define GN_FS_H

#include "gn/error.h"
#include "gn/events.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The one size of a fixed path buffer (cache, install, project paths).  A
 * path that does not fit is an error ("path too long"), never cut. */
#define GN_PATH_MAX 4096

/* mkdir -p; existing directories are fine. */
int gn_mkdir_p(const char *path, mode_t mode, struct gn_error *err);
/* rm -rf; a missing path is fine.  Never follows symlinks. */
int gn_rm_rf(const char *path, struct gn_error *err);
/*
 * open(2) a file the user names (manifest, lock, key) for reading, refusing
 * anything but a regular file at once: a FIFO would block forever and a
 * device such as /dev/zero never ends.  Opened with O_NONBLOCK, checked
 * with fstat, then switched back to blocking.  Returns the fd (caller
 * closes), or -GN_E_USAGE (exit 2) naming the path and what it is, or
 * -GN_E_IO when it can't be opened (errno kept for the caller).
 */
int gn_open_regular(const char *path, struct gn_error *err);
/* Whole file into *data (malloc'd, NUL-terminated, caller frees), at most
 * max_len bytes (larger files fail with GN_E_IO naming the limit).  Only regular files:
 * anything else fails at once as gn_open_regular() says. */
int gn_read_file(const char *path, size_t max_len, char **data, size_t *len, struct gn_error *err);
/* The same for rel below the folder dir, no link followed on the way
 * (gn_openat_beneath); shown names the file in messages. */
int gn_read_file_at(int dir, const char *rel, const char *shown, size_t max_len, char **data,
		    size_t *len, struct gn_error *err);
/*
 * Open rel (relative, no "..") below the folder dir without following a
 * symbolic link anywhere on the way, the last component included: openat2
 * with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else
 * one O_NOFOLLOW openat per component.  O_CLOEXEC is added.  Returns the fd,
 * or -1 with errno (ELOOP: a link was in the way; EXDEV: rel is absolute or
 * leaves dir, or dir is AT_FDCWD).
 */
int gn_openat_beneath(int dir, const char *rel, int flags, mode_t mode);
/* Its fallback, one O_NOFOLLOW openat per component (exported so the tests
 * run it on kernels that have openat2 too). */
int gn_openat_beneath_walk(int dir, const char *rel, int flags, mode_t mode);
/* gn_openat_beneath for one file name; with O_CREAT, a symbolic link found
 * under that name is removed (the link, never its target) and the file
 * created in its place; so is, when opened for writing, a hard link to
 * another name or anything but a regular file.  dir may be AT_FDCWD: then
 * name may be a path, and only its last component is not followed. */
int gn_openat_replace(int dir, const char *name, int flags, mode_t mode);
/* Write data to path atomically: temp file in the same folder, fsync,
 * rename, fsync of the folder. */
int gn_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct gn_error *err);
/* Copy a regular file to path atomically (temp + fsync + rename). */
int gn_copy_file(const char *from, const char *to, mode_t mode, struct gn_error *err);
/* fsync a directory by path (after renames into it). */
int gn_fsync_dir(const char *path, struct gn_error *err);
bool gn_path_exists(const char *path);
bool gn_is_dir(const char *path);
/* Folder part of path into out ("." when none); false when it does not
 * fit (never when out is as large as path's buffer). */
bool gn_dirname(const char *path, char *out, size_t len);
/* The same, malloc'd (the caller frees it): no length limit.  NULL when
 * out of memory. */
char *gn_dirname_dup(const char *path);
/* Last component of path (pointer into path). */
const char *gn_basename(const char *path);
/* a + "/" + b into out; false when it does not fit. b absolute -> b. */
bool gn_path_join(char *out, size_t len, const char *a, const char *b);
/* Take an exclusive flock on fd, waiting while another process holds it.
 * A signal (no SA_RESTART) cuts the wait short with EINTR; when events
 * say cancelled that ends it with GN_E_INTERRUPTED, else it waits on.
 * path names the lock in messages.  fd stays open either way. */
int gn_flock_wait(int fd, const char *path, const struct gn_events *events,
		  struct gn_error *err);
/* printf into out; false when the result does not fit (out then holds a
 * cut copy that must not be used as a path).  Check it: a path is never
 * cut silently. */
bool gn_path_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats a message into a fixed buffer, cut to fit on purpose: for text
 * that is only shown (a note, a label), where a cut end is harmless.  Never
 * for a path, a URL or anything that is parsed again. */
void gn_text(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
