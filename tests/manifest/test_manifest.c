/*
 * tests/manifest/test_manifest.c - gonative.yaml v1 parser, digest, starter.
 *
 * Usage: test_manifest CASES_DIR
 * CASES_DIR holds invalid manifests whose first line is
 * "# expect: LINE:COL: message substring".
 */
#include "manifest/manifest.h"

#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEX_A "e2bc0b3e4b64111ec117295c088bde5f00eeed1567999ff77bc859d7df70078e"
#define HEX_B "705c64251e5b25d5d55ede1039c6aa22bea40a7a931d14c370339853643c3df0"

static int
parse(struct gn_arena *arena, const char *yaml, struct manifest *m, struct gn_error *err)
{
	gn_error_clear(err);
	return manifest_parse(arena, "test.yaml", ".", yaml, strlen(yaml), m, err);
}

static bool
platform_is(const struct gn_platform *p, const char *text)
{
	char buf[GN_PLATFORM_TEXT];

	gn_platform_format(p, buf, sizeof(buf));
	return strcmp(buf, text) == 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_full(void)
{
	static const char yaml[] =
	    "# a full manifest\n"
	    "go: \"1.21\"\n"
	    "hosts: [linux/amd64, darwin/arm64]\n"
	    "platforms:\n"
	    "  - linux/386\n"
	    "  - windows/amd64\n"
	    "  - linux/arm\n"
	    "index: https://example.test/dl/?mode=json&include=all\n"
	    "mirrors: [file:///srv/go, \"https://go.dev/dl/\"]\n"
	    "checksums:\n"
	    "  go1.21.5.linux-amd64.tar.gz: " HEX_A "\n"
	    "  go1.21.5.src.tar.gz: "
	    "705C64251E5B25D5D55EDE1039C6AA22BEA40A7A931D14C370339853643C3DF0\n"
	    "signatures:\n"
	    "  keys: [\"RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\", "
	    "keys/release.pub]\n"
	    "  require: [index, archives]\n"
	    "  legacy: false\n"
	    "install: /opt/goroot\n"
	    "base: source\n"
	    "bootstrap: /usr/lib/go-1.20\n";
	struct gn_arena arena = {0};
	struct gn_error err;
	struct manifest m;
	const struct manifest_checksum *pin;
	int rc;

	rc = parse(&arena, yaml, &m, &err);
	if (!TAP_OK(rc == 0, "full: parses")) {
		tap_diag("%d:%d: %s", err.line, err.col, err.message);
		gn_arena_free(&arena);
		return;
	}
	TAP_EQ_STR(m.path, "test.yaml", "full: path");
	TAP_EQ_STR(m.dir, ".", "full: dir");
	TAP_EQ_STR(m.go, "1.21", "full: go as written");
	TAP_EQ_INT(m.go_kind, MANIFEST_GO_LINE, "full: go is a line");
	TAP_OK(m.go_version.major == 1 && m.go_version.minor == 21 && !m.go_version.has_patch,
	       "full: go version parsed");
	TAP_OK(m.go_line == 2 && m.go_col == 5, "full: go position %d:%d", m.go_line, m.go_col);
	TAP_OK(!m.hosts_default && m.n_hosts == 2 && platform_is(&m.hosts[0], "linux/amd64") &&
		   platform_is(&m.hosts[1], "darwin/arm64"),
	       "full: hosts in file order");
	TAP_OK(m.n_platforms == 3 && platform_is(&m.platforms[0], "linux/386") &&
		   platform_is(&m.platforms[1], "windows/amd64") &&
		   platform_is(&m.platforms[2], "linux/arm"),
	       "full: platforms");
	TAP_EQ_STR(m.index, "https://example.test/dl/?mode=json&include=all", "full: index");
	TAP_EQ_INT(m.n_mirrors, 2, "full: two mirrors");
	if (m.n_mirrors == 2) {
		TAP_EQ_STR(m.mirrors[0], "file:///srv/go", "full: mirror 1");
		TAP_EQ_STR(m.mirrors[1], "https://go.dev/dl/", "full: mirror 2");
	}
	TAP_EQ_INT(m.n_checksums, 2, "full: two pins");
	if (m.n_checksums == 2) {
		TAP_EQ_STR(m.checksums[0].file, "go1.21.5.linux-amd64.tar.gz", "full: pin 1 file");
		TAP_EQ_STR(m.checksums[0].sha256, HEX_A, "full: pin 1 hex");
		TAP_OK(m.checksums[0].line == 11 && m.checksums[0].col == 3,
		       "full: pin 1 position %d:%d", m.checksums[0].line, m.checksums[0].col);
		TAP_EQ_STR(m.checksums[1].sha256, HEX_B, "full: uppercase pin stored lowercase");
	}
	pin = manifest_pin(&m, "go1.21.5.src.tar.gz");
	TAP_OK(pin && pin == &m.checksums[1], "full: manifest_pin finds a pin");
	TAP_OK(manifest_pin(&m, "go1.21.5.src.tar") == NULL, "full: manifest_pin misses");
	TAP_EQ_INT(m.signatures.n_keys, 2, "full: two keys");
	if (m.signatures.n_keys == 2) {
		TAP_EQ_STR(m.signatures.keys[0],
			   "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3",
			   "full: key 1");
		TAP_EQ_STR(m.signatures.keys[1], "keys/release.pub", "full: key 2");
	}
	TAP_OK(m.signatures.require_index && m.signatures.require_archives,
	       "full: require index and archives");
	TAP_OK(!m.signatures.allow_legacy, "full: legacy false");
	TAP_EQ_STR(m.install, "/opt/goroot", "full: absolute install allowed");
	TAP_EQ_INT(m.base, MANIFEST_BASE_SOURCE, "full: base source");
	TAP_EQ_STR(m.bootstrap, "/usr/lib/go-1.20", "full: bootstrap");
	gn_arena_free(&arena);
}

static void
test_defaults(void)
{
	struct gn_arena arena = {0};
	struct gn_error err;
	struct manifest m;
	int rc;

	rc = parse(&arena, "go: stable\n", &m, &err);
	TAP_EQ_INT(rc, 0, "defaults: parses");
	TAP_EQ_INT(m.go_kind, MANIFEST_GO_STABLE, "defaults: stable");
	TAP_EQ_STR(m.go, "stable", "defaults: go text");
	TAP_OK(m.hosts_default && m.n_hosts == 0, "defaults: hosts default");
	TAP_EQ_INT(m.n_platforms, 0, "defaults: no platforms");
	TAP_EQ_STR(m.index, MANIFEST_DEFAULT_INDEX, "defaults: index");
	TAP_OK(m.n_mirrors == 1 && strcmp(m.mirrors[0], MANIFEST_DEFAULT_MIRROR) == 0,
	       "defaults: mirrors");
	TAP_EQ_STR(m.install, MANIFEST_DEFAULT_INSTALL, "defaults: install");
	TAP_EQ_INT(m.n_checksums, 0, "defaults: no pins");
	TAP_OK(m.signatures.n_keys == 0 && !m.signatures.require_index &&
		   !m.signatures.require_archives && m.signatures.allow_legacy,
	       "defaults: signatures");
	TAP_EQ_INT(m.base, MANIFEST_BASE_BINARY, "defaults: base binary");
	TAP_OK(m.bootstrap == NULL, "defaults: no bootstrap");

	rc = parse(&arena, "go: 1.20\nplatforms: []\nsignatures: {}\nchecksums: {}\n", &m, &err);
	TAP_EQ_INT(rc, 0, "defaults: empty platforms/signatures/checksums are fine");
	TAP_EQ_STR(m.go, "1.20", "go: 1.20 plain keeps its raw text");
	TAP_OK(m.go_kind == MANIFEST_GO_LINE && m.go_version.minor == 20, "go: 1.20 is a line");
	gn_arena_free(&arena);
}

static void
test_go_forms(void)
{
	static const struct {
		const char *yaml;
		enum manifest_go_kind kind;
		int minor, patch;
	} cases[] = {
	    {"go: 1.21.5\n", MANIFEST_GO_EXACT, 21, 5},
	    {"go: go1.21.5\n", MANIFEST_GO_EXACT, 21, 5},
	    {"go: \"1.21.0\"\n", MANIFEST_GO_EXACT, 21, 0},
	    {"go: 1.22rc1\n", MANIFEST_GO_EXACT, 22, 0},
	    {"go: go1.21\n", MANIFEST_GO_LINE, 21, 0},
	    {"go: '1.9'\n", MANIFEST_GO_LINE, 9, 0},
	};
	struct gn_arena arena = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gn_error err;
		struct manifest m;
		int rc = parse(&arena, cases[i].yaml, &m, &err);
		TAP_OK(rc == 0 && m.go_kind == cases[i].kind &&
			   m.go_version.minor == cases[i].minor &&
			   m.go_version.patch == cases[i].patch,
		       "go form %zu: %.*s", i, (int)strlen(cases[i].yaml) - 1, cases[i].yaml);
	}
	gn_arena_free(&arena);
}

