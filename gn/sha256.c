#include "gn/sha256.h"

#include "gn/fs.h"

#include "gn/error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#define GN_SHA256_SMALL (64u << 10)

int
gn_sha256_init(struct gn_sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	h->ctx = NULL;
	if (!ctx) {
		return -GN_E_NOMEM;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -GN_E_NOMEM;
	}
	h->ctx = ctx;
	return 0;
}

void
gn_sha256_update(struct gn_sha256 *h, const void *data, size_t len)
{
	if (h->ctx && len) {
		EVP_DigestUpdate(h->ctx, data, len);
	}
}

void
gn_sha256_final(struct gn_sha256 *h, uint8_t out[GN_SHA256_LEN])
{
	unsigned int n = 0;

	if (!h->ctx) {
		memset(out, 0, GN_SHA256_LEN);
		return;
	}
	EVP_DigestFinal_ex(h->ctx, out, &n);
	gn_sha256_dispose(h);
}

void
gn_sha256_dispose(struct gn_sha256 *h)
{
	if (h->ctx) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
	}
}

void
gn_sha256(const void *data, size_t len, uint8_t out[GN_SHA256_LEN])
{
	unsigned int n = 0;

	/* Small inputs (manifest digests, cache keys) go to libsodium: the
	 * first OpenSSL digest of a process costs about 1 ms of OpenSSL 3
	 * start-up (config file, provider tables), more than hashing 64 KiB in
	 * portable C, and `env` or a warm sync hash nothing larger. */
	if (len <= GN_SHA256_SMALL) {
		crypto_hash_sha256(out, data, len);
		return;
	}
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void
gn_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

bool
gn_is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return i == 64;
}

size_t
gn_hex_lower(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'F') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return i;
		}
		out[i] = c;
	}
	return len;
}

int
gn_sha256_file(const char *path, uint8_t out[GN_SHA256_LEN], struct gn_error *err)
{
	struct gn_sha256 h;
	size_t cap = 1 << 20;
	unsigned char *buf;
	ssize_t n;
	int fd, rc = 0;

	fd = gn_open_regular(path, err);
	if (fd < 0) {
		return fd;
	}
	buf = malloc(cap);
	if (!buf || gn_sha256_init(&h) < 0) {
		free(buf);
		close(fd);
		return gn_error_nomem(err);
	}
	while ((n = read(fd, buf, cap)) != 0) {
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot read %s: %s", path,
					  strerror(errno));
			break;
		}
		gn_sha256_update(&h, buf, (size_t)n);
	}
	if (rc == 0) {
		gn_sha256_final(&h, out);
	} else {
		gn_sha256_dispose(&h);
	}
	free(buf);
	close(fd);
	return rc;
}
