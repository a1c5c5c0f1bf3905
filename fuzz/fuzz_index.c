/*
 * fuzz/fuzz_index.c - libFuzzer target for lock_index_parse() (the go.dev
 * release index, strict JSON: lockfiles/jsonwalk.c).
 */
#include "gn/arena.h"
#include "lockfiles/index.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gn_arena arena;
	struct lock_index index;
	struct gn_error err;
	int rc;

	gn_arena_init(&arena);
	gn_error_clear(&err);
	rc = lock_index_parse(&arena, "fuzz.json", (const char *)data, size, &index, &err);
	if (rc < 0 && err.code != GN_E_INDEX && err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	gn_arena_free(&arena);
	return 0;
}
