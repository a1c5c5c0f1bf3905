/*
 * lockfiles/zigtarget.h - GOOS/GOARCH -> the `zig cc -target` triple, and
 * the host names of the Zig release index.  A pure table: README "C cross
 * compiler (Zig)" prints the same rows.
 */
#ifndef LOCK_ZIGTARGET_H
#define LOCK_ZIGTARGET_H

#include "gn/platform.h"

#include <stdbool.h>
#include <stddef.h>

/* "aarch64-linux-gnu.2.17", "powerpc64le-linux-musl", "x86_64-windows-gnu" */
#define ZIG_TRIPLE_MAX 64

/*
 * The triple for target platform p with Zig release zig_version ("0.11.0").
 * glibc ("2.17") applies to linux gnu targets; it is raised to the oldest
 * glibc the architecture has (aarch64 2.17, riscv64 2.27).  musl asks for
 * the static musl libc instead.  Returns true and fills out, or false with
 * *why saying why Zig cannot serve p (darwin needs an SDK; a port Zig's libc
 * does not cover; an architecture that came in a later Zig).
 */
bool zig_target_for(const struct gn_platform *p, const char *zig_version, const char *glibc,
		    bool musl, char out[ZIG_TRIPLE_MAX], const char **why);

/* GOARM the platform is built with (the triple assumes it), or NULL. */
const char *zig_target_goarm(const struct gn_platform *p);

/* Can p link against musl (linux only)? */
bool zig_target_musl_ok(const struct gn_platform *p);

/* "2.17" or "2.17.1": two or three dot-separated numbers, first 2. */
bool zig_glibc_valid(const char *s);

/*
 * The Zig index's names for host ("x86_64-linux", "aarch64-macos", ...),
 * most recent spelling first (0.11 says "x86-linux", 0.10 "i386-linux").
 * Fills up to max names; returns how many (0: Zig ships no build for it).
 */
size_t zig_host_keys(const struct gn_platform *host, const char **out, size_t max);

/*
 * Is file the tarball name of Zig zig_version for index key ("x86_64-linux")?
 * Up to 0.14.0: zig-<os>-<arch>-<ver>; from 0.14.1 zig-<arch>-<os>-<ver>;
 * .tar.xz, or .zip for windows.  Either order is accepted.  top receives
 * the folder every entry lives under (the name without its extension).
 */
bool zig_tarball_name_ok(const char *file, const char *key, const char *zig_version,
			 char *top, size_t top_len);

/* Compare two Zig versions ("0.11.0", "0.12.0-dev.1+abc"): <0, 0, >0.
 * Pre-release versions sort before their release. */
int zig_version_cmp(const char *a, const char *b);

/* An exact Zig release: N.N.N (no "master", no -dev suffix). */
bool zig_version_valid(const char *s);

#endif
