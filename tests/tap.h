/*
 * tests/tap.h - minimal TAP producer for the C unit tests (meson protocol: 'tap').
 *
 *     TAP_OK(cond, "name %d", i);   TAP_EQ_STR(got, want, "name");
 *     return tap_done();
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

__attribute__((format(printf, 2, 3))) static inline int
tap_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		tap_failed++;
	}
	fflush(stdout);
	return ok;
}

static inline void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define TAP_OK(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define TAP_EQ_STR(got, want, ...)                                                     \
	do {                                                                           \
		const char *tap_g_ = (got), *tap_w_ = (want);                          \
		if (!tap_ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__)) { \
			tap_diag("got:  %s", tap_g_ ? tap_g_ : "(null)");              \
			tap_diag("want: %s", tap_w_ ? tap_w_ : "(null)");              \
		}                                                                      \
	} while (0)

#define TAP_EQ_INT(got, want, ...)                                                     \
	do {                                                                           \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);       \
		if (!tap_ok(tap_g_ == tap_w_, __VA_ARGS__)) {                          \
			tap_diag("got:  %lld", tap_g_);                                \
			tap_diag("want: %lld", tap_w_);                                \
		}                                                                      \
	} while (0)

/* A fixture path into out; a path that does not fit stops the test (a cut
 * path would test something else). */
static inline void __attribute__((format(printf, 3, 4)))
tap_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		printf("Bail out! fixture path too long: %s...\n", out);
		exit(1);
	}
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
