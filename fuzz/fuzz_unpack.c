/*
 * fuzz/fuzz_unpack.c - libFuzzer target for unpack_archive() in hash-only
 * mode (dest NULL): the input is written to a temp file and read as a
 * .tar.gz or .zip, with a 4 MiB expansion limit.  Nothing is written to
 * disk besides that temp file.  Errors must be one of the documented codes.
 */
#include "builder/tree.h"
#include "builder/unpack.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_opts uo = { 0 };
	struct gn_error err;
	struct tree *tree;
	FILE *f;
	int rc;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/gonative-fuzz-unpack-%ld", (long)getpid());
	}
	f = fopen(path, "wb");
	if (!f) {
		return 0;
	}
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	tree = tree_new();
	if (!tree) {
		return 0;
	}
	uo.archive = path;
	uo.name = "fuzz.tar.gz";
	uo.dest = NULL;
	uo.max_bytes = 4 << 20;
	uo.tree = tree;
	gn_error_clear(&err);
	rc = unpack_archive(&uo, &err);
	if (rc < 0 && err.code != GN_E_UNSAFE && err.code != GN_E_INTEGRITY &&
	    err.code != GN_E_IO && err.code != GN_E_NOMEM) {
		__builtin_trap();
	}
	if (rc == 0) {
		uint8_t id[GN_SHA256_LEN];
		if (tree_root(tree, id, &err) != 0 && err.code != GN_E_NOMEM) {
			__builtin_trap();
		}
	}
	tree_free(tree);
	unlink(path);
	return 0;
}
