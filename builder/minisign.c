/*
 * builder/minisign.c - minisign signatures (docs/design.md section 8).
 *
 * Parsing signatures and public keys.  Layouts follow jedisct1/minisign: a
 * public key is "Ed" || keyid[8] || pk[32]; a signature line is alg[2] ||
 * keyid[8] || sig[64].  Checking a signature is builder/minisign_verify.c;
 * secret keys and signing are builder/minisign_sign.c.
 */
#include "builder/minisign_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
minisign_sodium_ready(struct gn_error *err)
{
	if (sodium_init() < 0) {
		return gn_error_set(err, GN_E_IO, "cannot initialise libsodium");
	}
	return 0;
}

void
minisign_keyid_format(const uint8_t keyid[8], char out[MINISIGN_KEYID_TEXT])
{
	snprintf(out, MINISIGN_KEYID_TEXT, "%016" PRIX64, minisign_le64_load(keyid));
}

static bool
has_prefix(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && memcmp(l->s, prefix, n) == 0;
}

/*
 * Cut the next line out of data[*pos..len).  "\r\n" ends a line like "\n";
 * a lone "\r" or a NUL inside is an error (1), as minisign's trim() would
 * silently cut the line there.  Returns -1 at the end of data.
 */
int
minisign_next_line(const char *data, size_t len, size_t *pos, struct line *out)
{
	const char *start, *nl;
	size_t n;

	if (*pos >= len) {
		return -1;
	}
	start = data + *pos;
	nl = memchr(start, '\n', len - *pos);
	n = nl ? (size_t)(nl - start) : len - *pos;
	*pos += nl ? n + 1 : n;
	if (n > 0 && start[n - 1] == '\r') {
		n--;
	}
	out->s = start;
	out->len = n;
	if (memchr(start, '\r', n) || memchr(start, '\0', n)) {
		return 1;
	}
	return 0;
}

bool
minisign_b64_exact(const struct line *l, uint8_t *bin, size_t want)
{
	size_t got = 0;

	if (l->len == 0) {
		return false;
	}
	if (sodium_base642bin(bin, want, l->s, l->len, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		return false;
	}
	return got == want;
}

/* Printable: tab, space and up, except DEL; bytes >= 0x80 are UTF-8. */
bool
minisign_comment_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return false;
		}
	}
	return true;
}

int
minisign_sig_parse(const char *data, size_t len, const char *name_for_errors,
		   struct minisign_sig *out, struct gn_error *err)
{
	static const char *what[4] = {"untrusted comment", "signature", "trusted comment",
				      "trusted comment signature"};
	const char *name = name_for_errors ? name_for_errors : "";
	struct line lines[4];
	uint8_t raw[SIG_BYTES];
	size_t pos = 0;
	const char *tc;
	size_t tc_len;

	memset(out, 0, sizeof(*out));
	if (!data || len == 0) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 0, 0, "empty signature");
	}
	for (int i = 0; i < 4; i++) {
		int rc = minisign_next_line(data, len, &pos, &lines[i]);
		if (rc < 0) {
			return gn_error_at(err, GN_E_SIGNATURE, name, i + 1, 0,
					   "truncated signature: %s line missing", what[i]);
		}
		if (rc > 0) {
			return gn_error_at(err, GN_E_SIGNATURE, name, i + 1, 0,
					   "stray carriage return or NUL byte in the %s line",
					   what[i]);
		}
	}
	if (!has_prefix(&lines[0], UNTRUSTED_PREFIX)) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 1, 1,
				   "not a minisign signature: line 1 must start with \"%s\"",
				   UNTRUSTED_PREFIX);
	}
	if (!minisign_b64_exact(&lines[1], raw, sizeof(raw))) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 2, 1,
				   "signature line is not base64 of %d bytes", SIG_BYTES);
	}
	if (memcmp(raw, "ED", 2) == 0) {
		out->hashed = true;
	} else if (memcmp(raw, "Ed", 2) == 0) {
		out->hashed = false;
	} else {
		return gn_error_at(err, GN_E_SIGNATURE, name, 2, 1,
				   "unsupported signature algorithm (0x%02x 0x%02x)", raw[0],
				   raw[1]);
	}
	memcpy(out->keyid, raw + 2, 8);
	memcpy(out->sig, raw + 10, 64);
	if (!has_prefix(&lines[2], TRUSTED_PREFIX)) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 3, 1, "line 3 must start with \"%s\"",
				   TRUSTED_PREFIX);
	}
	tc = lines[2].s + strlen(TRUSTED_PREFIX);
	tc_len = lines[2].len - strlen(TRUSTED_PREFIX);
	if (tc_len >= sizeof(out->trusted_comment)) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 3, 0,
				   "trusted comment longer than %zu bytes",
				   sizeof(out->trusted_comment) - 1);
	}
	if (!minisign_comment_printable(tc, tc_len)) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 3, 0,
				   "control character in the trusted comment");
	}
	memcpy(out->trusted_comment, tc, tc_len);
	out->trusted_comment[tc_len] = '\0';
	if (!minisign_b64_exact(&lines[3], out->global_sig, sizeof(out->global_sig))) {
		return gn_error_at(err, GN_E_SIGNATURE, name, 4, 1,
				   "trusted comment signature is not base64 of 64 bytes");
	}
	return 0;
}

