/*
 * builder/minisign.h - minisign (Ed25519) signatures with libsodium
 * (docs/design.md section 8), byte-compatible with jedisct1/minisign.
 *
 * Verification mirrors `minisign -V`: prehashed ("ED", BLAKE2b-512 of the
 * data) and, when allowed, legacy ("Ed", the raw data) signatures; the key
 * id must be one of the trusted keys; the global signature covers the
 * trusted comment.  On top of minisign, a "file:<name>" field in the trusted
 * comment must name the file being checked, so a signature cannot be moved
 * to another file.
 *
 * Signing writes prehashed signatures that `minisign -V -H` accepts, with
 * secret keys made by `minisign -G` (password-protected or -W).
 *
 * Error codes:
 *   GN_E_SIGNATURE  anything wrong with a signature or its check
 *   GN_E_MANIFEST   a public key that cannot be read or parsed
 *   GN_E_USAGE      secret key problems: unreadable format, password
 *                   required, wrong password, bad trusted comment to sign
 *   GN_E_IO         the signed file (or secret key file) cannot be read
 *   GN_E_NOMEM      out of memory
 * All functions call sodium_init() themselves.
 */
#ifndef MINISIGN_H
#define MINISIGN_H

#include "gn/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEYID_TEXT 17 /* 16 uppercase hex + NUL, as minisign prints it */
#define MINISIGN_COMMENT_MAX 1024

struct minisign_pubkey {
	uint8_t keyid[8];
	uint8_t pk[32];
};

/*
 * Parse a public key.  text is either the bare base64 line or the whole
 * .pub file (untrusted comment line + base64 line); surrounding blanks and
 * line ends are ignored.  0, or -GN_E_MANIFEST.
 */
int minisign_pubkey_parse(const char *text, struct minisign_pubkey *out, struct gn_error *err);

/*
 * Read and parse a .pub file.  A relative path is taken relative to base_dir
 * (NULL: the current folder).  0, or -GN_E_MANIFEST naming the file (also
 * when it cannot be read).
 */
int minisign_pubkey_load(const char *path, const char *base_dir, struct minisign_pubkey *out,
			 struct gn_error *err);

/*
 * A key as written in the manifest: the base64 line itself (starts with
 * "RW" and decodes to 42 bytes), else the path of a .pub file relative to
 * manifest_dir.  0, or -GN_E_MANIFEST.
 */
int minisign_pubkey_from_manifest(const char *entry, const char *manifest_dir,
				  struct minisign_pubkey *out, struct gn_error *err);

/* Key id as minisign prints it: the 8 bytes read little-endian, %016"PRIX64". */
void minisign_keyid_format(const uint8_t keyid[8], char out[MINISIGN_KEYID_TEXT]);

struct minisign_sig {
	bool hashed; /* "ED" (true) or legacy "Ed" */
	uint8_t keyid[8];
	uint8_t sig[64];
	char trusted_comment[MINISIGN_COMMENT_MAX]; /* without prefix and line end */
	uint8_t global_sig[64];
};

/*
 * Parse a .minisig text (data need not be NUL-terminated).  Only the syntax
 * is checked, nothing is verified.  name_for_errors (may be NULL) goes into
 * err->file with the line number.  0, or -GN_E_SIGNATURE.
 */
int minisign_sig_parse(const char *data, size_t len, const char *name_for_errors,
		       struct minisign_sig *out, struct gn_error *err);

struct minisign_verify_opts {
	const struct minisign_pubkey *keys; /* trusted keys */
	size_t n_keys;
	bool allow_legacy; /* accept "Ed" signatures over the raw data */
	/* basename that a trusted comment "file:<name>" must equal, or NULL */
	const char *expect_file;
	/* the trusted comment must carry that "file:" field (Zig's always do) */
	bool require_file;
};

/*
 * Verify the file at path against the signature text sig_text/sig_len.
 * Prehashed signatures stream the file through BLAKE2b-512; legacy ones
 * read it whole.  sig_name (may be NULL) names the signature in errors.
 * On success writes the signer's key id into signer_keyid (may be NULL).
 * 0, -GN_E_SIGNATURE (with expected/got key ids where they apply), -GN_E_IO
 * when the file cannot be read, -GN_E_NOMEM.
 */
int minisign_verify_file(const char *path, const char *sig_text, size_t sig_len,
			 const char *sig_name, const struct minisign_verify_opts *opts,
			 uint8_t signer_keyid[8], struct gn_error *err);

/* Same for bytes in memory (the release index). */
int minisign_verify_buffer(const void *data, size_t len, const char *sig_text, size_t sig_len,
			   const char *sig_name, const struct minisign_verify_opts *opts,
			   uint8_t signer_keyid[8], struct gn_error *err);

struct minisign_seckey {
	uint8_t keyid[8];
	uint8_t sk[64]; /* libsodium Ed25519 secret key: seed || public key */
};

/*
 * Load a minisign secret key file: unencrypted (`minisign -G -W`) or
 * password-protected (scrypt, with the cost stored in the file).  password
 * is ignored for unencrypted keys; NULL for an encrypted one ->
 * -GN_E_USAGE "password required".  A wrong password or a damaged key ->
 * -GN_E_USAGE; unreadable file -> -GN_E_IO.  Wipe *out with
 * minisign_seckey_wipe() when done.
 */
int minisign_seckey_load(const char *path, const char *password, struct minisign_seckey *out,
			 struct gn_error *err);

/* True when path is a minisign secret key protected by a password; false
 * for unencrypted keys and for anything unreadable (load reports why). */
bool minisign_seckey_encrypted(const char *path);

/*
 * Sign the file at path, prehashed ("ED").  The result is a complete
 * .minisig text with the untrusted comment "signature from gonative secret
 * key" and the given trusted comment (NULL: "timestamp:<unix>\tfile:
 * <basename>\thashed").  *sig_text is malloc'd; the caller frees it.
 * 0, -GN_E_USAGE (trusted comment with a line break or too long), -GN_E_IO,
 * -GN_E_NOMEM.
 */
int minisign_sign_file(const char *path, const struct minisign_seckey *key,
		       const char *trusted_comment, char **sig_text, struct gn_error *err);

/* Same for bytes in memory; basename (may be NULL) goes into the default
 * trusted comment. */
int minisign_sign_buffer(const void *data, size_t len, const char *basename,
			 const struct minisign_seckey *key, const char *trusted_comment,
			 char **sig_text, struct gn_error *err);

/* Zero the secret key (sodium_memzero). */
void minisign_seckey_wipe(struct minisign_seckey *key);

#endif
