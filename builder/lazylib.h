/*
 * builder/lazylib.h - libcurl and libarchive, loaded on first use.
 *
 * With meson's -Dlazy_libs=true (the default) cmd/gonative is not linked
 * against libcurl or libarchive.  builder/lazy_curl.c and
 * builder/lazy_archive.c define the curl_* and archive_* functions the core
 * calls; the first call dlopen()s the library (and with libcurl, the ~45
 * libraries it needs: TLS, HTTP/2, LDAP, Kerberos, IDN, ...), checks its
 * version and forwards.  A command that neither downloads nor unpacks
 * (--version, env, hash, check, a warm sync) never maps them, which takes
 * most of the dynamic loader's work off its start-up.
 *
 * The C unit tests link the libraries as usual; only the binary is lazy.
 */
#ifndef BUILDER_LAZYLIB_H
#define BUILDER_LAZYLIB_H

#include <stddef.h>

/*
 * Called when a library cannot be loaded (missing, unreadable, a symbol
 * absent, or older than the one gonative was built against).  message says
 * which library and why.  It must not return: the caller that wanted the
 * library has no way to go on (the core has no error path for "libcurl is
 * not there", just as a normally linked binary would not have started).
 * cmd/ sets it to report the error and exit; without a hook, abort().
 */
typedef void (*lazylib_fail_fn)(const char *message);

void lazylib_set_fail(lazylib_fail_fn fn);

/* One function to resolve: its name and where to store its address
 * (a pointer to a function pointer variable). */
struct lazylib_sym {
	const char *name;
	void *slot;
};

/*
 * dlopen(soname) and resolve every symbol into its slot.  On failure,
 * returns -1 with a message in why; the library is then not used.  The
 * handle stays open for the life of the process.
 */
int lazylib_open(const char *soname, const struct lazylib_sym *syms, size_t n_syms, char *why,
		 size_t why_len);

/* Report through the hook (printf-style) and never return. */
void lazylib_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
