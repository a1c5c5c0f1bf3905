/*
 * tests/minisign/test_minisign.c - builder/minisign.c on its own: parsing,
 * key ids, and sign/verify round trips with keys made by libsodium.
 * Interop with the real minisign binary is interop.py's job.
 */
#include "builder/minisign.h"
#include "gn/fs.h"

#include "tap.h"

#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

/* minisign's documented example key. */
#define EXAMPLE_PUB "RWTXBwD1kcmGiHGp0iEbfm9hvyi+ixqJ6WNFJei5w/r+yZjHZG2Fky9Z"
#define EXAMPLE_ID "8886C991F50007D7"

/* corpus/ holds signatures made by minisign 0.11 over CORPUS_DATA with this key. */
#define CORPUS_PUB "RWT3rvl46Hv/4S2qId6zZNF8lS3Pg9pUwk9hAWMx+QDwxnsHmMstRL/2"
#define CORPUS_DATA "corpus sample\n"

static char tmpdir[] = "/tmp/gn-minisign-XXXXXX";

static void
make_key(struct minisign_seckey *sk, struct minisign_pubkey *pk)
{
	crypto_sign_keypair(pk->pk, sk->sk);
	randombytes_buf(sk->keyid, 8);
	memcpy(pk->keyid, sk->keyid, 8);
}

static int
code(int rc)
{
	return (int)gn_code_of(rc);
}

/* Replace the first occurrence of from (same length) in s. */
static void
patch(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);

	if (p) {
		memcpy(p, to, strlen(to));
	}
}

static void
test_keyids(void)
{
	static const uint8_t id[8] = {0xd7, 0x07, 0x00, 0xf5, 0x91, 0xc9, 0x86, 0x88};
	struct minisign_pubkey pk;
	struct gn_error err;
	char text[MINISIGN_KEYID_TEXT];
	int rc;

	minisign_keyid_format(id, text);
	TAP_EQ_STR(text, EXAMPLE_ID, "key id prints little-endian, uppercase, 16 digits");

	gn_error_clear(&err);
	rc = minisign_pubkey_parse(EXAMPLE_PUB, &pk, &err);
	minisign_keyid_format(pk.keyid, text);
	TAP_OK(rc == 0 && strcmp(text, EXAMPLE_ID) == 0, "bare base64 public key: %s", text);

	rc = minisign_pubkey_parse("untrusted comment: minisign public key " EXAMPLE_ID
				   "\r\n" EXAMPLE_PUB "\r\n",
				   &pk, &err);
	minisign_keyid_format(pk.keyid, text);
	TAP_OK(rc == 0 && strcmp(text, EXAMPLE_ID) == 0, "whole .pub file with CRLF");

	rc = minisign_pubkey_parse("  " EXAMPLE_PUB "\n\n", &pk, &err);
	TAP_EQ_INT(rc, 0, "blanks around the key are fine");

	rc = minisign_pubkey_parse(EXAMPLE_PUB "\n" EXAMPLE_PUB "\n", &pk, &err);
	TAP_EQ_INT(code(rc), GN_E_MANIFEST, "two keys in one text refused");
	rc = minisign_pubkey_parse("RWTXBwD1kcmGiHGp0iEbfm9hvyi+ixqJ6WNFJei5w/r+yZjHZG2Fky9", &pk,
				   &err);
	TAP_EQ_INT(code(rc), GN_E_MANIFEST, "short key refused");
	/* "Xd" instead of "Ed": base64 of 42 bytes, wrong algorithm. */
	rc = minisign_pubkey_parse("WGTXBwD1kcmGiHGp0iEbfm9hvyi+ixqJ6WNFJei5w/r+yZjHZG2Fky9Z", &pk,
				   &err);
	TAP_OK(code(rc) == GN_E_MANIFEST && strstr(err.message, "algorithm"),
	       "wrong key algorithm refused: %s", err.message);
	rc = minisign_pubkey_parse("untrusted comment: only a comment", &pk, &err);
	TAP_EQ_INT(code(rc), GN_E_MANIFEST, "comment without key line refused");
	rc = minisign_pubkey_parse("", &pk, &err);
	TAP_EQ_INT(code(rc), GN_E_MANIFEST, "empty key refused");
}

