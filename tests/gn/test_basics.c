/*
 * tests/gn/test_basics.c - gn/ on its own: Go version order, platform
 * names, UTF-8 decoding, paths, atomic writes and the error context.
 */
#include "gn/error.h"
#include "gn/fs.h"
#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"
#include "gn/utf8.h"

#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int
cmp(const char *a, const char *b)
{
	struct gn_goversion x, y;

	if (gn_goversion_parse(a, &x) != 0 || gn_goversion_parse(b, &y) != 0) {
		return 99;
	}
	return gn_goversion_cmp(&x, &y);
}

static void
test_goversion(void)
{
	/* go.dev's order, oldest first */
	static const char *const order[] = {"go1.4.3",	 "go1.9",     "go1.9.7",  "go1.20beta1",
					    "go1.20rc1", "go1.20rc2", "go1.20",	  "go1.20.1",
					    "go1.21rc1", "go1.21.0",  "go1.21.5", "go1.22rc1",
					    "go1.22.0",	 "go1.100.0"};
	static const char *const bad[] = {"",	    "go",      "1",	  "1.",	     "1.x",
					  "go1.21.", "1.21.5.6", "go1.21rc", "1.21-rc1", "v1.21",
					  "1.21 ",  " 1.21",   "1.021",	  "go1.21a1"};
	struct gn_goversion v;
	char text[64];
	size_t n = sizeof(order) / sizeof(order[0]);

	for (size_t i = 0; i + 1 < n; i++) {
		TAP_OK(cmp(order[i], order[i + 1]) < 0, "%s sorts before %s", order[i], order[i + 1]);
		TAP_OK(cmp(order[i + 1], order[i]) > 0, "%s sorts after %s", order[i + 1], order[i]);
	}
	TAP_OK(cmp("1.21", "1.21.0") == 0, "1.21 and 1.21.0 compare equal");
	TAP_OK(cmp("go1.21.5", "1.21.5") == 0, "the go prefix is optional");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TAP_OK(gn_goversion_parse(bad[i], &v) != 0, "\"%s\" is not a Go version", bad[i]);
	}
	gn_goversion_parse("1.22rc1", &v);
	gn_goversion_format(&v, text, sizeof(text));
	TAP_EQ_STR(text, "go1.22rc1", "a prerelease is formatted as the index spells it");
	gn_goversion_parse("1.21.5", &v);
	gn_goversion_format(&v, text, sizeof(text));
	TAP_EQ_STR(text, "go1.21.5", "a patch release is formatted with go");
	TAP_OK(gn_goversion_at_least(&v, 1, 21) && !gn_goversion_at_least(&v, 1, 22),
	       "at_least compares the minor version");
}

static void
test_platform(void)
{
	struct gn_platform p, q;
	char text[GN_PLATFORM_TEXT];

	TAP_EQ_INT(gn_platform_parse("linux/amd64", &p), GN_PLATFORM_OK, "linux/amd64 parses");
	gn_platform_format(&p, text, sizeof(text));
	TAP_EQ_STR(text, "linux/amd64", "and formats back");
	TAP_EQ_INT(gn_platform_parse("linux/vax", &p), GN_PLATFORM_UNKNOWN, "linux/vax is unknown");
	TAP_EQ_INT(gn_platform_parse("Linux/amd64", &p), GN_PLATFORM_MALFORMED,
		   "upper case is malformed");
	TAP_EQ_INT(gn_platform_parse("linux-amd64", &p), GN_PLATFORM_MALFORMED,
		   "a dash is malformed");
	TAP_EQ_INT(gn_platform_parse("linux/amd64/x", &p), GN_PLATFORM_MALFORMED,
		   "three parts are malformed");
	gn_platform_parse("linux/arm", &p);
	TAP_EQ_STR(gn_platform_index_arch(&p), "armv6l", "linux/arm is armv6l in file names");
	TAP_OK(gn_platform_from_index("linux", "armv6l", &q) && gn_platform_equal(&p, &q),
	       "armv6l maps back to linux/arm");
	gn_platform_parse("windows/386", &p);
	TAP_EQ_STR(gn_platform_index_arch(&p), "386", "386 keeps its name");
	TAP_OK(!gn_platform_from_index("plan10", "amd64", &q), "an unknown os is no platform");
	TAP_OK(gn_platform_host(&p), "this machine is a known platform");
	{
		const char *const *known = gn_platform_known();
		size_t n = 0;
		bool has_darwin = false;

		for (; known[n]; n++) {
			has_darwin = has_darwin || strcmp(known[n], "darwin/arm64") == 0;
		}
		TAP_OK(n > 20 && has_darwin, "the known list holds the ports (%zu)", n);
	}
}

