/*
 * fuzz/fuzz_manifest.c - libFuzzer target for manifest_parse().
 * Any input: 0 or -GN_E_MANIFEST (never another code), and a parsed
 * manifest's strings are NUL-terminated within the arena.
 */
#include "gn/arena.h"
#include "manifest/manifest.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gn_arena arena;
	struct manifest m;
	struct gn_error err;
	int rc;

	gn_arena_init(&arena);
	gn_error_clear(&err);
	rc = manifest_parse(&arena, "fuzz.yaml", ".", (const char *)data, size, &m, &err);
	if (rc < 0 && err.code != GN_E_MANIFEST && err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	if (rc == 0 && m.go && strlen(m.go) > size) {
		__builtin_trap();
	}
	gn_arena_free(&arena);
	return 0;
}
