/*
 * builder/lazylib.c - dlopen helpers for builder/lazy_curl.c and
 * builder/lazy_archive.c (see builder/lazylib.h).
 */
#include "builder/lazylib.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lazylib_fail_fn fail_hook;

void
lazylib_set_fail(lazylib_fail_fn fn)
{
	fail_hook = fn;
}

void
lazylib_fail(const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (fail_hook) {
		fail_hook(message);
	}
	abort();
}

int
lazylib_open(const char *soname, const struct lazylib_sym *syms, size_t n_syms, char *why,
	     size_t why_len)
{
	void *lib;

	/* RTLD_LOCAL: the library's symbols stay out of the global scope, so
	 * they cannot interpose on anything else in the process. */
	lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *e = dlerror();

		snprintf(why, why_len, "%s", e ? e : soname);
		return -1;
	}
	for (size_t i = 0; i < n_syms; i++) {
		void *addr;

		dlerror();
		addr = dlsym(lib, syms[i].name);
		if (!addr) {
			snprintf(why, why_len, "%s has no function %s", soname, syms[i].name);
			dlclose(lib);
			return -1;
		}
		/* POSIX guarantees that a data pointer from dlsym() converts to
		 * a function pointer; copy the bytes, as ISO C has no cast. */
		memcpy(syms[i].slot, &addr, sizeof(addr));
	}
	return 0;
}
