/*
 * gn/sha256.h - SHA-256 through OpenSSL's libcrypto (hardware accelerated),
 * plus hex helpers.  A context owns an EVP_MD_CTX: pair gn_sha256_init()
 * with gn_sha256_final() or gn_sha256_dispose().
 */
#ifndef GN_SHA256_H
#define GN_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GN_SHA256_LEN 32
#define GN_SHA256_HEX 65 /* 64 hex digits + NUL */

struct gn_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/* 0, or -GN_E_NOMEM. */
int gn_sha256_init(struct gn_sha256 *h);
void gn_sha256_update(struct gn_sha256 *h, const void *data, size_t len);
/* Writes the digest and releases the context. */
void gn_sha256_final(struct gn_sha256 *h, uint8_t out[GN_SHA256_LEN]);
/* Releases the context without a digest (error paths); safe twice. */
void gn_sha256_dispose(struct gn_sha256 *h);
/* One shot. */
void gn_sha256(const void *data, size_t len, uint8_t out[GN_SHA256_LEN]);

/* SHA-256 of a file, read in chunks.  0, or -GN_E_IO (err may be NULL). */
struct gn_error;
int gn_sha256_file(const char *path, uint8_t out[GN_SHA256_LEN], struct gn_error *err);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void gn_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* True when s is exactly 64 lowercase hex digits. */
bool gn_is_sha256_hex(const char *s);
/* Copies s[0..len) to out with A-F lowered (out gets no NUL), up to the
 * first byte that is not a hex digit: its index, or len when all are. */
size_t gn_hex_lower(const char *s, size_t len, char *out);

#endif
