/*
 * builder/minisign_verify.c - checking a minisign signature (docs/design.md
 * section 8): the signature's key id against the key, the Ed25519 signature
 * over the file (prehashed: its BLAKE2b-512), the global signature over
 * signature || trusted comment, and the trusted comment's file: field
 * against the file expected.
 */
#include "builder/minisign_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* BLAKE2b-512 of a file, read in chunks, as minisign -H does. */
int
minisign_hash_file(const char *path, uint8_t out[crypto_generichash_BYTES_MAX], struct gn_error *err)
{
	crypto_generichash_state st;
	uint8_t *buf;
	int fd, rc = 0;

	buf = malloc(65536);
	if (!buf) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory hashing %s", path);
	}
	fd = gn_open_regular(path, err);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES_MAX);
	for (;;) {
		ssize_t n = read(fd, buf, 65536);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc =
			    gn_error_set(err, GN_E_IO, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		if (n == 0) {
			break;
		}
		crypto_generichash_update(&st, buf, (unsigned long long)n);
	}
	close(fd);
	if (rc == 0) {
		crypto_generichash_final(&st, out, crypto_generichash_BYTES_MAX);
	}
out:
	free(buf);
	return rc;
}

static const char *
or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* Parse, apply the legacy rule and find the trusted key that made sig. */
static int
verify_prepare(const char *sig_text, size_t sig_len, const char *sig_name, const char *subject,
	       const struct minisign_verify_opts *opts, struct minisign_sig *sig,
	       const struct minisign_pubkey **key, struct gn_error *err)
{
	char got[MINISIGN_KEYID_TEXT];
	char expected[GN_ERR_VALUE];
	size_t used = 0;
	int rc;

	*key = NULL;
	rc = minisign_sodium_ready(err);
	if (rc < 0) {
		return rc;
	}
	if (!opts || !opts->keys || opts->n_keys == 0) {
		return gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				   "no trusted key to verify %s with", subject);
	}
	if (!sig_text || sig_len == 0) {
		return gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				   "missing or empty signature for %s", subject);
	}
	rc = minisign_sig_parse(sig_text, sig_len, sig_name, sig, err);
	if (rc < 0) {
		return rc;
	}
	if (!sig->hashed && !opts->allow_legacy) {
		rc = gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				 "legacy (non-prehashed) signature for %s refused", subject);
		gn_error_values(err, "prehashed (ED)", "legacy (Ed)");
		return rc;
	}
	for (size_t i = 0; i < opts->n_keys; i++) {
		if (memcmp(opts->keys[i].keyid, sig->keyid, 8) == 0) {
			*key = &opts->keys[i];
			return 0;
		}
	}
	expected[0] = '\0';
	for (size_t i = 0; i < opts->n_keys && used < sizeof(expected); i++) {
		char id[MINISIGN_KEYID_TEXT];
		int n;
		minisign_keyid_format(opts->keys[i].keyid, id);
		n = snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? ", " : "", id);
		if (n < 0) {
			break;
		}
		used += (size_t)n;
	}
	minisign_keyid_format(sig->keyid, got);
	rc = gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
			 "%s is signed by key %s, which is not a trusted key", subject, got);
	gn_error_values(err, expected, got);
	return rc;
}

/* Check the "file:<name>" fields of a verified trusted comment. */
static int
check_file_field(const char *tc, const char *sig_name, const char *subject, const char *expect_file,
		 bool require_file, struct gn_error *err)
{
	const char *p = tc;
	bool seen = false;

	if (!expect_file) {
		return 0;
	}
	while (*p) {
		const char *end = strchr(p, '\t');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n >= 5 && memcmp(p, "file:", 5) == 0) {
			const char *name = p + 5;

			seen = true;
			size_t name_len = n - 5;
			if (name_len != strlen(expect_file) ||
			    memcmp(name, expect_file, name_len) != 0) {
				char got[GN_ERR_VALUE];
				int rc;
				snprintf(got, sizeof(got), "%.*s", (int)name_len, name);
				rc = gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
						 "signature was made for file %s, not %s", got,
						 subject);
				gn_error_values(err, expect_file, got);
				return rc;
			}
		}
		if (!end) {
			break;
		}
		p = end + 1;
	}
	if (require_file && !seen) {
		int rc = gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				     "the signature's trusted comment names no file (expected "
				     "file:%s)",
				     expect_file);
		gn_error_values(err, expect_file, "no file: field");
		return rc;
	}
	return 0;
}

