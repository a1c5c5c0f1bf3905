/*
 * builder/lazy_curl.c - the libcurl functions gonative calls, each
 * forwarding to libcurl.so.4, which is dlopen()ed on the first call
 * (see builder/lazylib.h).  Linked into cmd/gonative only, with
 * -Dlazy_libs=true.
 *
 * A function the core starts calling must be added here, or the binary
 * does not link.
 */
#define CURL_DISABLE_TYPECHECK 1

#include "builder/lazylib.h"

#include <curl/curl.h>

#include <pthread.h>
#include <stdarg.h>

/* libcurl's SONAME has been libcurl.so.4 since 2006. */
#define CURL_SONAME "libcurl.so.4"

/* R: functions returning a value; V: returning void.  (type, name, params, args) */
#define LAZY_CURL(R, V)                                                                    \
	R(CURL *, curl_easy_init, (void), ())                                              \
	V(curl_easy_cleanup, (CURL * h), (h))                                              \
	R(CURLcode, curl_easy_perform, (CURL * h), (h))                                    \
	R(CURL *, curl_easy_duphandle, (CURL * h), (h))                                    \
	V(curl_easy_reset, (CURL * h), (h))                                                \
	R(const char *, curl_easy_strerror, (CURLcode c), (c))                             \
	R(CURLHcode, curl_easy_header,                                                     \
	  (CURL * h, const char *name, size_t index, unsigned int origin, int request,     \
	   struct curl_header **out),                                                      \
	  (h, name, index, origin, request, out))                                          \
	R(char *, curl_easy_escape, (CURL * h, const char *s, int len), (h, s, len))       \
	R(char *, curl_easy_unescape, (CURL * h, const char *s, int len, int *out_len),    \
	  (h, s, len, out_len))                                                            \
	V(curl_free, (void *p), (p))                                                       \
	R(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *s), \
	  (list, s))                                                                       \
	V(curl_slist_free_all, (struct curl_slist * list), (list))                         \
	R(CURLM *, curl_multi_init, (void), ())                                            \
	R(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))                                 \
	R(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL * h), (m, h))                 \
	R(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL * h), (m, h))              \
	R(CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))          \
	R(CURLMcode, curl_multi_poll,                                                      \
	  (CURLM * m, struct curl_waitfd extra[], unsigned int n_extra, int timeout_ms,    \
	   int *n_fds),                                                                    \
	  (m, extra, n_extra, timeout_ms, n_fds))                                          \
	R(CURLMcode, curl_multi_wait,                                                      \
	  (CURLM * m, struct curl_waitfd extra[], unsigned int n_extra, int timeout_ms,    \
	   int *n_fds),                                                                    \
	  (m, extra, n_extra, timeout_ms, n_fds))                                          \
	R(CURLMcode, curl_multi_wakeup, (CURLM * m), (m))                                  \
	R(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))              \
	R(const char *, curl_multi_strerror, (CURLMcode c), (c))                           \
	R(CURLU *, curl_url, (void), ())                                                   \
	V(curl_url_cleanup, (CURLU * u), (u))                                              \
	R(CURLU *, curl_url_dup, (CURLU * u), (u))                                         \
	R(CURLUcode, curl_url_get, (CURLU * u, CURLUPart what, char **part, unsigned int flags), \
	  (u, what, part, flags))                                                          \
	R(CURLUcode, curl_url_set,                                                         \
	  (CURLU * u, CURLUPart what, const char *part, unsigned int flags),               \
	  (u, what, part, flags))                                                          \
	R(const char *, curl_url_strerror, (CURLUcode c), (c))                             \
	R(char *, curl_version, (void), ())

/* The rest are forwarded by hand below. */
#define LAZY_CURL_SPECIAL(X)                                                               \
	X(curl_global_init)                                                                \
	X(curl_global_cleanup)                                                             \
	X(curl_version_info)                                                               \
	X(curl_easy_setopt)                                                                \
	X(curl_easy_getinfo)                                                               \
	X(curl_multi_setopt)

#define POINTER_R(type, name, params, args) static __typeof__(name) *p_##name;
#define POINTER_V(name, params, args) static __typeof__(name) *p_##name;
#define POINTER_X(name) static __typeof__(name) *p_##name;
LAZY_CURL(POINTER_R, POINTER_V)
LAZY_CURL_SPECIAL(POINTER_X)