static void
test_manifest_keys(void)
{
	struct minisign_pubkey pk;
	struct gn_error err;
	char path[512], text[MINISIGN_KEYID_TEXT];
	const char *pub =
	    "untrusted comment: minisign public key " EXAMPLE_ID "\n" EXAMPLE_PUB "\n";
	int rc;

	gn_error_clear(&err);
	rc = minisign_pubkey_from_manifest(EXAMPLE_PUB, tmpdir, &pk, &err);
	minisign_keyid_format(pk.keyid, text);
	TAP_OK(rc == 0 && strcmp(text, EXAMPLE_ID) == 0, "manifest key inline");

	snprintf(path, sizeof(path), "%s/RWkey.pub", tmpdir);
	rc = gn_write_file_atomic(path, pub, strlen(pub), 0644, &err);
	TAP_EQ_INT(rc, 0, "write key file");
	rc = minisign_pubkey_from_manifest("RWkey.pub", tmpdir, &pk, &err);
	minisign_keyid_format(pk.keyid, text);
	TAP_OK(rc == 0 && strcmp(text, EXAMPLE_ID) == 0,
	       "manifest key as a relative path starting with RW");
	rc = minisign_pubkey_from_manifest(path, "/nonexistent", &pk, &err);
	TAP_EQ_INT(rc, 0, "absolute key path ignores the manifest folder");
	rc = minisign_pubkey_load("RWkey.pub", tmpdir, &pk, &err);
	TAP_EQ_INT(rc, 0, "pubkey_load relative to base_dir");

	rc = minisign_pubkey_from_manifest("RWTnotakey", tmpdir, &pk, &err);
	TAP_OK(code(rc) == GN_E_MANIFEST && strstr(err.message, "RWTnotakey"), "bad inline key: %s",
	       err.message);
	rc = minisign_pubkey_from_manifest("keys/missing.pub", tmpdir, &pk, &err);
	TAP_OK(code(rc) == GN_E_MANIFEST && strstr(err.file, "missing.pub"),
	       "missing key file names it: %s", err.file);
}

