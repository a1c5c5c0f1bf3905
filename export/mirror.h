/*
 * export/mirror.h - `gonative mirror DIR`: a folder that serves as a
 * mirror and release index for air-gapped or team use.
 */
#ifndef MIRROR_H
#define MIRROR_H

#include "builder/minisign.h"
#include "builder/project.h"

#include <stddef.h>

#define MIRROR_INDEX_NAME "index.json"

struct mirror_result {
	size_t n_files;  /* archives copied, Zig's tarballs included */
	size_t n_cc_files; /* of those, Zig tarballs (lock cc.hosts) */
	size_t n_signed; /* signatures written or copied */
	/* oci:// only */
	size_t n_uploaded;  /* blobs the registry did not have */
	size_t n_present;   /* blobs it had already (HEAD), not sent again */
	size_t n_tags_moved; /* manifests written (0 when nothing changed) */
	char version_tag[64]; /* "go1.21.5" */
	char index_tag[130];  /* "index" */
	char cc_tag[64];      /* "zig-0.11.0" when the lock has cc: */
};

/*
 * Copy every locked archive (fetched through the cache first) into dir,
 * with the cached .minisig beside it when there is one, and every locked
 * Zig tarball with Zig's signature (serving cc.mirrors), and write
 * dir/index.json in go.dev's shape holding the locked release.  With key,
 * index.json and every archive are signed (prehashed minisign) instead.
 * The lock must match the manifest.  0 or -code.
 */
int mirror_write(struct project *p, const char *dir, const struct minisign_seckey *key,
		 struct mirror_result *res, struct gn_error *err);

/*
 * dir may be oci://HOST/REPO[:TAG]: the same files are pushed as blobs
 * (those the registry has are skipped), listed in an OCI manifest tagged
 * with the release (go1.21.5), Zig's tarballs and signatures in one tagged
 * zig-<version>, and index.json, merged with the releases the
 * registry's index already holds, under TAG (default "index").  Pushing the
 * same thing twice uploads nothing and moves no tag.
 */

#endif
