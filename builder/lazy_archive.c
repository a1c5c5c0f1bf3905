/*
 * builder/lazy_archive.c - the libarchive functions gonative calls, each
 * forwarding to libarchive.so.13, which is dlopen()ed on the first call
 * (see builder/lazylib.h).  Linked into cmd/gonative only, with
 * -Dlazy_libs=true.
 *
 * A function the core starts calling must be added here, or the binary
 * does not link.
 */
#include "builder/lazylib.h"

#include <archive.h>
#include <archive_entry.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

/* libarchive's SONAME since 2.x (2010). */
#define ARCHIVE_SONAME "libarchive.so.13"

typedef struct archive archive_t;
typedef struct archive_entry entry_t;

/* R: functions returning a value; V: returning void.  (type, name, params, args) */
#define LAZY_ARCHIVE(R, V)                                                                 \
	R(archive_t *, archive_read_new, (void), ())                                       \
	R(int, archive_read_free, (archive_t * a), (a))                                    \
	R(int, archive_read_close, (archive_t * a), (a))                                   \
	R(int, archive_read_support_filter_gzip, (archive_t * a), (a))                     \
	R(int, archive_read_support_filter_xz, (archive_t * a), (a))                       \
	R(int, archive_read_support_filter_all, (archive_t * a), (a))                      \
	R(int, archive_read_support_format_tar, (archive_t * a), (a))                      \
	R(int, archive_read_support_format_zip, (archive_t * a), (a))                      \
	R(int, archive_read_support_format_zip_seekable, (archive_t * a), (a))             \
	R(int, archive_read_support_format_all, (archive_t * a), (a))                      \
	R(int, archive_read_set_callback_data, (archive_t * a, void *data), (a, data))     \
	R(int, archive_read_set_read_callback, (archive_t * a, archive_read_callback * cb), \
	  (a, cb))                                                                         \
	R(int, archive_read_set_seek_callback, (archive_t * a, archive_seek_callback * cb), \
	  (a, cb))                                                                         \
	R(int, archive_read_open1, (archive_t * a), (a))                                   \
	R(int, archive_read_open_filename, (archive_t * a, const char *path, size_t block), \
	  (a, path, block))                                                                \
	R(int, archive_read_open_memory, (archive_t * a, const void *buf, size_t size),    \
	  (a, buf, size))                                                                  \
	R(int, archive_read_next_header, (archive_t * a, entry_t * *entry), (a, entry))    \
	R(la_ssize_t, archive_read_data, (archive_t * a, void *buf, size_t size),          \
	  (a, buf, size))                                                                  \
	R(int, archive_read_data_block,                                                    \
	  (archive_t * a, const void **buf, size_t *size, la_int64_t *offset),             \
	  (a, buf, size, offset))                                                          \
	R(archive_t *, archive_write_new, (void), ())                                      \
	R(archive_t *, archive_write_disk_new, (void), ())                                 \
	R(int, archive_write_disk_set_options, (archive_t * a, int flags), (a, flags))     \
	R(int, archive_write_set_format_pax_restricted, (archive_t * a), (a))              \
	R(int, archive_write_set_format_zip, (archive_t * a), (a))                         \
	R(int, archive_write_add_filter_gzip, (archive_t * a), (a))                        \
	R(int, archive_write_open_filename, (archive_t * a, const char *path), (a, path))  \
	R(int, archive_write_open_fd, (archive_t * a, int fd), (a, fd))                    \
	R(int, archive_write_open_memory,                                                  \
	  (archive_t * a, void *buf, size_t size, size_t *used), (a, buf, size, used))     \
	R(int, archive_write_header, (archive_t * a, entry_t * entry), (a, entry))         \
	R(la_ssize_t, archive_write_data, (archive_t * a, const void *buf, size_t size),   \
	  (a, buf, size))                                                                  \
	R(la_ssize_t, archive_write_data_block,                                            \
	  (archive_t * a, const void *buf, size_t size, la_int64_t offset),                \
	  (a, buf, size, offset))                                                          \
	R(int, archive_write_finish_entry, (archive_t * a), (a))                           \
	R(int, archive_write_close, (archive_t * a), (a))                                  \
	R(int, archive_write_free, (archive_t * a), (a))                                   \
	R(int, archive_errno, (archive_t * a), (a))                                        \
	R(const char *, archive_error_string, (archive_t * a), (a))                        \
	V(archive_clear_error, (archive_t * a), (a))                                       \
	R(int, archive_format, (archive_t * a), (a))                                       \
	R(entry_t *, archive_entry_new, (void), ())                                        \
	V(archive_entry_free, (entry_t * e), (e))                                          \
	R(entry_t *, archive_entry_clear, (entry_t * e), (e))                              \
	R(const char *, archive_entry_pathname, (entry_t * e), (e))                        \
	R(const char *, archive_entry_hardlink, (entry_t * e), (e))                        \
	R(const char *, archive_entry_symlink, (entry_t * e), (e))                         \
	R(__LA_MODE_T, archive_entry_filetype, (entry_t * e), (e))                         \
	R(__LA_MODE_T, archive_entry_perm, (entry_t * e), (e))                             \
	R(__LA_MODE_T, archive_entry_mode, (entry_t * e), (e))                             \
	R(time_t, archive_entry_mtime, (entry_t * e), (e))                                 \
	R(la_int64_t, archive_entry_size, (entry_t * e), (e))                              \
	R(int, archive_entry_size_is_set, (entry_t * e), (e))                              \
	V(archive_entry_set_pathname, (entry_t * e, const char *path), (e, path))          \
	V(archive_entry_set_symlink, (entry_t * e, const char *target), (e, target))       \
	V(archive_entry_set_filetype, (entry_t * e, unsigned int type), (e, type))         \
	V(archive_entry_set_perm, (entry_t * e, __LA_MODE_T perm), (e, perm))              \
	V(archive_entry_set_mode, (entry_t * e, __LA_MODE_T mode), (e, mode))              \
	V(archive_entry_set_mtime, (entry_t * e, time_t sec, long nsec), (e, sec, nsec))   \
	V(archive_entry_set_size, (entry_t * e, la_int64_t size), (e, size))               \
	V(archive_entry_set_uid, (entry_t * e, la_int64_t uid), (e, uid))                  \
	V(archive_entry_set_gid, (entry_t * e, la_int64_t gid), (e, gid))

