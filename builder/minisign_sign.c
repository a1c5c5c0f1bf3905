/*
 * builder/minisign_sign.c - minisign secret keys and signing.
 *
 * A secret key is "Ed" || kdf[2] || "B2" || salt[32] || opslimit[8] ||
 * memlimit[8] || keyid[8] || sk[64] || chk[32], where the last 104 bytes
 * are XORed with an scrypt stream when kdf is "Sc", and chk =
 * BLAKE2b-256("Ed" || keyid || sk).  Signatures are always prehashed
 * ("ED"), as minisign 0.10 writes them.
 */
#include "builder/minisign_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
seckey_chk(const uint8_t *keynum_sk, uint8_t chk[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
	crypto_generichash_update(&st, keynum_sk, 8 + 64);
	crypto_generichash_final(&st, chk, 32);
}

/* Read the key file and decode its 158 bytes; *raw must be wiped by the caller. */
static int
seckey_read(const char *path, uint8_t raw[SECKEY_BYTES], struct gn_error *err)
{
	char *data = NULL;
	size_t len = 0, pos = 0;
	struct line l1, l2;
	int rc;

	rc = gn_read_file(path, KEY_FILE_MAX, &data, &len, err);
	if (rc < 0) {
		return rc;
	}
	if (minisign_next_line(data, len, &pos, &l1) != 0 || minisign_next_line(data, len, &pos, &l2) != 0) {
		rc = gn_error_set(err, GN_E_USAGE, "%s is not a minisign secret key file", path);
	} else if (!minisign_b64_exact(&l2, raw, SECKEY_BYTES)) {
		rc = gn_error_set(err, GN_E_USAGE,
				  "%s is not a minisign secret key: line 2 is not base64 of %d "
				  "bytes",
				  path, SECKEY_BYTES);
	} else if (memcmp(raw, "Ed", 2) != 0) {
		rc = gn_error_set(err, GN_E_USAGE, "%s: unsupported signature algorithm", path);
	} else if (memcmp(raw + 4, "B2", 2) != 0) {
		rc = gn_error_set(err, GN_E_USAGE, "%s: unsupported checksum algorithm", path);
	} else if (memcmp(raw + 2, "Sc", 2) != 0 && memcmp(raw + 2, "\0\0", 2) != 0) {
		rc = gn_error_set(err, GN_E_USAGE, "%s: unsupported key derivation function", path);
	}
	sodium_memzero(data, len);
	free(data);
	return rc;
}

bool
minisign_seckey_encrypted(const char *path)
{
	uint8_t raw[SECKEY_BYTES];
	bool enc = false;

	if (sodium_init() < 0) {
		return false;
	}
	if (path && seckey_read(path, raw, NULL) == 0) {
		enc = memcmp(raw + 2, "Sc", 2) == 0;
	}
	sodium_memzero(raw, sizeof(raw));
	return enc;
}

int
minisign_seckey_load(const char *path, const char *password, struct minisign_seckey *out,
		     struct gn_error *err)
{
	uint8_t raw[SECKEY_BYTES];
	uint8_t stream[KEYNUM_SK_BYTES];
	uint8_t chk[32], pk[32], sk2[64];
	uint8_t *keynum_sk = raw + KEYNUM_SK_OFF;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = minisign_sodium_ready(err);
	if (rc < 0) {
		return rc;
	}
	if (!path) {
		return gn_error_set(err, GN_E_USAGE, "no secret key file given");
	}
	rc = seckey_read(path, raw, err);
	if (rc < 0) {
		goto out;
	}
	if (memcmp(raw + 2, "Sc", 2) == 0) {
		uint64_t ops = minisign_le64_load(raw + 38);
		uint64_t mem = minisign_le64_load(raw + 46);
		if (!password) {
			rc = gn_error_set(err, GN_E_USAGE,
					  "password required for the secret key %s", path);
			goto out;
		}
		if (ops > KDF_OPSLIMIT_MAX || mem > KDF_MEMLIMIT_MAX || mem > SIZE_MAX) {
			rc = gn_error_set(err, GN_E_USAGE,
					  "%s asks for an unreasonable scrypt cost", path);
			goto out;
		}
		if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof(stream), password,
						       strlen(password), raw + 6, ops,
						       (size_t)mem) != 0) {
			rc = gn_error_set(err, GN_E_NOMEM,
					  "cannot derive the key for %s (out of memory?)", path);
			goto out;
		}
		for (size_t i = 0; i < KEYNUM_SK_BYTES; i++) {
			keynum_sk[i] ^= stream[i];
		}
		seckey_chk(keynum_sk, chk);
		if (sodium_memcmp(chk, keynum_sk + 72, 32) != 0) {
			rc = gn_error_set(err, GN_E_USAGE, "wrong password for the secret key %s",
					  path);
			goto out;
		}
	} else {
		/* minisign -W leaves chk zeroed; check it only when present. */
		if (!sodium_is_zero(keynum_sk + 72, 32)) {
			seckey_chk(keynum_sk, chk);
			if (sodium_memcmp(chk, keynum_sk + 72, 32) != 0) {
				rc = gn_error_set(err, GN_E_USAGE,
						  "secret key %s is damaged (checksum mismatch)",
						  path);
				goto out;
			}
		}
	}
	/* The public half must follow from the seed, or signatures would not verify. */
	crypto_sign_seed_keypair(pk, sk2, keynum_sk + 8);
	if (sodium_memcmp(sk2, keynum_sk + 8, 64) != 0) {
		rc = gn_error_set(err, GN_E_USAGE, "secret key %s is damaged", path);
		goto out;
	}
	memcpy(out->keyid, keynum_sk, 8);
	memcpy(out->sk, keynum_sk + 8, 64);
	rc = 0;
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(stream, sizeof(stream));
	sodium_memzero(chk, sizeof(chk));
	sodium_memzero(sk2, sizeof(sk2));
	return rc;
}