static void
test_parse(void)
{
	struct minisign_seckey sk;
	struct minisign_pubkey pk;
	struct minisign_sig sig;
	struct gn_error err;
	char *text = NULL;
	char buf[4096];
	int rc;

	gn_error_clear(&err);
	make_key(&sk, &pk);
	rc = minisign_sign_buffer("x", 1, "x.txt", &sk, "hello\tfile:x.txt", &text, &err);
	TAP_EQ_INT(rc, 0, "sign a buffer");
	if (!text) {
		return;
	}
	rc = minisign_sig_parse(text, strlen(text), "x.minisig", &sig, &err);
	TAP_OK(rc == 0 && sig.hashed && memcmp(sig.keyid, sk.keyid, 8) == 0 &&
		   strcmp(sig.trusted_comment, "hello\tfile:x.txt") == 0,
	       "parse our own signature");
	TAP_OK(strncmp(text, "untrusted comment: signature from gonative secret key\n", 54) == 0,
	       "untrusted comment names gonative");
	rc = minisign_sig_parse(text, strlen(text) - 1, "x.minisig", &sig, &err);
	TAP_EQ_INT(rc, 0, "no newline after line 4 is fine");

	rc = minisign_sig_parse(text, 0, "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strcmp(err.file, "x.minisig") == 0, "empty");
	rc = minisign_sig_parse(text, (size_t)(strchr(text, '\n') - text) + 1, "x.minisig", &sig,
				&err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 2, "one line only -> line 2 missing");

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "untrusted", "Untrusted");
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 1, "bad line 1 prefix");

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "trusted comment: hello", "trusted_comment: hello");
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 3, "bad line 3 prefix");

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "\nRU", "\nRV"); /* second byte is no longer "D" */
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 2 && strstr(err.message, "algorithm"),
	       "unsupported algorithm: %s", err.message);

	snprintf(buf, sizeof(buf), "%s", text);
	buf[strlen(buf) - 2] = '\n'; /* line 4 ends "==": drop one */
	buf[strlen(buf) - 1] = '\0';
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 4, "padding missing on line 4");

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "hello", "he\x01lo");
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 3, "control character in comment");

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "hello", "he\rlo");
	rc = minisign_sig_parse(buf, strlen(buf), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 3, "lone CR in line 3");

	memcpy(buf, text, strlen(text) + 1);
	buf[60] = '\0';
	rc = minisign_sig_parse(buf, strlen(text), "x.minisig", &sig, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 2, "NUL byte inside refused");

	{
		/* A 1100-byte trusted comment does not fit the 1024-byte field. */
		char *big = malloc(2000);
		const char *l3 = strstr(text, "\ntrusted comment: ") + 1;
		size_t head = (size_t)(l3 - text) + strlen("trusted comment: ");
		memcpy(big, text, head);
		memset(big + head, 'a', 1100);
		snprintf(big + head + 1100, 2000 - head - 1100, "%s", strchr(l3, '\n'));
		rc = minisign_sig_parse(big, strlen(big), "x.minisig", &sig, &err);
		TAP_OK(code(rc) == GN_E_SIGNATURE && err.line == 3, "over-long trusted comment");
		free(big);
	}
	free(text);

	rc = minisign_sign_buffer("x", 1, "x.txt", &sk, "one\ntwo", &text, &err);
	TAP_OK(code(rc) == GN_E_USAGE && text == NULL, "sign refuses a comment with a newline");
	minisign_seckey_wipe(&sk);
	TAP_OK(sodium_is_zero(sk.sk, 64) && sodium_is_zero(sk.keyid, 8), "wipe zeroes the key");
}

/* A legacy ("Ed") signature, built by hand as minisign -S -l does. */
static char *
legacy_sig(const struct minisign_seckey *sk, const void *data, size_t len, const char *tc)
{
	uint8_t raw[74], both[64 + 256], global[64];
	char b1[101], b2[89];
	char *out = malloc(1024);

	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, sk->keyid, 8);
	crypto_sign_detached(raw + 10, NULL, data, len, sk->sk);
	memcpy(both, raw + 10, 64);
	memcpy(both + 64, tc, strlen(tc));
	crypto_sign_detached(global, NULL, both, 64 + strlen(tc), sk->sk);
	sodium_bin2base64(b1, sizeof(b1), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof(b2), global, sizeof(global), sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, 1024, "untrusted comment: x\n%s\ntrusted comment: %s\n%s\n", b1, tc, b2);
	return out;
}

