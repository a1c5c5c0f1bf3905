/*
 * gn/platform.h - GOOS/GOARCH pairs as `go tool dist list` prints them,
 * and their spelling in go.dev file names (linux/arm is "linux-armv6l").
 */
#ifndef GN_PLATFORM_H
#define GN_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#define GN_PLATFORM_PART 16
#define GN_PLATFORM_TEXT 40

struct gn_platform {
	char os[GN_PLATFORM_PART];
	char arch[GN_PLATFORM_PART];
};

enum gn_platform_status {
	GN_PLATFORM_OK = 0,
	GN_PLATFORM_MALFORMED = -1, /* not "os/arch" of [a-z0-9] */
	GN_PLATFORM_UNKNOWN = -2,   /* well formed, but no Go port has that name */
};

/* Parses "os/arch" and checks it against the known ports. */
enum gn_platform_status gn_platform_parse(const char *s, struct gn_platform *out);
/* "os/arch" into out (GN_PLATFORM_TEXT bytes is always enough). */
void gn_platform_format(const struct gn_platform *p, char *out, size_t len);
/* Order of "os/arch" strings. */
int gn_platform_cmp(const struct gn_platform *a, const struct gn_platform *b);
bool gn_platform_equal(const struct gn_platform *a, const struct gn_platform *b);
/* Is p in set[0..n)? */
bool gn_platform_in(const struct gn_platform *p, const struct gn_platform *set, size_t n);
/* Same platforms, in any order (neither list has duplicates). */
bool gn_platform_same_set(const struct gn_platform *a, size_t na, const struct gn_platform *b,
			  size_t nb);
/* Arch as go.dev file names and the index's "arch" field spell it. */
const char *gn_platform_index_arch(const struct gn_platform *p);
/* From the index's os/arch ("linux","armv6l" -> linux/arm); false if not a port. */
bool gn_platform_from_index(const char *os, const char *arch, struct gn_platform *out);
/* The source archive (go<V>.src.tar.gz) is the one artifact of no
 * platform: os and arch are both "", in the index, in the lock and in the
 * empty platform that asks the resolver for it (base: source). */
bool gn_artifact_is_source(const char *os, const char *arch);
/* The machine this runs on, in Go's naming; false if unknown. */
bool gn_platform_host(struct gn_platform *out);
/* NULL-terminated list of every known "os/arch" (for completion, init). */
const char *const *gn_platform_known(void);

#endif
