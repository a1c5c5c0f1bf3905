/*
 * builder/minisign_private.h - what builder/minisign.c (signatures, public
 * keys), builder/minisign_verify.c and builder/minisign_sign.c (secret keys,
 * signing) share.  Only they include it.
 */
#ifndef MINISIGN_PRIVATE_H
#define MINISIGN_PRIVATE_H

#include "builder/minisign.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define SIG_COMMENT "signature from gonative secret key"
#define PUBKEY_BYTES 42
#define SIG_BYTES 74
#define SECKEY_BYTES 158
#define KEYNUM_SK_OFF 54 /* start of the encrypted keyid || sk || chk */
#define KEYNUM_SK_BYTES 104
#define KEY_FILE_MAX (64 * 1024)
/* minisign asks scrypt for at most 2^25 ops and 1 GiB; refuse keys that
 * would make us spend far more than that. */
#define KDF_OPSLIMIT_MAX (UINT64_C(1) << 32)
#define KDF_MEMLIMIT_MAX (UINT64_C(1) << 32)

struct line {
	const char *s;
	size_t len;
};

static inline uint64_t
minisign_le64_load(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* builder/minisign.c */
int minisign_sodium_ready(struct gn_error *err);
int minisign_next_line(const char *data, size_t len, size_t *pos, struct line *out);
bool minisign_b64_exact(const struct line *l, uint8_t *bin, size_t want);
bool minisign_comment_printable(const char *s, size_t len);

/* builder/minisign_verify.c */
int minisign_hash_file(const char *path, uint8_t out[crypto_generichash_BYTES_MAX],
		       struct gn_error *err);

#endif
