/*
 * builder/trust.h - Go's own trust roots for `source: index` (README "Go's
 * own trust roots"): every Go >= 1.21 binary archive is also the module
 * golang.org/toolchain@v0.0.1-<go>.<goos>-<goarch>, whose h1: sits in the
 * checksum database.  The archive's files, mapped the way distpack builds
 * the module zip, must hash to the h1 the log records.
 */
#ifndef TRUST_H
#define TRUST_H

#include "builder/cache.h"
#include "builder/sumdb.h"
#include "gn/arena.h"
#include "gn/error.h"
#include "gn/events.h"
#include "lockfiles/lock.h"

#include <stdbool.h>

#define TRUST_MODULE "golang.org/toolchain"

struct trust_opts {
	const char *sumdb;	    /* manifest sumdb: */
	const char *const *proxies; /* manifest proxy: */
	size_t n_proxies;
	struct cache *cache;
	const struct gn_events *events;
	const struct fetch_net *net; /* CA certificates and proxies (fetch.h) */
};

/* Is a a Go >= 1.21 binary archive (a toolchain module exists for it)? */
bool trust_applies(const char *go, const struct lock_artifact *a);

/* "v0.0.1-go1.21.5.linux-arm" for go1.21.5's linux-armv6l archive. */
bool trust_module_version(const char *go, const struct lock_artifact *a, char *out, size_t len);

/*
 * Ask the log for each artifact's module record and require that the
 * archive at paths[i] (already sha256-verified) hashes to it; sets
 * arts[i]->h1 (arena).  The newest head goes into the cache only when all
 * agree.  Disagreement: GN_E_INTEGRITY naming both sources and values.
 */
int trust_check_index(const struct trust_opts *opts, const char *go, struct lock_artifact **arts,
		      const char *const *paths, size_t n, struct gn_arena *arena,
		      struct gn_error *err);

struct trust_upstream {
	bool had_head; /* the cache had seen a head */
	char seen[SUMDB_HEAD_TEXT];
	char now[SUMDB_HEAD_TEXT];
	bool moved; /* the log grew since */
};

/* check --upstream: the log's latest head, consistent with the cached one
 * (a fork or rollback is GN_E_INTEGRITY).  Writes nothing. */
int trust_check_upstream(const struct trust_opts *opts, struct trust_upstream *res,
			 struct gn_error *err);

#endif
