/*
 * tests/lockfiles/common.h - fixtures shared by the lockfiles/ tests:
 * a go.dev-shaped index built from a compact table, and manifests built by
 * hand (no YAML), so these tests do not depend on manifest/'s parser.
 */
#ifndef TESTS_LOCKFILES_COMMON_H
#define TESTS_LOCKFILES_COMMON_H

#include "gn/arena.h"
#include "gn/buf.h"
#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"
#include "lockfiles/index.h"
#include "manifest/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sha256 the fixture index gives a file: sha256(filename). */
static inline void
fixture_sha(const char *filename, char hex[GN_SHA256_HEX])
{
	uint8_t d[GN_SHA256_LEN];

	gn_sha256(filename, strlen(filename), d);
	gn_hex_encode(d, sizeof(d), hex);
}

struct fixture_file {
	const char *filename, *os, *arch, *kind;
	int no_sha; /* index has "" (old releases) */
};

struct fixture_release {
	const char *version;
	int stable;
	struct fixture_file files[12];
};

/* Newest first, like go.dev. */
static const struct fixture_release fixture_releases[] = {
	{"go1.22rc2", 0, {{"go1.22rc2.linux-amd64.tar.gz", "linux", "amd64", "archive", 0}}},
	{"go1.21.6",
	 1,
	 {
		 {"go1.21.6.src.tar.gz", "", "", "source", 0},
		 {"go1.21.6.darwin-amd64.tar.gz", "darwin", "amd64", "archive", 0},
		 {"go1.21.6.darwin-amd64.pkg", "darwin", "amd64", "installer", 0},
		 {"go1.21.6.darwin-arm64.tar.gz", "darwin", "arm64", "archive", 0},
		 {"go1.21.6.linux-386.tar.gz", "linux", "386", "archive", 0},
		 {"go1.21.6.linux-amd64.tar.gz", "linux", "amd64", "archive", 0},
		 {"go1.21.6.linux-armv6l.tar.gz", "linux", "armv6l", "archive", 0},
		 {"go1.21.6.windows-amd64.msi", "windows", "amd64", "installer", 0},
		 {"go1.21.6.windows-amd64.zip", "windows", "amd64", "archive", 0},
	 }},
	{"go1.21.5",
	 1,
	 {
		 {"go1.21.5.src.tar.gz", "", "", "source", 0},
		 {"go1.21.5.darwin-amd64.tar.gz", "darwin", "amd64", "archive", 0},
		 {"go1.21.5.darwin-arm64.tar.gz", "darwin", "arm64", "archive", 0},
		 {"go1.21.5.linux-386.tar.gz", "linux", "386", "archive", 0},
		 {"go1.21.5.linux-amd64.tar.gz", "linux", "amd64", "archive", 0},
		 {"go1.21.5.linux-armv6l.tar.gz", "linux", "armv6l", "archive", 0},
		 {"go1.21.5.windows-amd64.msi", "windows", "amd64", "installer", 0},
		 {"go1.21.5.windows-amd64.zip", "windows", "amd64", "archive", 0},
	 }},
	{"go1.21rc4", 0, {{"go1.21rc4.linux-amd64.tar.gz", "linux", "amd64", "archive", 0}}},
	{"go1.20.12",
	 1,
	 {
		 {"go1.20.12.darwin-amd64.tar.gz", "darwin", "amd64", "archive", 0},
		 {"go1.20.12.linux-amd64.tar.gz", "linux", "amd64", "archive", 0},
		 {"go1.20.12.windows-amd64.zip", "windows", "amd64", "archive", 0},
	 }},
	{"go1.20",
	 1,
	 {
		 {"go1.20.linux-amd64.tar.gz", "linux", "amd64", "archive", 0},
		 {"go1.20.windows-amd64.zip", "windows", "amd64", "archive", 0},
	 }},
	{"go1.19.13",
	 1,
	 {
		 {"go1.19.13.linux-386.tar.gz", "linux", "386", "archive", 0},
		 {"go1.19.13.linux-amd64.tar.gz", "linux", "amd64", "archive", 0},
		 {"go1.19.13.linux-arm6.tar.gz", "linux", "arm6", "archive", 0},
		 {"go1.19.13.darwin-arm64.tar.gz", "darwin", "arm64", "archive", 0},
		 {"go1.19.13.linux-armv6l.tar.gz", "linux", "armv6l", "archive", 0},
		 {"go1.19.13.windows-amd64.msi", "windows", "amd64", "installer", 0},
		 {"go1.19.13.windows-amd64.zip", "windows", "amd64", "archive", 0},
	 }},
	{"go1.4.2",
	 1,
	 {
		 {"go1.4.2.darwin-amd64-osx10.6.tar.gz", "darwin", "amd64", "archive", 1},
		 {"go1.4.2.darwin-amd64-osx10.8.pkg", "darwin", "amd64", "installer", 1},
		 {"go1.4.2.darwin-amd64-osx10.8.tar.gz", "darwin", "amd64", "archive", 1},
		 {"go1.4.2.linux-amd64.tar.gz", "linux", "amd64", "archive", 1},
	 }},
	{"go1",
	 1,
	 {
		 {"go1.4-bootstrap-20170531.tar.gz", "4", "bootstrap", "source", 0},
	 }},
};

