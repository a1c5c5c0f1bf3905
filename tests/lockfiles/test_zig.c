/*
 * tests/lockfiles/test_zig.c - Zig index parser, GOOS/GOARCH -> Zig triple
 * table, and the lock's cc: section (write, read back, refuse).
 */
#include "gn/arena.h"
#include "gn/buf.h"
#include "gn/error.h"
#include "gn/platform.h"
#include "lockfiles/lock.h"
#include "lockfiles/zigindex.h"
#include "lockfiles/zigtarget.h"
#include "tap.h"

#include <string.h>

#define SHA_A "9d8e3ddc2c1cf83d9a6a6c2b8bbe11d6e8f2f7d5c4d5e3a7c8b9a0f1e2d3c4b5"

/* ziglang.org's shape: versions as keys, sizes as strings, plain values
 * beside the artifact objects, a "master" entry. */
static const char official[] =
	"{\n"
	"  \"master\": {\n"
	"    \"version\": \"0.12.0-dev.1+abc\",\n"
	"    \"date\": \"2023-09-01\",\n"
	"    \"docs\": \"https://ziglang.org/documentation/master/\",\n"
	"    \"x86_64-linux\": {\"tarball\": \"https://ziglang.org/builds/zig-linux-x86_64-0.12.0-dev.1+abc.tar.xz\",\n"
	"      \"shasum\": \"" SHA_A "\", \"size\": \"46000000\"}\n"
	"  },\n"
	"  \"0.11.0\": {\n"
	"    \"date\": \"2023-08-04\",\n"
	"    \"docs\": \"https://ziglang.org/documentation/0.11.0/\",\n"
	"    \"notes\": \"https://ziglang.org/download/0.11.0/release-notes.html\",\n"
	"    \"src\": {\"tarball\": \"https://ziglang.org/download/0.11.0/zig-0.11.0.tar.xz\",\n"
	"      \"shasum\": \"" SHA_A "\", \"size\": \"15275316\"},\n"
	"    \"x86_64-linux\": {\"tarball\": \"https://ziglang.org/download/0.11.0/zig-linux-x86_64-0.11.0.tar.xz\",\n"
	"      \"shasum\": \"2D00E789FEC4F71790A6E7BF83FF91D564943C5B6E6D0CB5E1C8C0C1E4C0B9A8\",\n"
	"      \"size\": \"44961892\", \"extra\": [1, {\"x\": 2}]},\n"
	"    \"x86_64-windows\": {\"tarball\": \"https://ziglang.org/download/0.11.0/zig-windows-x86_64-0.11.0.zip\",\n"
	"      \"shasum\": \"" SHA_A "\", \"size\": 77000000}\n"
	"  }\n"
	"}\n";