void
minisign_seckey_wipe(struct minisign_seckey *key)
{
	if (key) {
		sodium_memzero(key, sizeof(*key));
	}
}

static int
sign_hash(const uint8_t hash[crypto_generichash_BYTES_MAX], const char *basename,
	  const struct minisign_seckey *key, const char *trusted_comment, char **sig_text,
	  struct gn_error *err)
{
	char tc[MINISIGN_COMMENT_MAX];
	uint8_t raw[SIG_BYTES];
	uint8_t both[64 + MINISIGN_COMMENT_MAX];
	uint8_t global[64];
	char b64[sodium_base64_ENCODED_LEN(SIG_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char gb64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	struct gn_buf out;
	size_t tc_len;
	int n;

	if (trusted_comment) {
		n = snprintf(tc, sizeof(tc), "%s", trusted_comment);
	} else if (basename && *basename) {
		n = snprintf(tc, sizeof(tc), "timestamp:%lld\tfile:%s\thashed",
			     (long long)time(NULL), basename);
	} else {
		n = snprintf(tc, sizeof(tc), "timestamp:%lld\thashed", (long long)time(NULL));
	}
	if (n < 0 || (size_t)n >= sizeof(tc)) {
		return gn_error_set(err, GN_E_USAGE, "trusted comment longer than %zu bytes",
				    sizeof(tc) - 1);
	}
	tc_len = (size_t)n;
	if (!minisign_comment_printable(tc, tc_len)) {
		return gn_error_set(err, GN_E_USAGE,
				    "trusted comment must be one line without control characters");
	}
	memcpy(raw, "ED", 2);
	memcpy(raw + 2, key->keyid, 8);
	crypto_sign_detached(raw + 10, NULL, hash, crypto_generichash_BYTES_MAX, key->sk);
	memcpy(both, raw + 10, 64);
	memcpy(both + 64, tc, tc_len);
	crypto_sign_detached(global, NULL, both, 64 + tc_len, key->sk);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(gb64, sizeof(gb64), global, sizeof(global),
			  sodium_base64_VARIANT_ORIGINAL);

	gn_buf_init(&out);
	gn_buf_printf(&out, "%s%s\n%s\n%s%s\n%s\n", UNTRUSTED_PREFIX, SIG_COMMENT, b64,
		      TRUSTED_PREFIX, tc, gb64);
	if (out.failed) {
		gn_buf_free(&out);
		return gn_error_set(err, GN_E_NOMEM, "out of memory writing a signature");
	}
	*sig_text = out.data;
	return 0;
}

int
minisign_sign_file(const char *path, const struct minisign_seckey *key, const char *trusted_comment,
		   char **sig_text, struct gn_error *err)
{
	uint8_t hash[crypto_generichash_BYTES_MAX];
	int rc;

	*sig_text = NULL;
	rc = minisign_sodium_ready(err);
	if (rc < 0) {
		return rc;
	}
	if (!path || !key) {
		return gn_error_set(err, GN_E_USAGE, "nothing to sign");
	}
	rc = minisign_hash_file(path, hash, err);
	if (rc < 0) {
		return rc;
	}
	return sign_hash(hash, gn_basename(path), key, trusted_comment, sig_text, err);
}

int
minisign_sign_buffer(const void *data, size_t len, const char *basename,
		     const struct minisign_seckey *key, const char *trusted_comment,
		     char **sig_text, struct gn_error *err)
{
	uint8_t hash[crypto_generichash_BYTES_MAX];
	int rc;

	*sig_text = NULL;
	rc = minisign_sodium_ready(err);
	if (rc < 0) {
		return rc;
	}
	if ((!data && len > 0) || !key) {
		return gn_error_set(err, GN_E_USAGE, "nothing to sign");
	}
	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	return sign_hash(hash, basename, key, trusted_comment, sig_text, err);
}
