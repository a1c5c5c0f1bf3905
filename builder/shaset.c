/*
 * builder/shaset.c - the sha256 set of one run (builder/shaset.h).
 */
#include "builder/shaset.h"

#include <string.h>

bool
shaset_has(const struct shaset *set, const char *sha256)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->items[i], sha256) == 0) {
			return true;
		}
	}
	return false;
}

void
shaset_add(struct gn_arena *arena, struct shaset *set, const char *sha256)
{
	if (shaset_has(set, sha256)) {
		return;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		const char **grown = gn_arena_array(arena, cap, sizeof(*grown));

		if (!grown) {
			return;
		}
		if (set->n) {
			memcpy(grown, set->items, set->n * sizeof(*grown));
		}
		set->items = grown;
		set->cap = cap;
	}
	set->items[set->n] = gn_arena_strdup(arena, sha256);
	if (set->items[set->n]) {
		set->n++;
	}
}
