/*
 * lockfiles/resolve.h - manifest + release index -> lock.
 */
#ifndef LOCK_RESOLVE_H
#define LOCK_RESOLVE_H

#include "gn/arena.h"
#include "gn/error.h"
#include "gn/events.h"
#include "lockfiles/index.h"
#include "lockfiles/lock.h"
#include "manifest/manifest.h"

#include <stdbool.h>

/* Does this release ship pkg/<os>_<arch> worth merging (Go < 1.20)?  When
 * not, the lock lists and sync fetches only the hosts' archives. */
bool lock_merges_targets(const char *go);

/* The Go >= 1.20 warning naming the platforms that have nothing to merge
 * (lock_resolve() emits it; a run that does not resolve calls this once). */
void lock_warn_nothing_to_merge(const struct lock *lock, const struct gn_events *events);

/* Does version ("go1.21.5") satisfy the manifest's go: spec? */
bool lock_version_matches(const struct manifest *m, const char *version);

/*
 * Resolve m against index into out (strings owned by arena).
 *
 * - Picks the release: exact spec -> that release (prereleases only when
 *   named exactly); line "1.21" -> newest stable 1.21.x (or go1.21 itself);
 *   "stable" -> newest stable.  When previous is given and !upgrade and its
 *   go still matches the spec and is still in the index, it is kept.
 * - Hosts: m->hosts, or *default_host when m->hosts_default.
 * - Artifacts: the "archive" file of every host and platform (windows .zip;
 *   darwin before 1.5 prefers the -osx10.8 name), sorted by file.  Go >=
 *   1.20 has nothing to merge: only the hosts' archives are listed.
 * - Pins (m->checksums) must equal the index's sha256, else -GN_E_INTEGRITY
 *   naming the file with expected (pin) and got (index).  A file with an
 *   empty index sha256 needs a pin, else -GN_E_INTEGRITY.
 * - When previous locked the same file with another sha256 or size, the
 *   index changed under us: -GN_E_INTEGRITY naming both values.
 * - Missing platform in that release -> -GN_E_RESOLVE naming it.
 * - Emits a GN_EV_WARNING for Go >= 1.20 naming the platforms that have
 *   nothing to merge, and for pins that name no locked file.
 * - goroots get one entry per host with tree left "" (the builder fills it),
 *   except that entries of previous with the same artifacts are kept.
 * - signed_by is copied from previous for the same file, sha256 and size
 *   (a signed artifact must not turn unsigned); otherwise NULL, and the
 *   builder records it when it verifies a signature.
 */
int lock_resolve(struct gn_arena *arena, const struct manifest *m, const char *manifest_digest,
		 const struct gn_platform *default_host, const struct lock_index *index,
		 const struct lock *previous, bool upgrade, struct lock *out,
		 const struct gn_events *events, struct gn_error *err);

#endif