static const struct {
	const char *yaml;
	int line, col;
	const char *msg;
} invalid[] = {
    {"go: 1.21\nfoo: 1\n", 2, 1, "unknown key \"foo\" (valid keys: go, hosts"},
    /* Go's own trust roots */
    {"go: 1.21\nsumdb: \"off\"\n", 2, 8, "sumdb: off is refused"},
    {"go: 1.21\nsumdb: sum.golang.org\n", 2, 8, "is not a checksum database key"},
    {"go: 1.21\nsumdb: \"a+01234567+AAAA ftp://x\"\n", 2, 8, "is not an https://"},
    {"go: 1.21\nsource: git\n", 2, 9, "source: expected index or proxy"},
    {"go: 1.21\nproxy: []\n", 2, 8, "proxy: empty list"},
    {"go: 1.21\nproxy: [ftp://x]\n", 2, 9, "is not an https://"},
    {"go: 1.21\nsignatures:\n  gpg-fingerprints: [ABCD]\n", 3, 22,
     "not a 40-digit hex OpenPGP fingerprint"},
    {"go: 1.21\nsource: proxy\nbase: source\n", 2, 9, "source: proxy serves binary"},
    {"go: 1.21\nhosts: linux/amd64\n", 2, 8, "hosts: expected a list"},
    {"go: 1.21\ngo: 1.22\n", 2, 1, "duplicate key \"go\" (first at line 1)"},
    {"go: 1.21\nchecksums:\n  a.tgz: " HEX_A "\n  a.tgz: " HEX_B "\n", 4, 3,
     "duplicate key \"a.tgz\""},
    {"go: &v 1.21\n", 1, 5, "anchors (&v)"},
    {"go: 1.21\nplatforms: [*a]\n", 2, 13, "aliases (*a)"},
    {"go: !!str 1.21\n", 1, 5, "tags"},
    {"go: ! 1.21\n", 1, 5, "tags"},
    {"go: 1.21\n---\ngo: 1.22\n", 2, 1, "one YAML document"},
    {"", 1, 1, "empty manifest"},
    {"# only a comment\n", 1, 1, "empty manifest"},
    {"---\n", 2, 1,
     "must be a mapping of keys (go, hosts, platforms, index, mirrors, checksums, signatures, "
     "install, base, bootstrap, insecure-registries, sumdb, proxy, source, cc), not nothing "
     "(null)"},
    {"- go\n", 1, 1, "must be a mapping of keys"},
    {"go: 1.21\nplatforms: [linux-amd64]\n", 2, 13, "\"linux-amd64\" is not a platform"},
    {"go: 1.21\nplatforms:\n  - Linux/amd64\n", 3, 5, "\"Linux/amd64\" is not a platform"},
    {"go: 1.21\nplatforms: [linux/vax]\n", 2, 13, "unknown platform \"linux/vax\""},
    {"go: 1.21\nhosts: [linux/amd64, linux/amd64]\n", 2, 22, "listed twice (first at line 2)"},
    {"go: 1.21\nplatforms: [linux/386, windows/386, linux/386]\n", 2, 37, "listed twice"},
    {"go: 1.21\nmirrors: [https://a/, https://a/]\n", 2, 23, "listed twice"},
    {"go: 1.21\nsignatures:\n  keys: [k1, k1]\n", 3, 14, "listed twice"},
    {"go: 1.21\nsignatures:\n  keys: [k]\n  require: [index, index]\n", 4, 20, "listed twice"},
    {"go: 1.21\nchecksums:\n  a.tar.gz: xyz\n", 3, 13, "64 hex digits, got 3 characters"},
    {"go: 1.21\nchecksums:\n  a.tar.gz: " HEX_A "0\n", 3, 13, "got 65 characters"},
    {"go: 1.21\nchecksums:\n  a.tar.gz: "
     "e2bc0b3e4b64111ec117295c088bde5f00eeed1567999ff77bc859d7df70078g\n",
     3, 13, "found 'g'"},
    {"go: 1.21\nchecksums:\n  a.tar.gz: [" HEX_A "]\n", 3, 13, "expected a sha256, got a list"},
    {"go: 1.21\nchecksums:\n  dir/a.tar.gz: " HEX_A "\n", 3, 3, "not a file name"},
    {"go: 1.21\nchecksums:\n  \"..\": " HEX_A "\n", 3, 3, "not a file name"},
    {"go: 1.21\nchecksums: []\n", 2, 12, "checksums: expected a mapping"},
    {"go: 1.x\n", 1, 5, "\"1.x\" is not a Go version"},
    {"go: 1.21.5rc1\n", 1, 5, "not a Go version"},
    {"go: Stable\n", 1, 5, "not a Go version"},
    {"go: [1.21]\n", 1, 5, "go: expected a string, got a list"},
    {"go:\n", 1, 4, "go: expected a string, got nothing (null)"},
    {"go: ~\n", 1, 5, "got nothing (null)"},
    {"hosts: [linux/amd64]\n", 1, 1, "missing required key \"go\""},
    {"# comment\n\nplatforms: []\n", 3, 1, "missing required key \"go\""},
    {"go: 1.21\nindex: ftp://example.test/\n", 2, 8, "not an https://, http://, file:// or oci:// URL"},
    {"go: 1.21\nindex: https://\n", 2, 8, "not an https://"},
    {"go: 1.21\nmirrors: [\"https://a b/\"]\n", 2, 11, "not an https://"},
    {"go: 1.21\nmirrors: https://go.dev/dl/\n", 2, 10, "mirrors: expected a list"},
    {"go: 1.21\nmirrors: []\n", 2, 10, "mirrors: empty list"},
    {"go: 1.21\ninstall: \"\"\n", 2, 10, "install: must not be empty"},
    {"go: 1.21\ninstall: [a]\n", 2, 10, "install: expected a string"},
    {"go: 1.21\nsignatures:\n  keys: [k]\n  require: [everything]\n", 4, 13,
     "unknown item \"everything\" (valid items: index, archives)"},
    {"go: 1.21\nsignatures:\n  require: [index]\n", 3, 12, "at least one key"},
    {"go: 1.21\nsignatures:\n  keys: []\n  require: [archives]\n", 4, 12, "at least one key"},
    {"go: 1.21\nsignatures:\n  legacy: yes\n", 3, 11, "expected true or false, got \"yes\""},
    {"go: 1.21\nsignatures:\n  legacy: \"true\"\n", 3, 11, "expected true or false"},
    {"go: 1.21\nsignatures:\n  key: [a]\n", 3, 3,
     "unknown key \"key\" in signatures: did you mean \"keys\"? (valid keys: keys, require, "
     "legacy, gpg, gpg-fingerprints)"},
    {"go: 1.21\nsignatures: [a]\n", 2, 13, "signatures: expected a mapping"},
    {"go: 1.21\nsignatures:\n  keys: k\n", 3, 9, "signatures.keys: expected a list"},
    {"go: 1.21\nsignatures:\n  keys: [\"\"]\n", 3, 10, "must not be empty"},
    {"go: 1.21\nbase: src\n", 2, 7, "base: expected binary or source, got \"src\""},
    {"go: 1.21\nbootstrap: /usr/lib/go\n", 2, 1, "only used with base: source"},
    {"go: 1.21\nbase: source\nbootstrap: \"\"\n", 3, 12, "bootstrap: must not be empty"},
    {"go: 1.21\nhosts: []\n", 2, 8, "hosts: empty list"},
    {"go: 1.21\nplatforms: [~]\n", 2, 13, "list items must be strings, got nothing"},
    {"go: 1.21\nplatforms: [[linux/386]]\n", 2, 13, "list items must be strings, got a list"},
    {"? [a]\n: b\n", 1, 3, "mapping keys must be plain strings"},
    {"go: \"1.21\\0\"\n", 1, 5, "NUL byte"},
    {"go: 1.21\n  bad: x\n", 2, 6, "YAML syntax error: mapping values are not allowed"},
    {"go: [1.21\n", 2, 1, "YAML syntax error"},
    {"go: \"1.21\x01\"\n", 1, 10, "invalid text"},
};

