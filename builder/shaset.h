/*
 * builder/shaset.h - a small set of sha256 hex strings, kept in an arena:
 * what one run has already checked (a signature, a download hashed as it
 * arrived), so the same bytes are not checked twice.  A handful of entries
 * per run, so a linear scan is enough.
 */
#ifndef SHASET_H
#define SHASET_H

#include "gn/arena.h"

#include <stdbool.h>
#include <stddef.h>

struct shaset {
	const char **items; /* owned by the arena given to shaset_add() */
	size_t n, cap;
};

bool shaset_has(const struct shaset *set, const char *sha256);

/* Best effort: on OOM the sha is simply not remembered (so it is checked
 * again); the copy lives in arena. */
void shaset_add(struct gn_arena *arena, struct shaset *set, const char *sha256);

#endif