static void
test_utf8(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		uint32_t cp;
	} good[] = {
		{"A", 1, 0x41},
		{"\xc3\xa9", 2, 0xe9},
		{"\xe2\x80\x98", 3, 0x2018},
		{"\xf0\x9f\x90\x9f", 4, 0x1f41f},
		{"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
	};
	static const char *const bad[] = {
		"\x80",		    /* a lone continuation byte */
		"\xc0\xaf",	    /* overlong '/' */
		"\xe0\x80\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* a surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xc3",		    /* cut short */
		"\xe2\x80",	    /* cut short */
		"\xff",
	};
	uint32_t cp;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n = gn_utf8_decode((const unsigned char *)good[i].bytes, &cp);

		TAP_OK(n == good[i].len && cp == good[i].cp, "U+%04X decodes from %zu bytes",
		       (unsigned)good[i].cp, good[i].len);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TAP_EQ_INT(gn_utf8_decode((const unsigned char *)bad[i], &cp), 0,
			   "invalid sequence %zu is refused", i);
	}
}

static void
test_paths(void)
{
	char out[64], small[8];

	gn_dirname("a/b/c", out, sizeof(out));
	TAP_EQ_STR(out, "a/b", "dirname of a/b/c");
	gn_dirname("c", out, sizeof(out));
	TAP_EQ_STR(out, ".", "dirname of a bare name is .");
	gn_dirname("/c", out, sizeof(out));
	TAP_EQ_STR(out, "/", "dirname of /c is /");
	TAP_OK(!gn_dirname("abcdefgh/x", small, sizeof(small)), "dirname too long: false");
	{
		char *a = gn_dirname_dup("a/b/c"), *b = gn_dirname_dup("c"), *c = gn_dirname_dup("/c");

		TAP_OK(a && b && c && !strcmp(a, "a/b") && !strcmp(b, ".") && !strcmp(c, "/"),
		       "dirname_dup: a/b, ., /");
		free(a);
		free(b);
		free(c);
	}
	TAP_EQ_STR(gn_basename("a/b/c.tar.gz"), "c.tar.gz", "basename");
	TAP_OK(gn_path_fmt(small, sizeof(small), "%s/%s", "ab", "cd") && !strcmp(small, "ab/cd"),
	       "path_fmt: fits");
	TAP_OK(!gn_path_fmt(small, sizeof(small), "%s/%s", "abcd", "efgh"),
	       "path_fmt: too long is false, never a silent cut");
	gn_text(small, sizeof(small), "%s", "a long message");
	TAP_EQ_STR(small, "a long ", "gn_text cuts to fit on purpose");
	TAP_OK(gn_path_join(out, sizeof(out), "a", "b") && strcmp(out, "a/b") == 0, "join");
	TAP_OK(gn_path_join(out, sizeof(out), "a", "/abs") && strcmp(out, "/abs") == 0,
	       "joining an absolute path gives it");
	TAP_OK(!gn_path_join(small, sizeof(small), "abcdef", "ghijkl"),
	       "a join that does not fit says so, never truncates silently");
}

static void
test_files(void)
{
	char dir[] = "/tmp/gn-basics-XXXXXX", path[256], nested[256];
	struct gn_error err;
	struct stat st;
	char *data = NULL;
	size_t len = 0;

	TAP_OK(mkdtemp(dir) != NULL, "a scratch folder");
	snprintf(path, sizeof(path), "%s/f", dir);
	gn_error_clear(&err);
	TAP_EQ_INT(gn_write_file_atomic(path, "hello", 5, 0640, &err), 0, "atomic write");
	TAP_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640 && st.st_size == 5,
	       "with its mode and size");
	TAP_EQ_INT(gn_write_file_atomic(path, "bye", 3, 0644, &err), 0, "atomic replace");
	TAP_EQ_INT(gn_read_file(path, 100, &data, &len, &err), 0, "read back");
	TAP_OK(len == 3 && memcmp(data, "bye", 3) == 0 && data[3] == '\0',
	       "the new bytes, NUL-terminated");
	free(data);
	data = NULL;
	TAP_OK(gn_read_file(path, 2, &data, &len, &err) < 0, "a file over the limit is refused");
	free(data);
	snprintf(nested, sizeof(nested), "%s/x/y/z", dir);
	TAP_EQ_INT(gn_mkdir_p(nested, 0755, &err), 0, "mkdir -p");
	TAP_OK(gn_is_dir(nested), "made every level");
	TAP_EQ_INT(gn_mkdir_p(nested, 0755, &err), 0, "mkdir -p on an existing folder");
	{
		char link[256], target[256];

		/* rm -rf never follows a link out of the tree */
		snprintf(target, sizeof(target), "%s/keep", dir);
		gn_write_file_atomic(target, "keep", 4, 0644, &err);
		snprintf(link, sizeof(link), "%s/x/link", dir);
		TAP_OK(symlink(target, link) == 0, "a link to a file outside the tree");
		snprintf(link, sizeof(link), "%s/x", dir);
		chmod(nested, 0555);
		TAP_EQ_INT(gn_rm_rf(link, &err), 0, "rm -rf, read-only folder included");
		TAP_OK(!gn_path_exists(link), "the tree is gone");
		TAP_OK(gn_path_exists(target), "the link's target is not");
	}
	gn_rm_rf(dir, &err);
}

