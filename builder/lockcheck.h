/*
 * builder/lockcheck.h - `gonative lock --check`: is the committed lock
 * complete and canonical for the manifest, without touching the network or
 * writing anything?  (mise and aqua users ask for this in CI.)
 *
 * Everything the result points to is owned by the project's arena.
 */
#ifndef LOCKCHECK_H
#define LOCKCHECK_H

#include "builder/project.h"

#include <stdbool.h>

struct project_lock_check_result {
	bool lock_missing;
	struct lock_drift drift;   /* manifest vs lock (stale digest and why) */
	const char **missing;      /* "host linux/amd64: no GOROOT hash", ... */
	size_t n_missing;
	bool canonical;            /* the file's bytes are what `lock` would write */
	bool ok;                   /* none of the above is wrong */
};

/*
 * Check the lock against the manifest: it must exist, match the manifest's
 * digest, hold a GOROOT hash and an archive for every host and an archive
 * for every target platform that needs one, and be byte-for-byte canonical.
 * Returns 0 (see res->ok) or -GN_E_... on a local failure.
 */
int project_lock_check(struct project *p, struct project_lock_check_result *res,
		       struct gn_error *err);

#endif
