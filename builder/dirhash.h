/*
 * builder/dirhash.h - Go's "h1:" module hash (docs/design.md section 17):
 * base64(SHA-256 of the lines "<sha256 hex>  <name>\n", names sorted
 * bytewise).  golang.org/x/mod/sumdb/dirhash Hash1 and HashZip.
 */
#ifndef DIRHASH_H
#define DIRHASH_H

#include "gn/error.h"
#include "gn/sha256.h"

#include <stddef.h>
#include <stdint.h>

/* "h1:" + 44 base64 characters + NUL */
#define DIRHASH_H1_LEN 48

struct dirhash_file {
	const char *name;
	uint8_t sha256[GN_SHA256_LEN];
};

/* Hash1 over files (sorted in place).  A name with '\n' is -GN_E_INTEGRITY. */
int dirhash_hash1(struct dirhash_file *files, size_t n, char out[DIRHASH_H1_LEN],
		  struct gn_error *err);

/* HashZip: every entry of a zip under its own name. */
int dirhash_zip(const char *zip_path, char out[DIRHASH_H1_LEN], struct gn_error *err);

/*
 * The h1 that the golang.org/toolchain module of a distribution archive
 * (.tar.gz or Windows .zip, Go >= 1.21) has, by distpack's mapping: the
 * archive's regular files under go/, minus api/, doc/, misc/ and test/,
 * every go.mod renamed _go.mod, under "golang.org/toolchain@<version>/".
 */
int dirhash_toolchain_dist(const char *archive, const char *module_version,
			   char out[DIRHASH_H1_LEN], struct gn_error *err);

/* "h1:" + 44 base64 characters. */
int dirhash_valid_h1(const char *s);

#endif
