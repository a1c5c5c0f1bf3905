/*
 * fuzz/fuzz_lock.c - libFuzzer target for lock_parse(), with a round trip:
 * a lock that parses is written back canonically, and that text must parse
 * to the same bytes again.
 */
#include "gn/arena.h"
#include "gn/buf.h"
#include "lockfiles/lock.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gn_arena arena;
	struct lock lock, again;
	struct gn_error err;
	struct gn_buf one, two;
	int rc;

	gn_arena_init(&arena);
	gn_error_clear(&err);
	rc = lock_parse(&arena, "fuzz.lock", (const char *)data, size, &lock, &err);
	if (rc < 0 && err.code != GN_E_LOCK && err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	if (rc == 0) {
		gn_buf_init(&one);
		gn_buf_init(&two);
		lock_write(&lock, &one);
		if (!one.failed &&
		    lock_parse(&arena, "again.lock", one.data, one.len, &again, &err) == 0) {
			lock_write(&again, &two);
			if (!two.failed &&
			    (one.len != two.len || memcmp(one.data, two.data, one.len))) {
				__builtin_trap();
			}
		}
		gn_buf_free(&one);
		gn_buf_free(&two);
	}
	gn_arena_free(&arena);
	return 0;
}