static void
test_invalid(void)
{
	struct gn_arena arena = {0};

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct gn_error err;
		struct manifest m;
		int rc = parse(&arena, invalid[i].yaml, &m, &err);
		bool ok = rc == -GN_E_MANIFEST && err.code == GN_E_MANIFEST &&
			  err.line == invalid[i].line && err.col == invalid[i].col &&
			  strstr(err.message, invalid[i].msg) != NULL &&
			  strcmp(err.file, "test.yaml") == 0;
		if (!TAP_OK(ok, "invalid %zu: %d:%d %s", i, invalid[i].line, invalid[i].col,
			    invalid[i].msg)) {
			tap_diag("rc %d code %s at %s:%d:%d: %s", rc, gn_code_name(err.code),
				 err.file, err.line, err.col, err.message);
		}
	}
	gn_arena_free(&arena);
}

static void
digest_of(const char *yaml, char hex[GN_SHA256_HEX])
{
	struct gn_arena arena = {0};
	struct gn_error err;
	struct manifest m;

	hex[0] = '\0';
	if (parse(&arena, yaml, &m, &err) != 0) {
		tap_diag("digest input did not parse: %d:%d: %s", err.line, err.col, err.message);
		snprintf(hex, GN_SHA256_HEX, "parse-error");
	} else {
		manifest_digest(&m, hex);
	}
	gn_arena_free(&arena);
}