static void
test_index(void)
{
	struct gn_arena a;
	struct gn_error err;
	struct zig_index idx;
	const struct zig_index_version *v;
	const struct zig_index_artifact *x;
	int rc;

	gn_arena_init(&a);
	gn_error_clear(&err);
	rc = zig_index_parse(&a, "index.json", official, strlen(official), &idx, &err);
	TAP_EQ_INT(rc, 0, "official shape parses");
	TAP_EQ_INT((int)idx.n_versions, 2, "two versions (master and 0.11.0)");
	v = zig_index_find(&idx, "0.11.0");
	TAP_OK(v && v->n_artifacts == 3, "0.11.0: src, x86_64-linux, x86_64-windows (plain values skipped)");
	x = v ? zig_index_artifact(v, "x86_64-linux") : NULL;
	TAP_OK(x && x->size == 44961892, "size as a decimal string");
	TAP_OK(x && strcmp(x->sha256, "2d00e789fec4f71790a6e7bf83ff91d564943c5b6e6d0cb5e1c8c0c1e4c0b9a8") == 0,
	       "shasum lowercased");
	TAP_OK(x && strcmp(x->tarball,
			   "https://ziglang.org/download/0.11.0/zig-linux-x86_64-0.11.0.tar.xz") == 0,
	       "tarball URL");
	x = v ? zig_index_artifact(v, "x86_64-windows") : NULL;
	TAP_OK(x && x->size == 77000000, "a plain integer size is taken too");
	TAP_OK(zig_index_find(&idx, "master") != NULL, "master is kept as a version");
	TAP_OK(zig_index_find(&idx, "0.10.1") == NULL, "absent version -> NULL");

	static const struct {
		const char *json, *what, *needle;
	} bad[] = {
		{"{\"0.11.0\": {\"x86_64-linux\": {\"tarball\": \"https://z/a.tar.xz\", \"shasum\": \"abc\", \"size\": \"1\"}}}",
		 "short shasum", "shasum"},
		{"{\"0.11.0\": {\"x86_64-linux\": {\"tarball\": \"https://z/a.tar.xz\", \"shasum\": \"" SHA_A "\", \"size\": \"-1\"}}}",
		 "negative size", "size"},
		{"{\"0.11.0\": {\"x86_64-linux\": {\"tarball\": \"https://z/a.tar.xz\", \"shasum\": \"" SHA_A "\", \"size\": \"12abc\"}}}",
		 "size not decimal", "size"},
		{"{\"0.11.0\": {\"x86_64-linux\": {\"shasum\": \"" SHA_A "\", \"size\": \"1\"}}}",
		 "no tarball", "tarball"},
		{"{\"0.11.0\": {\"x86_64-linux\": {\"tarball\": \"ftp://z/a.tar.xz\", \"shasum\": \"" SHA_A "\", \"size\": \"1\"}}}",
		 "tarball not http(s)/file", "URL"},
		{"{\"0.11.0\": {}, \"0.11.0\": {}}", "duplicate version", "twice"},
		{"{\"0.11.0\": {\"a\": {\"tarball\": \"https://z/a\", \"shasum\": \"" SHA_A "\", \"size\": \"1\"}, "
		 "\"a\": {\"tarball\": \"https://z/a\", \"shasum\": \"" SHA_A "\", \"size\": \"1\"}}}",
		 "duplicate artifact", "twice"},
		{"[1, 2]", "not an object", "object"},
		{"{\"0.11.0\": \"x\"}", "version not an object", "object"},
		{"{\"0.11.0\": {\"a\": {\"tarball\": \"https://z/a\"", "truncated", "JSON"},
		{"{\"0.11.0\": {\"a\": {\"tarball\": \"https://z/a\", \"shasum\": \"" SHA_A "\", \"size\": \"99999999999999999999\"}}}",
		 "size overflow", "size"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gn_error_clear(&err);
		rc = zig_index_parse(&a, "index.json", bad[i].json, strlen(bad[i].json), &idx, &err);
		TAP_OK(rc == -GN_E_INDEX && err.line > 0 && strstr(err.message, bad[i].needle),
		       "refused: %s (index.json:%d:%d: %s)", bad[i].what, err.line, err.col,
		       err.message);
		TAP_OK(idx.n_versions == 0 && idx.versions == NULL, "%s: no partial output",
		       bad[i].what);
	}
	gn_arena_free(&a);
}

static void
target(const char *plat, const char *zig, const char *glibc, bool musl, const char *want)
{
	struct gn_platform p;
	char out[ZIG_TRIPLE_MAX];
	const char *why = NULL;
	bool ok;

	gn_platform_parse(plat, &p);
	ok = zig_target_for(&p, zig, glibc, musl, out, &why);
	if (want) {
		TAP_OK(ok && strcmp(out, want) == 0, "%s%s (glibc %s) -> %s (got %s)", plat,
		       musl ? " musl" : "", glibc, want, ok ? out : why);
	} else {
		TAP_OK(!ok && why && *why, "%s%s with zig %s is refused (%s)", plat,
		       musl ? " musl" : "", zig, why ? why : "no reason");
	}
}

static void
test_targets(void)
{
	struct gn_platform p;
	const char *keys[4];
	char top[128];

	target("linux/arm64", "0.11.0", "2.17", false, "aarch64-linux-gnu.2.17");
	target("linux/arm64", "0.11.0", "2.12", false, "aarch64-linux-gnu.2.17");
	target("linux/amd64", "0.11.0", "2.17", false, "x86_64-linux-gnu.2.17");
	target("linux/amd64", "0.11.0", "2.17", true, "x86_64-linux-musl");
	target("linux/386", "0.11.0", "2.17", false, "x86-linux-gnu.2.17");
	target("linux/arm", "0.11.0", "2.17", false, "arm-linux-gnueabihf.2.17");
	target("linux/arm", "0.11.0", "2.17", true, "arm-linux-musleabihf");
	target("linux/riscv64", "0.11.0", "2.17", false, "riscv64-linux-gnu.2.27");
	target("linux/ppc64le", "0.11.0", "2.28", false, "powerpc64le-linux-gnu.2.28");
	target("linux/s390x", "0.11.0", "2.17", false, "s390x-linux-gnu.2.17");
	target("linux/mips64le", "0.11.0", "2.17", false, "mips64el-linux-gnuabi64.2.17");
	target("linux/mipsle", "0.11.0", "2.17", false, "mipsel-linux-gnueabihf.2.17");
	target("windows/amd64", "0.11.0", "2.17", false, "x86_64-windows-gnu");
	target("windows/arm64", "0.11.0", "2.17", false, "aarch64-windows-gnu");
	target("windows/386", "0.11.0", "2.17", false, "x86-windows-gnu");
	target("windows/amd64", "0.11.0", "2.17", true, NULL);
	target("darwin/arm64", "0.11.0", "2.17", false, NULL);
	target("darwin/amd64", "0.11.0", "2.17", false, NULL);
	target("linux/loong64", "0.11.0", "2.36", false, NULL);
	target("linux/loong64", "0.12.0", "2.17", false, "loongarch64-linux-gnu.2.36");
	target("linux/ppc64", "0.11.0", "2.17", false, NULL);
	target("freebsd/amd64", "0.11.0", "2.17", false, NULL);

	gn_platform_parse("linux/arm", &p);
	TAP_EQ_STR(zig_target_goarm(&p), "7", "linux/arm: GOARM=7");
	gn_platform_parse("linux/arm64", &p);
	TAP_OK(zig_target_goarm(&p) == NULL, "linux/arm64: no GOARM");
	TAP_OK(zig_host_keys(&p, keys, 4) == 1 && strcmp(keys[0], "aarch64-linux") == 0,
	       "host key aarch64-linux");
	gn_platform_parse("linux/386", &p);
	TAP_OK(zig_host_keys(&p, keys, 4) == 2 && strcmp(keys[0], "x86-linux") == 0 &&
		       strcmp(keys[1], "i386-linux") == 0,
	       "linux/386: x86-linux, then i386-linux");
	gn_platform_parse("darwin/arm64", &p);
	TAP_OK(zig_host_keys(&p, keys, 4) == 1 && strcmp(keys[0], "aarch64-macos") == 0,
	       "darwin/arm64 host key aarch64-macos");

	TAP_OK(zig_tarball_name_ok("zig-linux-x86_64-0.11.0.tar.xz", "x86_64-linux", "0.11.0", top,
				   sizeof(top)) &&
		       strcmp(top, "zig-linux-x86_64-0.11.0") == 0,
	       "0.11.0 name (os-arch), top folder");
	TAP_OK(zig_tarball_name_ok("zig-x86_64-linux-0.14.1.tar.xz", "x86_64-linux", "0.14.1", NULL,
				   0),
	       "0.14.1 name (arch-os)");
	TAP_OK(zig_tarball_name_ok("zig-windows-x86_64-0.11.0.zip", "x86_64-windows", "0.11.0", NULL,
				   0),
	       "windows: .zip");
	TAP_OK(!zig_tarball_name_ok("zig-linux-x86_64-0.10.1.tar.xz", "x86_64-linux", "0.11.0",
				    NULL, 0),
	       "another version's tarball is refused");
	TAP_OK(!zig_tarball_name_ok("zig-linux-aarch64-0.11.0.tar.xz", "x86_64-linux", "0.11.0",
				    NULL, 0),
	       "another host's tarball is refused");
	TAP_OK(!zig_tarball_name_ok("zig-windows-x86_64-0.11.0.tar.xz", "x86_64-windows", "0.11.0",
				    NULL, 0),
	       "windows as .tar.xz is refused");

	TAP_OK(zig_version_cmp("0.11.0", "0.12.0") < 0 && zig_version_cmp("0.12.0", "0.11.0") > 0 &&
		       zig_version_cmp("0.11.0", "0.11.0") == 0 &&
		       zig_version_cmp("0.12.0-dev.1", "0.12.0") < 0 &&
		       zig_version_cmp("0.9.1", "0.10.0") < 0,
	       "zig_version_cmp orders numerically, pre-releases first");
	TAP_OK(zig_version_valid("0.11.0") && !zig_version_valid("master") &&
		       !zig_version_valid("0.11") && !zig_version_valid("0.12.0-dev.1") &&
		       !zig_version_valid("00.11.0"),
	       "zig_version_valid: exact releases only");
	TAP_OK(zig_glibc_valid("2.17") && zig_glibc_valid("2.2.5") && !zig_glibc_valid("3.1") &&
		       !zig_glibc_valid("2") && !zig_glibc_valid("2.17x"),
	       "zig_glibc_valid");
}

static const char cc_lock[] =
	"# Generated by `gonative lock`. Commit this file; do not edit it.\n"
	"lock-version: 1\n"
	"manifest-digest: sha256:" SHA_A "\n"
	"go: go1.19.8\n"
	"index: \"https://go.dev/dl/?mode=json&include=all\"\n"
	"hosts: [linux/amd64]\n"
	"platforms: [linux/arm64, windows/amd64]\n"
	"artifacts: []\n"
	"goroot:\n"
	"  linux/amd64: git-sha256:" SHA_A "\n"
	"cc:\n"
	"  zig: \"0.11.0\"\n"
	"  index: \"https://ziglang.org/download/index.json\"\n"
	"  hosts:\n"
	"    linux/amd64:\n"
	"      file: zig-linux-x86_64-0.11.0.tar.xz\n"
	"      url: \"https://ziglang.org/download/0.11.0/zig-linux-x86_64-0.11.0.tar.xz\"\n"
	"      size: 44961892\n"
	"      sha256: " SHA_A "\n"
	"      signed-by: 0A9E73F5B27B69C2\n"
	"      tree: git-sha256:" SHA_A "\n"
	"  targets:\n"
	"    linux/arm64: aarch64-linux-gnu.2.17\n"
	"    windows/amd64: x86_64-windows-gnu\n";

static void
test_lock_cc(void)
{
	struct gn_arena a;
	struct gn_error err;
	struct lock l;
	struct gn_buf out;
	struct gn_platform p;
	int rc;

	gn_arena_init(&a);
	gn_error_clear(&err);
	rc = lock_parse(&a, "gonative.lock", cc_lock, strlen(cc_lock), &l, &err);
	TAP_EQ_INT(rc, 0, "a lock with cc: parses (%s)", err.message);
	gn_platform_parse("linux/amd64", &p);
	TAP_OK(rc == 0 && strcmp(l.cc.zig, "0.11.0") == 0 && lock_cc_host_for(&l, &p) &&
		       lock_cc_host_for(&l, &p)->size == 44961892,
	       "cc.zig and the host entry");
	gn_platform_parse("linux/arm64", &p);
	TAP_OK(rc == 0 && lock_cc_target_for(&l, &p) &&
		       strcmp(lock_cc_target_for(&l, &p)->triple, "aarch64-linux-gnu.2.17") == 0,
	       "cc.targets lookup");
	gn_buf_init(&out);
	if (rc == 0) {
		lock_write(&l, &out);
	}
	TAP_OK(out.len == strlen(cc_lock) && memcmp(out.data, cc_lock, out.len) == 0,
	       "read then written: the same bytes");
	gn_buf_free(&out);

	static const struct {
		const char *from, *to, *what;
	} edits[] = {
		{"    windows/amd64: x86_64", "    linux/386: x86_64", "a target that is no platform"},
		{"aarch64-linux-gnu.2.17", "aarch64 linux", "a bad triple"},
		{"    linux/amd64:\n      file", "    linux/arm64:\n      file", "a cc host that is no host"},
		{"      size: 44961892\n", "", "a host entry without size"},
		{"      tree: git-sha256:", "      tree: sha256:", "a bad tree id"},
		{"      signed-by: 0A9E73F5B27B69C2", "      signed-by: nobody", "a bad signer"},
		{"  zig: \"0.11.0\"\n", "  zig: \"0.11.0\"\n  extra: 1\n", "an unknown cc key"},
		{"  zig: \"0.11.0\"\n", "", "no cc.zig"},
		{"      url: \"https://", "      url: \"ftp://", "a url that is not http(s)/file"},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct gn_buf text;
		const char *at = strstr(cc_lock, edits[i].from);

		gn_buf_init(&text);
		gn_buf_append(&text, cc_lock, (size_t)(at - cc_lock));
		gn_buf_puts(&text, edits[i].to);
		gn_buf_puts(&text, at + strlen(edits[i].from));
		gn_error_clear(&err);
		rc = lock_parse(&a, "gonative.lock", text.data, text.len, &l, &err);
		TAP_OK(rc == -GN_E_LOCK && err.line > 0, "refused: %s (%d:%d %s)", edits[i].what,
		       err.line, err.col, err.message);
		gn_buf_free(&text);
	}
	gn_arena_free(&a);
}

int
main(void)
{
	test_index();
	test_targets();
	test_lock_cc();
	return tap_done();
}
