#include "builder/note.h"

#include "gn/fs.h"
#include "gn/sha256.h"
#include "gn/utf8.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ALG_ED25519 1
#define MAX_SIGNATURES 100
/* "— ": U+2014 EM DASH and a space. */
static const char sig_prefix[] = "\xe2\x80\x94 ";

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* x/mod keyHash: SHA-256(name "\n" 0x01 pubkey)[:4], big-endian. */
static uint32_t
key_hash(const char *name, size_t name_len, const uint8_t key[33])
{
	uint8_t buf[NOTE_NAME_MAX + 1 + 33], sum[GN_SHA256_LEN];

	memcpy(buf, name, name_len);
	buf[name_len] = '\n';
	memcpy(buf + name_len + 1, key, 33);
	gn_sha256(buf, name_len + 1 + 33, sum);
	return be32(sum);
}

/* x/mod isValidName: non-empty, no space, no '+', UTF-8. */
static bool
valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= NOTE_NAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '+' || c == 0x7f) {
			return false;
		}
	}
	return true;
}

static bool
decode_base64(const char *s, size_t len, uint8_t *out, size_t cap, size_t *got)
{
	const char *end = NULL;

	if (sodium_base642bin(out, cap, s, len, NULL, got, &end, sodium_base64_VARIANT_ORIGINAL) !=
	    0) {
		return false;
	}
	return end == s + len;
}

int
note_verifier_parse(const char *vkey, size_t len, struct note_verifier *out, struct gn_error *err)
{
	const char *plus1 = memchr(vkey, '+', len), *plus2;
	uint8_t key[64];
	char hex[9];
	size_t got = 0, name_len;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0) {
		return gn_error_set(err, GN_E_IO, "cannot initialise libsodium");
	}
	plus2 = plus1 ? memchr(plus1 + 1, '+', len - (size_t)(plus1 + 1 - vkey)) : NULL;
	if (!plus2 || plus2 - plus1 != 9) {
		return gn_error_set(err, GN_E_USAGE,
				    "not a checksum database key: expected "
				    "<name>+<8 hex digits>+<base64 key>");
	}
	name_len = (size_t)(plus1 - vkey);
	if (!valid_name(vkey, name_len)) {
		return gn_error_set(err, GN_E_USAGE, "checksum database key: bad name \"%.*s\"",
				    (int)(name_len > 64 ? 64 : name_len), vkey);
	}
	memcpy(hex, plus1 + 1, 8);
	hex[8] = '\0';
	for (int i = 0; i < 8; i++) {
		if (!strchr("0123456789abcdef", hex[i])) {
			return gn_error_set(err, GN_E_USAGE,
					    "checksum database key: the key hash \"%s\" is not 8 "
					    "lowercase hex digits",
					    hex);
		}
	}
	if (!decode_base64(plus2 + 1, len - (size_t)(plus2 + 1 - vkey), key, sizeof(key), &got) ||
	    got != 33 || key[0] != ALG_ED25519) {
		return gn_error_set(err, GN_E_USAGE,
				    "checksum database key: the key is not base64 of an Ed25519 "
				    "public key (0x01 and 32 bytes)");
	}
	memcpy(out->name, vkey, name_len);
	out->name[name_len] = '\0';
	out->hash = key_hash(vkey, name_len, key);
	memcpy(out->pub, key + 1, 32);
	if (strtoul(hex, NULL, 16) != out->hash) {
		char want[16];

		snprintf(want, sizeof(want), "%08x", out->hash);
		int rc = gn_error_set(err, GN_E_USAGE,
				      "checksum database key: the key hash does not match the "
				      "name and key");
		gn_error_values(err, want, hex);
		return rc;
	}
	return 0;
}

/* Only '\n' among the control characters, and valid UTF-8 throughout. */
static bool
valid_text(const char *msg, size_t len)
{
	char *copy = malloc(len + 1);
	bool ok = copy != NULL;

	if (!copy) {
		return false;
	}
	memcpy(copy, msg, len);
	copy[len] = '\0';
	for (size_t i = 0; ok && i < len;) {
		unsigned char c = (unsigned char)copy[i];
		uint32_t cp;
		size_t n;

		if (c < 0x80) {
			ok = (c >= 0x20 && c != 0x7f) || c == '\n';
			i++;
			continue;
		}
		n = gn_utf8_decode((const unsigned char *)copy + i, &cp);
		ok = n > 0 && !(cp >= 0x80 && cp < 0xa0);
		i += n ? n : 1;
	}
	free(copy);
	return ok;
}

