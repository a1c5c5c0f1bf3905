/*
 * fuzz/fuzz_note.c - libFuzzer target for the checksum database's signed
 * notes (builder/note.c) and tree heads (builder/tlog.c): bytes from the
 * network.  A note that opens must yield text inside the input ending in
 * '\n'; errors must be the documented codes.
 */
#include "builder/note.h"
#include "builder/tlog.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier v;
	static int ready;
	struct gn_error err;
	struct tlog_tree tree;
	size_t text_len = 0;
	int rc;

	if (!ready) {
		if (note_verifier_parse(key, strlen(key), &v, &err) != 0) {
			__builtin_trap();
		}
		ready = 1;
	}
	gn_error_clear(&err);
	rc = note_open((const char *)data, size, &v, &text_len, &err);
	if (rc < 0 && err.code != GN_E_INTEGRITY && err.code != GN_E_SIGNATURE &&
	    err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	if (rc == 0 && (text_len == 0 || text_len > size || data[text_len - 1] != '\n')) {
		__builtin_trap();
	}
	/* The tree parser sees any text, signed or not. */
	rc = tlog_parse_tree((const char *)data, size, &tree, &err);
	if (rc < 0 && err.code != GN_E_INTEGRITY) {
		__builtin_trap();
	}
	gn_error_clear(&err);
	note_verifier_parse((const char *)data, size, &v, &err);
	/* Restore the fixed key for the next input. */
	note_verifier_parse(key, strlen(key), &v, &err);
	return 0;
}