#define D_GO "go: \"1.21\"\n"
#define D_HOSTS "hosts: [linux/amd64, darwin/arm64]\n"
#define D_PLAT "platforms: [linux/386, windows/amd64]\n"
#define D_PINS "checksums:\n  b.tar.gz: " HEX_B "\n  a.tar.gz: " HEX_A "\n"
#define D_SIGS "signatures:\n  keys: [k2, k1]\n  require: [archives, index]\n"
#define D_WHERE "mirrors: [https://go.dev/dl/]\ninstall: .gonative/go\n"
#define DIGEST_BASE D_GO D_HOSTS D_PLAT D_PINS D_SIGS D_WHERE

static void
test_digest(void)
{
	/* keys reordered, lists reordered, comments, block style, other mirrors
	 * and install, uppercase hex, "go" prefix */
	static const char same[] =
	    "# pinned toolchain\n"
	    "install: /elsewhere   # not part of the digest\n"
	    "mirrors:\n  - file:///mnt/mirror\n  - https://mirror.test/go/\n"
	    "signatures:\n  require: [index, archives]\n  keys:\n    - k1\n    - k2\n"
	    "checksums:\n"
	    "  a.tar.gz: " HEX_A "\n"
	    "  b.tar.gz: 705C64251E5B25D5D55EDE1039C6AA22BEA40A7A931D14C370339853643C3DF0\n"
	    "platforms:\n  - windows/amd64\n  - linux/386\n"
	    "hosts: [darwin/arm64, linux/amd64]\n"
	    "go: go1.21\n";
	static const struct {
		const char *name;
		const char *yaml;
	} changes[] = {
	    {"go 1.21.0", "go: \"1.21.0\"\n" D_HOSTS D_PLAT D_PINS D_SIGS},
	    {"go stable", "go: stable\n" D_HOSTS D_PLAT D_PINS D_SIGS},
	    {"go 1.22", "go: \"1.22\"\n" D_HOSTS D_PLAT D_PINS D_SIGS},
	    {"platform added",
	     D_GO D_HOSTS "platforms: [linux/386, windows/amd64, linux/arm]\n" D_PINS D_SIGS},
	    {"platforms empty", D_GO D_HOSTS D_PINS D_SIGS},
	    {"host dropped", D_GO "hosts: [linux/amd64]\n" D_PLAT D_PINS D_SIGS},
	    {"hosts default", D_GO D_PLAT D_PINS D_SIGS},
	    {"pin changed", D_GO D_HOSTS D_PLAT "checksums:\n  b.tar.gz: " HEX_A
						"\n  a.tar.gz: " HEX_A "\n" D_SIGS},
	    {"pin dropped", D_GO D_HOSTS D_PLAT "checksums:\n  a.tar.gz: " HEX_A "\n" D_SIGS},
	    {"pin renamed", D_GO D_HOSTS D_PLAT "checksums:\n  b.tar.gz: " HEX_B
						"\n  c.tar.gz: " HEX_A "\n" D_SIGS},
	    {"key added", D_GO D_HOSTS D_PLAT D_PINS
	     "signatures:\n  keys: [k2, k1, k3]\n  require: [archives, index]\n"},
	    {"require changed",
	     D_GO D_HOSTS D_PLAT D_PINS "signatures:\n  keys: [k2, k1]\n  require: [archives]\n"},
	    {"legacy off", D_GO D_HOSTS D_PLAT D_PINS D_SIGS "  legacy: false\n"},
	    {"index changed", DIGEST_BASE "index: https://mirror.test/dl.json\n"},
	    {"base source", DIGEST_BASE "base: source\n"},
	};
	char base[GN_SHA256_HEX], hex[GN_SHA256_HEX], other[GN_SHA256_HEX];

	digest_of(DIGEST_BASE, base);
	TAP_OK(strlen(base) == 64, "digest: 64 hex digits (%s)", base);
	digest_of(same, hex);
	TAP_EQ_STR(hex, base, "digest: order, comments, mirrors, install, hex case, go prefix");
	digest_of(DIGEST_BASE "index: \"" MANIFEST_DEFAULT_INDEX "\"\nbase: binary\n", hex);
	TAP_EQ_STR(hex, base, "digest: explicit defaults equal absent ones");
	digest_of(D_GO D_HOSTS D_PLAT D_PINS D_SIGS "  legacy: true\n", hex);
	TAP_EQ_STR(hex, base, "digest: legacy: true equals absent legacy");
	digest_of(DIGEST_BASE "base: source\nbootstrap: /usr/lib/go\n", hex);
	digest_of(DIGEST_BASE "base: source\nbootstrap: /opt/go1.20\n", other);
	TAP_EQ_STR(hex, other, "digest: bootstrap path does not count");
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		digest_of(changes[i].yaml, hex);
		TAP_OK(strcmp(hex, "parse-error") != 0 && strcmp(hex, base) != 0,
		       "digest changes: %s", changes[i].name);
	}
	/* Values that could fake separators must not collide. */
	digest_of("go: 1.21\nsignatures:\n  keys: [\"a\\nkey 1:b\"]\n", hex);
	digest_of("go: 1.21\nsignatures:\n  keys: [a, b]\n", other);
	TAP_OK(strcmp(hex, other) != 0, "digest: a key with a line break cannot forge two keys");
}