/* What the signature lines said about the verifier's key. */
struct note_sigs {
	bool found, bad;
	char others[256]; /* the other signers, for the message */
};

/* One "— <name> <base64>" line (p up to nl), checked against v over the
 * text msg[0, split). */
static int
read_signature(const char *p, const char *nl, const char *msg, size_t split,
	       const struct note_verifier *v, struct note_sigs *sigs, struct gn_error *err)
{
	size_t prefix_len = sizeof(sig_prefix) - 1, got = 0;
	const char *name, *space, *b64;
	uint8_t sig[128];

	if ((size_t)(nl - p) < prefix_len || memcmp(p, sig_prefix, prefix_len) != 0) {
		return gn_error_set(err, GN_E_INTEGRITY, "malformed signed note (bad signature line)");
	}
	name = p + prefix_len;
	space = memchr(name, ' ', (size_t)(nl - name));
	if (!space || !valid_name(name, (size_t)(space - name))) {
		return gn_error_set(err, GN_E_INTEGRITY, "malformed signed note (bad signer name)");
	}
	b64 = space + 1;
	if (!decode_base64(b64, (size_t)(nl - b64), sig, sizeof(sig), &got) || got < 5) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "malformed signed note (signature is not base64)");
	}
	if ((size_t)(space - name) == strlen(v->name) &&
	    memcmp(name, v->name, (size_t)(space - name)) == 0 && be32(sig) == v->hash) {
		if (got == 68 &&
		    crypto_sign_verify_detached(sig + 4, (const uint8_t *)msg, split, v->pub) == 0) {
			sigs->found = true;
		} else {
			sigs->bad = true;
		}
	} else if (strlen(sigs->others) < sizeof(sigs->others) - 80) {
		size_t o = strlen(sigs->others);

		gn_text(sigs->others + o, sizeof(sigs->others) - o, "%s%.*s (key hash %08x)",
			 o ? ", " : "", (int)((space - name) > 60 ? 60 : (space - name)), name,
			 be32(sig));
	}
	return 0;
}

/* Split at the last blank line: the text keeps its final '\n'.  0: none. */
static size_t
note_split(const char *msg, size_t len)
{
	for (size_t i = len - 1; i > 0; i--) {
		if (msg[i - 1] == '\n' && msg[i] == '\n') {
			return i;
		}
	}
	return 0;
}

int
note_open(const char *msg, size_t len, const struct note_verifier *v, size_t *text_len,
	  struct gn_error *err)
{
	struct note_sigs sigs = {0};
	const char *p, *end = msg + len;
	size_t split, n_sigs = 0;
	int rc;

	if (sodium_init() < 0) {
		return gn_error_set(err, GN_E_IO, "cannot initialise libsodium");
	}
	if (len == 0 || msg[len - 1] != '\n' || !valid_text(msg, len)) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "malformed signed note (not UTF-8 text ending in a newline)");
	}
	if ((split = note_split(msg, len)) == 0) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "malformed signed note (no blank line before the signatures)");
	}
	for (p = msg + split + 1; p < end; n_sigs++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (n_sigs >= MAX_SIGNATURES || !nl) {
			return gn_error_set(err, GN_E_INTEGRITY,
					    "malformed signed note (bad signature line)");
		}
		if ((rc = read_signature(p, nl, msg, split, v, &sigs, err)) < 0) {
			return rc;
		}
		p = nl + 1;
	}
	if (sigs.bad) {
		/* x/mod refuses a note with any bad signature by a known key. */
		return gn_error_set(err, GN_E_SIGNATURE,
				    "the signed tree head's signature by %s (key hash %08x) does "
				    "not verify",
				    v->name, v->hash);
	}
	if (!sigs.found) {
		char want[NOTE_NAME_MAX + 32];

		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "the signed tree head is not signed by the configured key");
		snprintf(want, sizeof(want), "%s (key hash %08x)", v->name, v->hash);
		gn_error_values(err, want, sigs.others[0] ? sigs.others : "no signature");
		return rc;
	}
	*text_len = split;
	return 0;
}