/* The fixture as go.dev-shaped JSON (caller frees buf). */
static inline void
fixture_index_json(struct gn_buf *out)
{
	size_t n = sizeof(fixture_releases) / sizeof(fixture_releases[0]);

	gn_buf_puts(out, "[\n");
	for (size_t r = 0; r < n; r++) {
		const struct fixture_release *rel = &fixture_releases[r];
		size_t nf = 0;

		while (nf < 12 && rel->files[nf].filename) {
			nf++;
		}
		gn_buf_printf(out, " {\n  \"version\": \"%s\",\n  \"stable\": %s,\n  \"files\": [\n",
			      rel->version, rel->stable ? "true" : "false");
		for (size_t i = 0; i < nf; i++) {
			const struct fixture_file *f = &rel->files[i];
			char hex[GN_SHA256_HEX];

			fixture_sha(f->filename, hex);
			gn_buf_printf(out,
				      "   {\n    \"filename\": \"%s\",\n    \"os\": \"%s\",\n"
				      "    \"arch\": \"%s\",\n    \"version\": \"%s\",\n"
				      "    \"sha256\": \"%s\",\n    \"size\": %zu,\n"
				      "    \"kind\": \"%s\"\n   }%s\n",
				      f->filename, f->os, f->arch, rel->version, f->no_sha ? "" : hex,
				      1000 + strlen(f->filename) * 7 + i, f->kind,
				      i + 1 < nf ? "," : "");
		}
		gn_buf_printf(out, "  ]\n }%s\n", r + 1 < n ? "," : "");
	}
	gn_buf_puts(out, "]\n");
}

/* The size the fixture gives a file (must match fixture_index_json). */
static inline long long
fixture_size(const char *filename)
{
	size_t n = sizeof(fixture_releases) / sizeof(fixture_releases[0]);

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < 12 && fixture_releases[r].files[i].filename; i++) {
			if (strcmp(fixture_releases[r].files[i].filename, filename) == 0) {
				return (long long)(1000 + strlen(filename) * 7 + i);
			}
		}
	}
	return -1;
}

/* "a,b" -> platforms in the arena. */
static inline struct gn_platform *
parse_platforms(struct gn_arena *a, const char *list, size_t *n)
{
	struct gn_platform *ps = gn_arena_array(a, 16, sizeof(*ps));
	char *copy = gn_arena_strdup(a, list), *save = NULL;

	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (gn_platform_parse(t, &ps[*n]) != GN_PLATFORM_OK) {
			abort();
		}
		(*n)++;
	}
	return ps;
}

/*
 * A manifest as manifest_parse() would produce it.  go: "stable", a line
 * ("1.21": no patch, no prerelease) or exact.  hosts NULL -> default host.
 */
static inline void
make_manifest(struct gn_arena *a, struct manifest *m, const char *go, const char *hosts,
	      const char *platforms)
{
	memset(m, 0, sizeof(*m));
	m->path = "gonative.yaml";
	m->dir = ".";
	m->go = go;
	m->go_line = 1;
	m->go_col = 5;
	if (strcmp(go, "stable") == 0) {
		m->go_kind = MANIFEST_GO_STABLE;
	} else {
		if (gn_goversion_parse(go, &m->go_version) != 0) {
			abort();
		}
		m->go_kind = m->go_version.has_patch || m->go_version.pre != GN_PRE_NONE
				     ? MANIFEST_GO_EXACT
				     : MANIFEST_GO_LINE;
	}
	if (hosts) {
		m->hosts = parse_platforms(a, hosts, &m->n_hosts);
	} else {
		m->hosts_default = true;
	}
	m->platforms = parse_platforms(a, platforms, &m->n_platforms);
	m->index = MANIFEST_DEFAULT_INDEX;
	m->install = MANIFEST_DEFAULT_INSTALL;
}

static inline void
add_pin(struct gn_arena *a, struct manifest *m, const char *file, const char *sha)
{
	struct manifest_checksum *c = gn_arena_array(a, m->n_checksums + 1, sizeof(*c));

	if (m->n_checksums) {
		memcpy(c, m->checksums, m->n_checksums * sizeof(*c));
	}
	c[m->n_checksums].file = file;
	snprintf(c[m->n_checksums].sha256, GN_SHA256_HEX, "%s", sha);
	c[m->n_checksums].line = 7 + (int)m->n_checksums;
	c[m->n_checksums].col = 3;
	m->checksums = c;
	m->n_checksums++;
}

#endif