static void
test_starter(void)
{
	struct gn_arena arena = {0};
	static const char schema[] =
	    "# yaml-language-server: $schema=https://raw.githubusercontent.com/"
	    "gonative/gonative/main/schema/gonative.schema.json\n";
	struct gn_platform host, targets[2];
	struct gn_error err;
	struct manifest m;
	char *text;
	int rc;

	gn_platform_parse("linux/amd64", &host);
	gn_platform_parse("windows/amd64", &targets[0]);
	gn_platform_parse("linux/386", &targets[1]);
	text = manifest_starter(&arena, "1.20", &host, targets, 2);
	TAP_OK(text != NULL, "starter: text");
	if (!text) {
		return;
	}
	TAP_OK(strncmp(text, schema, strlen(schema)) == 0, "starter: schema line first");
	TAP_OK(strstr(text, "# checksums:") && strstr(text, "# signatures:"),
	       "starter: commented checksums and signatures examples");
	rc = manifest_parse(&arena, "gonative.yaml", ".", text, strlen(text), &m, &err);
	if (!TAP_OK(rc == 0, "starter: parses back")) {
		tap_diag("%d:%d: %s", err.line, err.col, err.message);
		tap_diag("%s", text);
		gn_arena_free(&arena);
		return;
	}
	TAP_OK(strcmp(m.go, "1.20") == 0 && m.go_kind == MANIFEST_GO_LINE,
	       "starter: go \"1.20\" stays a string");
	TAP_OK(!m.hosts_default && m.n_hosts == 1 && platform_is(&m.hosts[0], "linux/amd64"),
	       "starter: host");
	TAP_OK(m.n_platforms == 2 && platform_is(&m.platforms[0], "windows/amd64") &&
		   platform_is(&m.platforms[1], "linux/386"),
	       "starter: platforms");
	TAP_OK(m.n_mirrors == 1 && strcmp(m.mirrors[0], MANIFEST_DEFAULT_MIRROR) == 0 &&
		   strcmp(m.index, MANIFEST_DEFAULT_INDEX) == 0 &&
		   strcmp(m.install, MANIFEST_DEFAULT_INSTALL) == 0,
	       "starter: defaults written out");

	text = manifest_starter(&arena, NULL, NULL, NULL, 0);
	rc = text ? manifest_parse(&arena, "gonative.yaml", ".", text, strlen(text), &m, &err) : -1;
	TAP_OK(rc == 0 && m.go_kind == MANIFEST_GO_STABLE && m.hosts_default && m.n_platforms == 0,
	       "starter: no go, no host -> stable, default hosts");
	text = manifest_starter(&arena, "weird\"\\", &host, NULL, 0);
	rc = text ? manifest_parse(&arena, "gonative.yaml", ".", text, strlen(text), &m, &err) : -1;
	TAP_OK(rc == -GN_E_MANIFEST && strstr(err.message, "weird\"\\"),
	       "starter: odd go text is quoted, and rejected by the parser as a version");
	gn_arena_free(&arena);
}