static int
verify_finish(const struct minisign_sig *sig, const struct minisign_pubkey *key, const uint8_t *msg,
	      size_t msg_len, const char *sig_name, const char *subject,
	      const struct minisign_verify_opts *opts, uint8_t signer_keyid[8],
	      struct gn_error *err)
{
	uint8_t both[64 + MINISIGN_COMMENT_MAX];
	size_t tc_len = strlen(sig->trusted_comment);
	char id[MINISIGN_KEYID_TEXT];
	int rc;

	minisign_keyid_format(key->keyid, id);
	if (crypto_sign_verify_detached(sig->sig, msg, msg_len, key->pk) != 0) {
		return gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				   "%s signature by key %s does not match %s",
				   sig->hashed ? "prehashed" : "legacy", id, subject);
	}
	memcpy(both, sig->sig, 64);
	memcpy(both + 64, sig->trusted_comment, tc_len);
	if (crypto_sign_verify_detached(sig->global_sig, both, 64 + tc_len, key->pk) != 0) {
		return gn_error_at(err, GN_E_SIGNATURE, sig_name, 0, 0,
				   "trusted comment of the signature for %s does not verify "
				   "with key %s (edited comment?)",
				   subject, id);
	}
	rc = check_file_field(sig->trusted_comment, sig_name, subject, opts->expect_file,
			      opts->require_file, err);
	if (rc < 0) {
		return rc;
	}
	if (signer_keyid) {
		memcpy(signer_keyid, key->keyid, 8);
	}
	return 0;
}

int
minisign_verify_file(const char *path, const char *sig_text, size_t sig_len, const char *sig_name,
		     const struct minisign_verify_opts *opts, uint8_t signer_keyid[8],
		     struct gn_error *err)
{
	const struct minisign_pubkey *key;
	struct minisign_sig sig;
	uint8_t hash[crypto_generichash_BYTES_MAX];
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (!path) {
		return gn_error_set(err, GN_E_USAGE, "no file to verify");
	}
	rc = verify_prepare(sig_text, sig_len, sig_name, path, opts, &sig, &key, err);
	if (rc < 0) {
		return rc;
	}
	if (sig.hashed) {
		rc = minisign_hash_file(path, hash, err);
		if (rc < 0) {
			return rc;
		}
		return verify_finish(&sig, key, hash, sizeof(hash), sig_name, path, opts,
				     signer_keyid, err);
	}
	rc = gn_read_file(path, SIZE_MAX / 2, &data, &len, err);
	if (rc < 0) {
		return rc;
	}
	rc = verify_finish(&sig, key, (const uint8_t *)data, len, sig_name, path, opts,
			   signer_keyid, err);
	free(data);
	return rc;
}

int
minisign_verify_buffer(const void *data, size_t len, const char *sig_text, size_t sig_len,
		       const char *sig_name, const struct minisign_verify_opts *opts,
		       uint8_t signer_keyid[8], struct gn_error *err)
{
	const struct minisign_pubkey *key;
	struct minisign_sig sig;
	uint8_t hash[crypto_generichash_BYTES_MAX];
	const char *subject = or_default(opts ? opts->expect_file : NULL, "data");
	int rc;

	if (!data && len > 0) {
		return gn_error_set(err, GN_E_USAGE, "no data to verify");
	}
	rc = verify_prepare(sig_text, sig_len, sig_name, subject, opts, &sig, &key, err);
	if (rc < 0) {
		return rc;
	}
	if (sig.hashed) {
		crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
		return verify_finish(&sig, key, hash, sizeof(hash), sig_name, subject, opts,
				     signer_keyid, err);
	}
	return verify_finish(&sig, key, data, len, sig_name, subject, opts, signer_keyid, err);
}