static int
pubkey_decode(const struct line *l, struct minisign_pubkey *out)
{
	uint8_t raw[PUBKEY_BYTES];

	if (!minisign_b64_exact(l, raw, sizeof(raw))) {
		return -1;
	}
	if (memcmp(raw, "Ed", 2) != 0) {
		return -2;
	}
	memcpy(out->keyid, raw + 2, 8);
	memcpy(out->pk, raw + 10, 32);
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
minisign_pubkey_parse(const char *text, struct minisign_pubkey *out, struct gn_error *err)
{
	struct line l;
	const char *p, *end;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text) {
		return gn_error_set(err, GN_E_MANIFEST, "missing minisign public key");
	}
	p = text;
	while (is_blank(*p)) {
		p++;
	}
	if (strncmp(p, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX)) == 0) {
		p = strchr(p, '\n');
		if (!p) {
			return gn_error_set(err, GN_E_MANIFEST,
					    "minisign public key file has no key line");
		}
		while (is_blank(*p)) {
			p++;
		}
	}
	end = p;
	while (*end && *end != '\n') {
		end++;
	}
	l.s = p;
	l.len = (size_t)(end - p);
	while (l.len > 0 && is_blank(l.s[l.len - 1])) {
		l.len--;
	}
	/* Anything after the key line is a second key or garbage. */
	while (is_blank(*end)) {
		end++;
	}
	if (*end) {
		return gn_error_set(err, GN_E_MANIFEST,
				    "unexpected text after the minisign public key");
	}
	if (l.len == 0) {
		return gn_error_set(err, GN_E_MANIFEST, "empty minisign public key");
	}
	rc = pubkey_decode(&l, out);
	if (rc == -1) {
		return gn_error_set(err, GN_E_MANIFEST,
				    "invalid minisign public key: not base64 of %d bytes",
				    PUBKEY_BYTES);
	}
	if (rc == -2) {
		return gn_error_set(err, GN_E_MANIFEST,
				    "unsupported minisign public key algorithm");
	}
	return 0;
}

int
minisign_pubkey_load(const char *path, const char *base_dir, struct minisign_pubkey *out,
		     struct gn_error *err)
{
	char full[4096];
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path || !*path) {
		return gn_error_set(err, GN_E_MANIFEST, "empty minisign public key path");
	}
	if (base_dir && *base_dir) {
		if (!gn_path_join(full, sizeof(full), base_dir, path)) {
			return gn_error_set(err, GN_E_MANIFEST, "key path too long: %s", path);
		}
	} else {
		if ((size_t)snprintf(full, sizeof(full), "%s", path) >= sizeof(full)) {
			return gn_error_set(err, GN_E_MANIFEST, "key path too long: %s", path);
		}
	}
	rc = gn_read_file(full, KEY_FILE_MAX, &data, &len, err);
	if (rc < 0) {
		/* A key the manifest names but we cannot read is a manifest problem. */
		if (gn_code_of(rc) == GN_E_NOMEM) {
			return rc;
		}
		char why[GN_ERR_TEXT];

		/* Cut to fit on purpose: it goes into a message of that size. */
		snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1,
			 err ? err->message : full);
		rc = gn_error_set(err, GN_E_MANIFEST, "cannot read minisign public key: %s", why);
		gn_error_file(err, full);
		return rc;
	}
	if (strlen(data) != len) {
		rc = gn_error_set(err, GN_E_MANIFEST, "NUL byte in minisign public key file");
	} else {
		rc = minisign_pubkey_parse(data, out, err);
	}
	free(data);
	if (rc < 0) {
		gn_error_file(err, full);
	}
	return rc;
}

int
minisign_pubkey_from_manifest(const char *entry, const char *manifest_dir,
			      struct minisign_pubkey *out, struct gn_error *err)
{
	struct line l;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!entry || !*entry) {
		return gn_error_set(err, GN_E_MANIFEST, "empty signature key");
	}
	l.s = entry;
	l.len = strlen(entry);
	if (strncmp(entry, "RW", 2) == 0 && pubkey_decode(&l, out) == 0) {
		return 0;
	}
	rc = minisign_pubkey_load(entry, manifest_dir, out, err);
	if (rc < 0 && strncmp(entry, "RW", 2) == 0 && !strchr(entry, '/') &&
	    gn_code_of(rc) != GN_E_NOMEM) {
		rc = gn_error_set(err, GN_E_MANIFEST,
				  "invalid minisign public key %s (not base64 of an Ed25519 key, "
				  "nor a readable key file)",
				  entry);
	}
	return rc;
}