#define LAZY_ARCHIVE_SPECIAL(X)                                                            \
	X(archive_version_number)                                                          \
	X(archive_set_error)

#define POINTER_R(type, name, params, args) static __typeof__(name) *p_##name;
#define POINTER_V(name, params, args) static __typeof__(name) *p_##name;
#define POINTER_X(name) static __typeof__(name) *p_##name;
LAZY_ARCHIVE(POINTER_R, POINTER_V)
LAZY_ARCHIVE_SPECIAL(POINTER_X)

#define SYM_R(type, name, params, args) { #name, &p_##name },
#define SYM_V(name, params, args) { #name, &p_##name },
#define SYM_X(name) { #name, &p_##name },
static const struct lazylib_sym archive_syms[] = { LAZY_ARCHIVE(SYM_R, SYM_V)
							   LAZY_ARCHIVE_SPECIAL(SYM_X) };

static pthread_once_t archive_once = PTHREAD_ONCE_INIT;

static void
archive_load(void)
{
	char why[512];
	int version;

	if (lazylib_open(ARCHIVE_SONAME, archive_syms,
			 sizeof(archive_syms) / sizeof(archive_syms[0]), why, sizeof(why)) != 0) {
		lazylib_fail("cannot load %s, which gonative needs to unpack archives: %s",
			     ARCHIVE_SONAME, why);
	}
	/* major * 1000000 + minor * 1000 + patch: major and minor must be at
	 * least the headers'. */
	version = p_archive_version_number();
	if (version / 1000 < ARCHIVE_VERSION_NUMBER / 1000) {
		lazylib_fail("%s is libarchive %d; gonative was built against %d and needs at "
			     "least that",
			     ARCHIVE_SONAME, version, ARCHIVE_VERSION_NUMBER);
	}
}

static void
need_archive(void)
{
	pthread_once(&archive_once, archive_load);
}

#define FORWARD_R(type, name, params, args)                                                \
	type name params                                                                   \
	{                                                                                  \
		need_archive();                                                            \
		return p_##name args;                                                      \
	}
#define FORWARD_V(name, params, args)                                                      \
	void name params                                                                   \
	{                                                                                  \
		need_archive();                                                            \
		p_##name args;                                                             \
	}
LAZY_ARCHIVE(FORWARD_R, FORWARD_V)

int
archive_version_number(void)
{
	need_archive();
	return p_archive_version_number();
}

/* Variadic: format here, hand libarchive the finished text. */
void
archive_set_error(archive_t *a, int err, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	need_archive();
	if (!fmt) {
		/* NULL clears the message. */
		p_archive_set_error(a, err, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	p_archive_set_error(a, err, "%s", text);
}
