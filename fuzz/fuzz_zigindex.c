/*
 * fuzz/fuzz_zigindex.c - libFuzzer target for zig_index_parse(): any input
 * either parses or fails with GN_E_INDEX (or NOMEM); what parses holds only
 * well-formed artifacts (64 lowercase hex, non-negative size, a URL).
 */
#include "gn/arena.h"
#include "lockfiles/zigindex.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gn_arena arena;
	struct zig_index idx;
	struct gn_error err;
	int rc;

	gn_arena_init(&arena);
	gn_error_clear(&err);
	rc = zig_index_parse(&arena, "fuzz.json", (const char *)data, size, &idx, &err);
	if (rc < 0 && err.code != GN_E_INDEX && err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	for (size_t i = 0; rc == 0 && i < idx.n_versions; i++) {
		const struct zig_index_version *v = &idx.versions[i];

		if (zig_index_find(&idx, v->version) == NULL) {
			__builtin_trap();
		}
		for (size_t j = 0; j < v->n_artifacts; j++) {
			const struct zig_index_artifact *a = &v->artifacts[j];

			if (a->size < 0 || strlen(a->sha256) != 64 ||
			    strspn(a->sha256, "0123456789abcdef") != 64 || !a->tarball ||
			    !strstr(a->tarball, "://") || zig_index_artifact(v, a->key) == NULL) {
				__builtin_trap();
			}
		}
	}
	gn_arena_free(&arena);
	return 0;
}
