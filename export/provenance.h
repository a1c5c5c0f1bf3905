/*
 * export/provenance.h - an in-toto Statement v1 describing an installed
 * GOROOT: what it is (its git-sha256 tree id) and what it was made from.
 */
#ifndef PROVENANCE_H
#define PROVENANCE_H

#include "builder/minisign.h"
#include "builder/project.h"

#define PROVENANCE_PREDICATE_TYPE "https://gonative.dev/provenance/v1"

/*
 * Write the statement to path (atomically) after a successful sync: the
 * subject is the GOROOT with digest {"gitTree": <hex>} (git's sha256 tree
 * id); the predicate records the Go release, the host, the manifest and
 * lock digests, the gonative version and every artifact (name, sha256,
 * signer) as resolved dependencies.  No timestamps: the same sync gives the
 * same bytes.  With key, path.minisig is written too.  0 or -code.
 */
int provenance_write(struct project *p, const struct project_sync_result *sync,
		     const char *path, const struct minisign_seckey *key, struct gn_error *err);

#endif