static void
test_error(void)
{
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = gn_error_at(&err, GN_E_MANIFEST, "gonative.yaml", 3, 7, "bad %s", "thing");
	TAP_EQ_INT(rc, -GN_E_MANIFEST, "gn_error_at returns -code");
	TAP_OK(err.line == 3 && err.col == 7 && strcmp(err.file, "gonative.yaml") == 0,
	       "with file, line and column");
	TAP_EQ_STR(err.message, "bad thing", "and the formatted message");
	TAP_EQ_INT(gn_code_exit(GN_E_MANIFEST), 2, "an invalid manifest is exit 2");
	TAP_EQ_INT(gn_code_exit(GN_E_INTEGRITY), 4, "an integrity failure is exit 4");
	TAP_EQ_INT(gn_code_exit(GN_E_FETCH), 3, "a failed download is exit 3");
	TAP_EQ_INT(gn_code_exit(GN_E_IO), 5, "a local failure is exit 5");
	TAP_EQ_INT(gn_code_of(rc), GN_E_MANIFEST, "gn_code_of maps -code back");
	TAP_EQ_INT(gn_code_of(0), GN_OK, "and 0 to GN_OK");
	TAP_EQ_STR(gn_code_name(GN_E_INTEGRITY), "GN_E_INTEGRITY", "codes have names");
	{
		char text[2048];

		gn_error_url(&err, "https://mirror.example/go.tar.gz");
		gn_error_values(&err, "aaaa", "bbbb");
		gn_error_format(&err, text, sizeof(text));
		TAP_OK(strstr(text, "gonative.yaml:3:7: bad thing") == text,
		       "formatted as file:line:col: message");
		TAP_OK(strstr(text, "https://mirror.example/go.tar.gz") != NULL &&
			       strstr(text, "aaaa") != NULL && strstr(text, "bbbb") != NULL,
		       "with the URL and both values");
	}
}

/* gn_sha256() hashes small inputs with libsodium and large ones with
 * OpenSSL (gn/sha256.c): both sides of the threshold agree with the
 * streaming API and with known answers. */
static void
test_sha256(void)
{
	static const size_t lens[] = { 0, 3, 64, 65535, 65536, 65537, 1000000 };
	uint8_t *data = malloc(1000000);
	uint8_t one[GN_SHA256_LEN], streamed[GN_SHA256_LEN];
	char hex[2 * GN_SHA256_LEN + 1];
	struct gn_sha256 h;

	memset(data, 'a', 1000000);
	gn_sha256("abc", 3, one);
	gn_hex_encode(one, GN_SHA256_LEN, hex);
	TAP_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "sha256(\"abc\") (FIPS 180-2 B.1)");
	gn_sha256(data, 1000000, one);
	gn_hex_encode(one, GN_SHA256_LEN, hex);
	TAP_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		   "sha256 of a million 'a' (FIPS 180-2 B.3)");
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		gn_sha256(data, lens[i], one);
		TAP_OK(gn_sha256_init(&h) == 0, "streaming init");
		gn_sha256_update(&h, data, lens[i]);
		gn_sha256_final(&h, streamed);
		TAP_OK(memcmp(one, streamed, GN_SHA256_LEN) == 0,
		       "one-shot and streaming agree on %zu bytes", lens[i]);
	}
	free(data);
}

int
main(void)
{
	test_sha256();
	test_goversion();
	test_platform();
	test_utf8();
	test_paths();
	test_files();
	test_error();
	return tap_done();
}