static void
test_roundtrip(void)
{
	static const char data[] = "{\"version\": \"go1.21.5\"}";
	struct minisign_seckey sk1, sk2;
	struct minisign_pubkey keys[3];
	struct minisign_verify_opts opts = {.keys = keys, .n_keys = 3, .allow_legacy = false};
	struct gn_error err;
	uint8_t signer[8];
	char *text = NULL, *leg;
	char path[512], buf[4096], id1[MINISIGN_KEYID_TEXT];
	size_t len = strlen(data);
	int rc;

	gn_error_clear(&err);
	make_key(&sk1, &keys[1]);
	make_key(&sk2, &keys[2]);
	make_key(&(struct minisign_seckey){0}, &keys[0]);
	minisign_keyid_format(sk1.keyid, id1);

	rc = minisign_sign_buffer(data, len, "index.json", &sk1, NULL, &text, &err);
	TAP_EQ_INT(rc, 0, "sign index with default comment");
	if (!text) {
		return;
	}
	TAP_OK(strstr(text, "\tfile:index.json\thashed\n") != NULL,
	       "default comment names the file");
	memset(signer, 0, sizeof(signer));
	rc = minisign_verify_buffer(data, len, text, strlen(text), "index.minisig", &opts, signer,
				    &err);
	TAP_OK(rc == 0 && memcmp(signer, sk1.keyid, 8) == 0, "verify with 3 keys finds signer 2nd");

	opts.expect_file = "index.json";
	rc = minisign_verify_buffer(data, len, text, strlen(text), "index.minisig", &opts, NULL,
				    &err);
	TAP_EQ_INT(rc, 0, "file: field matches expect_file");
	opts.expect_file = "other.json";
	rc = minisign_verify_buffer(data, len, text, strlen(text), "index.minisig", &opts, NULL,
				    &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strcmp(err.expected, "other.json") == 0 &&
		   strcmp(err.got, "index.json") == 0 && strcmp(err.file, "index.minisig") == 0,
	       "file: field differs -> expected/got");
	opts.expect_file = NULL;

	rc = minisign_verify_buffer(data, len - 1, text, strlen(text), "index.minisig", &opts, NULL,
				    &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strstr(err.message, "does not match"),
	       "other bytes: %s", err.message);

	snprintf(buf, sizeof(buf), "%s", text);
	patch(buf, "file:index", "file:indey");
	rc =
	    minisign_verify_buffer(data, len, buf, strlen(buf), "index.minisig", &opts, NULL, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strstr(err.message, "trusted comment"),
	       "edited comment: %s", err.message);

	opts.n_keys = 1;
	rc = minisign_verify_buffer(data, len, text, strlen(text), "index.minisig", &opts, NULL,
				    &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strcmp(err.got, id1) == 0 &&
		   strlen(err.expected) == 16,
	       "untrusted key: expected %s got %s", err.expected, err.got);
	opts.n_keys = 0;
	rc = minisign_verify_buffer(data, len, text, strlen(text), "index.minisig", &opts, NULL,
				    &err);
	TAP_EQ_INT(code(rc), GN_E_SIGNATURE, "no trusted keys at all");
	opts.n_keys = 3;
	rc = minisign_verify_buffer(data, len, NULL, 0, "index.minisig", &opts, NULL, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strstr(err.message, "missing"), "missing signature");

	/* A key id forged onto another key's signature still fails. */
	snprintf(buf, sizeof(buf), "%s", text);
	memcpy(keys[2].keyid, sk1.keyid, 8);
	memcpy(keys[1].keyid, "\0\0\0\0\0\0\0\0", 8);
	rc =
	    minisign_verify_buffer(data, len, buf, strlen(buf), "index.minisig", &opts, NULL, &err);
	TAP_EQ_INT(code(rc), GN_E_SIGNATURE, "right key id, wrong public key");
	memcpy(keys[1].keyid, sk1.keyid, 8);
	memcpy(keys[2].keyid, sk2.keyid, 8);

	leg = legacy_sig(&sk2, data, len, "legacy\tfile:index.json");
	rc = minisign_verify_buffer(data, len, leg, strlen(leg), "l.minisig", &opts, NULL, &err);
	TAP_OK(code(rc) == GN_E_SIGNATURE && strstr(err.message, "legacy"), "legacy refused");
	opts.allow_legacy = true;
	rc = minisign_verify_buffer(data, len, leg, strlen(leg), "l.minisig", &opts, signer, &err);
	TAP_OK(rc == 0 && memcmp(signer, sk2.keyid, 8) == 0, "legacy accepted when allowed");
	free(leg);
	free(text);
	text = NULL;

	/* Files on disk. */
	snprintf(path, sizeof(path), "%s/go.tar.gz", tmpdir);
	rc = gn_write_file_atomic(path, data, len, 0644, &err);
	rc = rc < 0 ? rc : minisign_sign_file(path, &sk2, NULL, &text, &err);
	TAP_EQ_INT(rc, 0, "sign a file");
	if (text) {
		opts.expect_file = "go.tar.gz";
		rc = minisign_verify_file(path, text, strlen(text), "go.tar.gz.minisig", &opts,
					  signer, &err);
		TAP_OK(rc == 0 && memcmp(signer, sk2.keyid, 8) == 0, "verify a file");
		rc = minisign_verify_buffer(data, len, text, strlen(text), NULL, &opts, signer,
					    &err);
		TAP_EQ_INT(rc, 0, "file signature verifies as a buffer too");
		snprintf(buf, sizeof(buf), "%s/none", tmpdir);
		rc = minisign_verify_file(buf, text, strlen(text), "x.minisig", &opts, NULL, &err);
		TAP_EQ_INT(code(rc), GN_E_IO, "missing file -> GN_E_IO");
		free(text);
	}
	rc = minisign_sign_file(buf, &sk2, NULL, &text, &err);
	TAP_OK(code(rc) == GN_E_IO && text == NULL, "sign a missing file -> GN_E_IO");
	minisign_seckey_wipe(&sk1);
	minisign_seckey_wipe(&sk2);
}

