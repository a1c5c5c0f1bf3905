/*
 * builder/merge.h - docs/design.md section 6: one GOROOT holding each target
 * platform's precompiled standard library.
 */
#ifndef MERGE_H
#define MERGE_H

#include "gn/error.h"
#include "gn/events.h"
#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct merge_source {
	const char *archive; /* verified archive path */
	const char *file;    /* artifact file name, for messages */
	const char *sha256;  /* re-checked while reading (cache tampering); NULL when
			      * this run just downloaded and hashed it */
	int64_t size;        /* bounds the expansion */
	struct gn_platform platform;
};

struct merge_opts {
	struct gn_goversion version;
	struct merge_source host;
	const struct merge_source *targets; /* a target equal to the host is skipped */
	size_t n_targets;
	const char *dest; /* empty folder to build in; NULL = compute the hash only */
	/* dest already holds the host's tree (built from source): the host
	 * archive is not unpacked and the tree id is hashed from dest. */
	bool host_prebuilt;
	const struct gn_events *events;
	/* Optional: called before source i is read (0 the host, i the target
	 * targets[i - 1]) and blocks until its archive is verified in place
	 * (builder/pipeline.h).  0, or -code to stop. */
	int (*source_ready)(void *user, size_t i, struct gn_error *err);
	void *ready_user;
};

/*
 * 1. host archive whole; 2. from each other target only merge_wants()
 * entries; 3. a target that contributes nothing gets a GN_EV_WARNING (Go
 * 1.20+ ships no pkg/<os>_<arch>; before 1.20 the archive lacks what it
 * should have, and the warning says so); 4. below Go 1.10 merged files get
 * mtime = newest mtime in the tree + 1 s.  Writes the tree id.  0 or -code.
 */
int merge_goroot(const struct merge_opts *opts, uint8_t tree_id[GN_SHA256_LEN],
		 struct gn_error *err);

/* Does relpath come from target t under version v?  Everything below
 * pkg/<os>_<arch>/ and pkg/<os>_<arch>_<suffix>/ and, below Go 1.5, src/runtime/z*_<os>_<arch>*
 * (also src/pkg/runtime/ for Go < 1.4).  is_dir for the folders on the way. */
bool merge_wants(const struct gn_goversion *v, const struct gn_platform *t, const char *relpath,
		 bool is_dir);

#endif