static void
test_load(void)
{
	char dir[] = "/tmp/gn-manifest-XXXXXX";
	char path[512], missing[512];
	struct gn_arena arena = {0};
	struct gn_error err;
	struct manifest m;
	FILE *f;
	int rc;

	if (!mkdtemp(dir)) {
		TAP_OK(0, "load: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/gonative.yaml", dir);
	snprintf(missing, sizeof(missing), "%s/nope/gonative.yaml", dir);

	gn_error_clear(&err);
	rc = manifest_load(&arena, missing, &m, &err);
	TAP_OK(rc == -GN_E_MANIFEST && strcmp(err.file, missing) == 0 &&
		   strstr(err.message, "no such file (run `gonative init`)"),
	       "load: missing file is GN_E_MANIFEST naming the path (%s)", err.message);

	f = fopen(path, "w");
	fputs("go: 1.21.5\nplatforms: [linux/386]\n", f);
	fclose(f);
	gn_error_clear(&err);
	rc = manifest_load(&arena, path, &m, &err);
	TAP_OK(rc == 0 && strcmp(m.path, path) == 0 && strcmp(m.dir, dir) == 0 &&
		   m.go_kind == MANIFEST_GO_EXACT && m.n_platforms == 1,
	       "load: reads the file, dir is its folder");

	f = fopen(path, "w");
	fputs("go: 1.21\nplatforms: [linux/386]\nextra: 1\n", f);
	fclose(f);
	gn_error_clear(&err);
	rc = manifest_load(&arena, path, &m, &err);
	TAP_OK(rc == -GN_E_MANIFEST && strcmp(err.file, path) == 0 && err.line == 3 && err.col == 1,
	       "load: errors name the path with line:col");

	f = fopen(path, "w");
	fputs("go: 1.21\n", f);
	for (int i = 0; i < MANIFEST_MAX_BYTES / 10; i++) {
		fputs("# padding\n", f);
	}
	fclose(f);
	gn_error_clear(&err);
	rc = manifest_load(&arena, path, &m, &err);
	TAP_OK(rc == -GN_E_MANIFEST && strstr(err.message, "limit"),
	       "load: file over MANIFEST_MAX_BYTES refused (%s)", err.message);

	unlink(path);
	rmdir(dir);
	gn_arena_free(&arena);
}

/* Hostile input must fail with GN_E_MANIFEST, at once. */
static void
hostile(const char *name, const char *yaml, size_t len, int line, int col, const char *msg)
{
	struct gn_arena arena = {0};
	struct gn_error err;
	struct manifest m;
	double t0 = now();
	int rc;

	gn_error_clear(&err);
	rc = manifest_parse(&arena, "evil.yaml", ".", yaml, len, &m, &err);
	if (!TAP_OK(rc == -GN_E_MANIFEST && err.line == line && err.col == col &&
			strstr(err.message, msg),
		    "hostile %s: %d:%d %s", name, line, col, msg)) {
		tap_diag("rc %d at %d:%d: %s", rc, err.line, err.col, err.message);
	}
	TAP_OK(now() - t0 < 2.0, "hostile %s: fails fast (%.3fs)", name, now() - t0);
	gn_arena_free(&arena);
}

static void
test_hostile(void)
{
	static const char laughs[] = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
				     "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
				     "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
	size_t n = 10000;
	char *buf = malloc(MANIFEST_MAX_BYTES + 2);
	size_t len;

	if (!buf) {
		TAP_OK(0, "hostile: malloc");
		return;
	}
	hostile("billion laughs", laughs, strlen(laughs), 1, 4, "anchors (&a)");

	/* go: [[[[... 10000 deep: the 16th bracket is the 17th level. */
	len = (size_t)snprintf(buf, 8, "go: ");
	memset(buf + len, '[', n);
	len += n;
	hostile("flow nesting", buf, len, 1, 20, "nested deeper than 16 levels");

	/* block nesting: "- - - - ..." */
	len = 0;
	for (size_t i = 0; i < n; i++) {
		buf[len++] = '-';
		buf[len++] = ' ';
	}
	buf[len++] = 'x';
	hostile("block nesting", buf, len, 1, 33, "nested deeper");

	len = (size_t)snprintf(buf, 8, "go: ");
	memset(buf + len, 'x', 70000);
	len += 70000;
	hostile("huge scalar", buf, len, 1, 5, "longer than 65536 bytes");

	/* 4097 platforms on one line: refused while parsing, before the
	 * (quadratic) duplicate check. */
	len = (size_t)snprintf(buf, 32, "go: 1.21\nplatforms: [");
	for (int i = 0; i < 5000; i++) {
		memcpy(buf + len, "linux/amd64,", 12);
		len += 12;
	}
	buf[len++] = ']';
	hostile("long list", buf, len, 2, 13 + 4096 * 12, "too many items");

	memset(buf, '#', MANIFEST_MAX_BYTES + 1);
	hostile("over the size limit", buf, MANIFEST_MAX_BYTES + 1, 0, 0, "limit");
	free(buf);
}

/* Each file in CASES_DIR starts with "# expect: LINE:COL: substring". */
static void
test_case_files(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	int seen = 0;

	if (n < 0) {
		TAP_OK(0, "cases: cannot read %s", dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t nl = strlen(name);
		struct gn_arena arena = {0};
		struct gn_error err;
		struct manifest m;
		char path[1024], want[256];
		int line = 0, col = 0, rc;

		if (nl < 6 || strcmp(name + nl - 5, ".yaml") != 0) {
			free(names[i]);
			continue;
		}
		seen++;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		FILE *f = fopen(path, "r");
		if (!f || fscanf(f, "# expect: %d:%d: %255[^\n]", &line, &col, want) != 3) {
			TAP_OK(0, "case %s: has an expect line", name);
			if (f) {
				fclose(f);
			}
			free(names[i]);
			continue;
		}
		fclose(f);
		gn_error_clear(&err);
		rc = manifest_load(&arena, path, &m, &err);
		if (!TAP_OK(rc == -GN_E_MANIFEST && err.line == line && err.col == col &&
				strstr(err.message, want),
			    "case %s: %d:%d %s", name, line, col, want)) {
			tap_diag("rc %d at %d:%d: %s", rc, err.line, err.col, err.message);
		}
		gn_arena_free(&arena);
		free(names[i]);
	}
	free(names);
	TAP_OK(seen >= 3, "cases: found %d case files", seen);
}

int
main(int argc, char **argv)
{
	test_full();
	test_defaults();
	test_go_forms();
	test_invalid();
	test_digest();
	test_starter();
	test_load();
	test_hostile();
	if (argc > 1) {
		test_case_files(argv[1]);
	} else {
		TAP_OK(0, "usage: test_manifest CASES_DIR");
	}
	return tap_done();
}
