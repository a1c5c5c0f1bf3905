/*
 * fuzz/fuzz_minisig.c - libFuzzer entry point for minisign_sig_parse().
 * Built by meson with -Dfuzz=true (fuzz/meson.build); seeds: fuzz/corpus/minisig.
 */
#include "builder/minisign.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct minisign_sig sig;
	struct gn_error err;

	gn_error_clear(&err);
	if (minisign_sig_parse((const char *)data, size, "fuzz.minisig", &sig, &err) == 0) {
		/* A parsed comment is NUL-terminated and fits its field. */
		if (strlen(sig.trusted_comment) >= sizeof(sig.trusted_comment)) {
			__builtin_trap();
		}
	} else if (err.code != GN_E_SIGNATURE) {
		__builtin_trap();
	}
	return 0;
}
