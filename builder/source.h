/*
 * builder/source.h - `base: source`: build the host toolchain from the
 * locked go<VERSION>.src.tar.gz with make.bash, the original gonative's
 * own path.
 *
 * The build is reproducible across folders: GOROOT_FINAL is fixed (the
 * binaries' default GOROOT; the go command finds its real GOROOT from its
 * own path), GOCACHE is private, and the environment is minimal.  It does
 * depend on the bootstrap toolchain and the C compiler (runtime/cgo, net).
 */
#ifndef SOURCE_H
#define SOURCE_H

#include "gn/error.h"
#include "gn/events.h"

#include <stdint.h>

#define SOURCE_GOROOT_FINAL "/usr/local/go"

struct source_build {
	const char *archive;   /* verified go<V>.src.tar.gz */
	const char *file;      /* its name, for messages */
	const char *sha256;    /* re-checked while reading */
	int64_t size;
	const char *dest;      /* empty folder: receives the built GOROOT */
	const char *bootstrap; /* GOROOT_BOOTSTRAP, an existing Go toolchain */
	const char *work;      /* scratch folder (GOCACHE, the build log) */
	const char *path;      /* PATH for make.bash; NULL = /usr/bin:/bin */
	const char *home;      /* HOME for make.bash; NULL = work */
	const struct gn_events *events;
};

/*
 * Unpack the source into dest and run src/make.bash there.  The build's
 * output goes to <work>/make.log; a failed build is -GN_E_INSTALL naming
 * the log and its last line.  0 or -code.
 */
int source_build(const struct source_build *b, struct gn_error *err);

/* The bootstrap to use: bootstrap (from the manifest, relative to
 * manifest_dir) else $GOROOT_BOOTSTRAP; it must hold bin/go.  Writes the
 * path into out.  0, or -GN_E_USAGE saying how to name one. */
int source_find_bootstrap(const char *bootstrap, const char *manifest_dir, const char *env,
			  char *out, size_t len, struct gn_error *err);

#endif