#define SYM_R(type, name, params, args) { #name, &p_##name },
#define SYM_V(name, params, args) { #name, &p_##name },
#define SYM_X(name) { #name, &p_##name },
static const struct lazylib_sym curl_syms[] = { LAZY_CURL(SYM_R, SYM_V) LAZY_CURL_SPECIAL(SYM_X) };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static long curl_init_flags = CURL_GLOBAL_DEFAULT;
static int curl_loaded;

static void
curl_load(void)
{
	const curl_version_info_data *info;
	char why[512];
	CURLcode cc;

	if (lazylib_open(CURL_SONAME, curl_syms, sizeof(curl_syms) / sizeof(curl_syms[0]), why,
			 sizeof(why)) != 0) {
		lazylib_fail("cannot load %s, which gonative needs to download: %s", CURL_SONAME,
			     why);
	}
	info = p_curl_version_info(CURLVERSION_NOW);
	/* 0xXXYYZZ: major and minor must be at least the headers'. */
	if (!info || (info->version_num >> 8) < (LIBCURL_VERSION_NUM >> 8)) {
		lazylib_fail("%s is libcurl %s; gonative was built against libcurl %s and needs "
			     "at least that",
			     CURL_SONAME, info && info->version ? info->version : "(unknown)",
			     LIBCURL_VERSION);
	}
	cc = p_curl_global_init(curl_init_flags);
	if (cc != CURLE_OK) {
		lazylib_fail("cannot initialise libcurl: %s", p_curl_easy_strerror(cc));
	}
	curl_loaded = 1;
}

static void
need_curl(void)
{
	pthread_once(&curl_once, curl_load);
}

#define FORWARD_R(type, name, params, args)                                                \
	type name params                                                                   \
	{                                                                                  \
		need_curl();                                                               \
		return p_##name args;                                                      \
	}
#define FORWARD_V(name, params, args)                                                      \
	void name params                                                                   \
	{                                                                                  \
		need_curl();                                                               \
		p_##name args;                                                             \
	}
LAZY_CURL(FORWARD_R, FORWARD_V)

/* Called by every command at start-up (builder/fetch.c): only note the
 * flags; libcurl is initialised when it is loaded. */
CURLcode
curl_global_init(long flags)
{
	curl_init_flags = flags;
	return CURLE_OK;
}

void
curl_global_cleanup(void)
{
	if (curl_loaded) {
		p_curl_global_cleanup();
	}
}

curl_version_info_data *
curl_version_info(CURLversion age)
{
	need_curl();
	return p_curl_version_info(age);
}

/*
 * The variadic setters take one argument whose type the option number
 * tells, as libcurl's own typecheck-gcc.h and its setopt read it:
 * long below CURLOPTTYPE_OBJECTPOINT, a data pointer below
 * CURLOPTTYPE_FUNCTIONPOINT, a function pointer below CURLOPTTYPE_OFF_T,
 * curl_off_t below CURLOPTTYPE_BLOB, then a struct curl_blob pointer.
 */
typedef void (*any_function)(void);

#define FORWARD_SETOPT(fn, handle, option, ap)                                             \
	((option) < CURLOPTTYPE_OBJECTPOINT     ? fn(handle, option, va_arg(ap, long))       \
	 : (option) < CURLOPTTYPE_FUNCTIONPOINT ? fn(handle, option, va_arg(ap, void *))     \
	 : (option) < CURLOPTTYPE_OFF_T         ? fn(handle, option, va_arg(ap, any_function)) \
	 : (option) < CURLOPTTYPE_BLOB          ? fn(handle, option, va_arg(ap, curl_off_t)) \
						: fn(handle, option, va_arg(ap, void *)))

CURLcode
curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	va_list ap;
	CURLcode cc;

	need_curl();
	va_start(ap, option);
	cc = FORWARD_SETOPT(p_curl_easy_setopt, h, option, ap);
	va_end(ap);
	return cc;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
	va_list ap;
	CURLMcode mc;

	need_curl();
	va_start(ap, option);
	mc = FORWARD_SETOPT(p_curl_multi_setopt, m, option, ap);
	va_end(ap);
	return mc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode cc;

	need_curl();
	va_start(ap, info);
	cc = p_curl_easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return cc;
}
