/*
 * lockfiles/drift.h - what differs between the manifest and the lock.
 */
#ifndef LOCK_DRIFT_H
#define LOCK_DRIFT_H

#include "gn/arena.h"
#include "lockfiles/lock.h"
#include "manifest/manifest.h"

#include <stddef.h>

struct lock_drift_item {
	const char *field;    /* "go", "hosts", "platforms", "index", "checksums", ... */
	const char *locked;   /* what the lock says (human readable) */
	const char *manifest; /* what the manifest asks for */
};

struct lock_drift {
	struct lock_drift_item *items; /* owned by the arena */
	size_t n_items;
};

/*
 * Compare.  The lock is fresh exactly when its manifest-digest equals
 * digest; items explain, field by field, what changed (go spec no longer
 * matching the locked version, hosts/platforms added or removed, index URL,
 * pins disagreeing with locked sha256, signature requirements).  When the
 * digests differ but no field explains it, one item with field "manifest"
 * is reported.  n_items == 0 means no drift.  Returns 0 or -GN_E_NOMEM.
 */
int lock_drift_manifest(struct gn_arena *arena, const struct manifest *m, const char *digest,
			const struct gn_platform *default_host, const struct lock *lock,
			struct lock_drift *out);

#endif