static void
test_seckey_errors(void)
{
	struct minisign_seckey sk;
	struct gn_error err;
	char path[512];
	int rc;

	gn_error_clear(&err);
	snprintf(path, sizeof(path), "%s/missing.key", tmpdir);
	rc = minisign_seckey_load(path, NULL, &sk, &err);
	TAP_EQ_INT(code(rc), GN_E_IO, "missing secret key file");
	TAP_OK(!minisign_seckey_encrypted(path), "missing key is not 'encrypted'");
	snprintf(path, sizeof(path), "%s/RWkey.pub", tmpdir);
	rc = minisign_seckey_load(path, "pw", &sk, &err);
	TAP_EQ_INT(code(rc), GN_E_USAGE, "a public key file is not a secret key");
}

static void
test_corpus(const char *dir)
{
	static const char *names[] = {"prehashed.minisig", "legacy.minisig", "crlf.minisig"};
	struct minisign_pubkey pk;
	struct minisign_verify_opts opts = {
	    .keys = &pk, .n_keys = 1, .allow_legacy = true, .expect_file = "sample.txt"};
	struct gn_error err;
	char path[1024];

	gn_error_clear(&err);
	TAP_EQ_INT(minisign_pubkey_parse(CORPUS_PUB, &pk, &err), 0, "corpus key");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *sig = NULL;
		size_t len = 0;
		int rc;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = gn_read_file(path, 1 << 16, &sig, &len, &err);
		if (rc == 0) {
			rc = minisign_verify_buffer(CORPUS_DATA, strlen(CORPUS_DATA), sig, len,
						    names[i], &opts, NULL, &err);
		}
		TAP_OK(rc == 0, "minisign-made %s verifies: %s", names[i], rc ? err.message : "");
		if (rc == 0) {
			rc = minisign_verify_buffer("corpus sample!", 14, sig, len, names[i], &opts,
						    NULL, &err);
			TAP_EQ_INT(code(rc), GN_E_SIGNATURE, "%s over other bytes fails", names[i]);
		}
		free(sig);
	}
}

int
main(int argc, char **argv)
{
	struct gn_error err;

	if (sodium_init() < 0 || !mkdtemp(tmpdir)) {
		printf("Bail out! setup\n");
		return 1;
	}
	test_keyids();
	test_manifest_keys();
	test_parse();
	test_roundtrip();
	test_seckey_errors();
	if (argc > 1) {
		test_corpus(argv[1]);
	}
	gn_rm_rf(tmpdir, &err);
	return tap_done();
}
