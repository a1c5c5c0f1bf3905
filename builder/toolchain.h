/*
 * builder/toolchain.h - `source: proxy`: Go's toolchains as the module
 * golang.org/toolchain (docs/design.md section 17), read through GOPROXY-style
 * servers instead of a release index.
 *
 *   <proxy>/golang.org/toolchain/@v/list                  the versions
 *   <proxy>/golang.org/toolchain/@v/v0.0.1-<go>.<os>-<arch>.{zip,mod,info}
 *
 * The zip's h1 is checked against the checksum database (builder/trust.h)
 * before anything is built from it; the tree is laid out as cmd/go does
 * after a toolchain download.
 */
#ifndef TOOLCHAIN_H
#define TOOLCHAIN_H

#include "builder/cache.h"
#include "gn/arena.h"
#include "gn/error.h"
#include "gn/events.h"
#include "lockfiles/index.h"

#include <stdbool.h>

/* sha256 of a module zip not downloaded yet (replaced before any lock is
 * written: builder/prefetch.c). */
#define TOOLCHAIN_UNKNOWN_SHA256 "0000000000000000000000000000000000000000000000000000000000000000"

/* Every version's .mod (distpack). */
#define TOOLCHAIN_GO_MOD "module golang.org/toolchain\n"

struct fetch_net;

struct toolchain_opts {
	const char *const *proxies;
	size_t n_proxies;
	struct cache *cache;
	const struct gn_events *events;
	const struct fetch_net *net; /* CA certificates and proxies (fetch.h) */
};

/* "<proxy>/golang.org/toolchain/@v/" (arena). */
const char *toolchain_base(struct gn_arena *arena, const char *proxy);

/*
 * Read @v/list from the first proxy that answers and present it as a
 * release index: one release per Go version, one "archive" per platform,
 * named "v0.0.1-<go>.<os>-<goarch>.zip" with the index's arch spelling and
 * sha256 TOOLCHAIN_UNKNOWN_SHA256.  Strings are owned by arena.
 */
int toolchain_index(const struct toolchain_opts *opts, struct gn_arena *arena,
		    struct lock_index *out, struct gn_error *err);

/*
 * The version's .mod must be TOOLCHAIN_GO_MOD and its .info must name the
 * version, on the first proxy that serves them: else GN_E_INTEGRITY.
 */
int toolchain_check_meta(const struct toolchain_opts *opts, struct gn_arena *arena,
			 const char *module_version, struct gn_error *err);

/* "v0.0.1-go1.21.5.linux-amd64" from the zip's file name; false if not one. */
bool toolchain_module_version(const char *file, char *out, size_t len);

/*
 * Lay a verified module zip out as a distribution would hold it, written as
 * a tar to out_fd (out names it in messages): "go/" for the module prefix,
 * every _go.mod also as go.mod, mode 0755 below bin/ and pkg/tool/ and 0644
 * elsewhere (the zip keeps no modes).  Entries outside the prefix, or not
 * regular files: GN_E_UNSAFE.  out_fd stays open (the caller closes it).
 */
int toolchain_layout(const char *zip, const char *module_version, int out_fd, const char *out,
		     struct gn_error *err);

#endif
