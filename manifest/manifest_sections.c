/*
 * manifest/manifest_sections.c - what each top-level key of gonative.yaml
 * reads: go, hosts, platforms, index, mirrors, checksums, install, base,
 * bootstrap, insecure-registries, sumdb, proxy, source, and the sections
 * signatures: and cc: with their own field tables.  The top-level table is
 * in manifest.c.
 */
#include "manifest/manifest_private.h"

#include "gn/fs.h"
#include "gn/suggest.h"
#include "gn/yamltree.h"
#include "manifest/gomod.h"
#include "manifest/mirrorurl.h"
#include "manifest/ociref.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * install: sync replaces that folder's contents.  Refused here, from the
 * text alone: a control character or a ':' (it breaks PATH), "/", and any
 * spelling of the manifest's folder or a folder above it (".", "..",
 * "a/../..").  project_open() refuses the rest by identity.
 */
int
manifest_parse_install(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		       const struct gn_yaml_node *v)
{
	size_t normal = 0, ups = 0;
	const char *c;
	int rc;

	if ((rc = manifest_want_nonempty_string(p, "install", v, &m->install)) != 0) {
		return rc;
	}
	m->install_line = v->line;
	m->install_col = v->col;
	for (size_t i = 0; i < v->len; i++) {
		unsigned char b = (unsigned char)v->text[i];

		if (b < 0x20 || b == 0x7f) {
			return fail_node(p, v, "install: holds a control character (byte 0x%02x); "
					 "choose a plain folder path", b);
		}
		if (b == ':') {
			return fail_node(p, v, "install: holds a ':', which would split PATH "
					 "(GOROOT/bin goes on it); choose a path without ':'");
		}
	}
	/* Lexically: what is left once "." and "x/.." are dropped. */
	for (c = m->install; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (normal > 0) {
				normal--;
			} else {
				ups++;
			}
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			normal++;
		}
		c += n;
		c += strspn(c, "/");
	}
	if (normal == 0) {
		return fail_node(p, v, "install: \"%s\" is %s; sync replaces the install "
				 "folder's contents, so it must be a folder of its own: choose "
				 "another install: path", m->install,
				 m->install[0] == '/' ? "the root folder /"
				 : ups ? "a folder above the manifest's folder"
				       : "the manifest's own folder");
	}
	return 0;
}

int
manifest_parse_go(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		  const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string(p, "go", v, &m->go);

	if (rc) {
		return rc;
	}
	m->go_line = v->line;
	m->go_col = v->col;
	if (strcmp(v->text, "stable") == 0) {
		m->go_kind = MANIFEST_GO_STABLE;
		return 0;
	}
	if (gomod_is_path(v->text)) {
		m->go_kind = MANIFEST_GO_FILE;
		m->go_file = m->go;
		return 0;
	}
	if (gn_goversion_parse(v->text, &m->go_version) != 0) {
		return fail_node(p, v,
				 "go: \"%s\" is not a Go version: write \"1.21.5\" (exact), "
				 "\"1.21\" (newest patch of that line), \"1.22rc1\", \"stable\" "
				 "or a path to a go.mod or go.work",
				 SHOW(v, a));
	}
	if (m->go_version.has_patch || m->go_version.pre != GN_PRE_NONE) {
		m->go_kind = MANIFEST_GO_EXACT;
	} else {
		m->go_kind = MANIFEST_GO_LINE;
	}
	return 0;
}

int
manifest_parse_checksums(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v)
{
	size_t n = 0;
	char a[80];

	if (v->kind != GN_YAML_MAP) {
		return fail_node(p, v,
				 "checksums: expected a mapping of file name to sha256, got %s",
				 gn_yaml_kind_name(v));
	}
	m->checksums = gn_arena_array(p->arena, v->n ? v->n / 2 : 1, sizeof(*m->checksums));
	if (!m->checksums) {
		return nomem(p);
	}
	for (const struct gn_yaml_node *key = v->first; key; key = key->next->next) {
		const struct gn_yaml_node *val = key->next;
		struct manifest_checksum *c = &m->checksums[n];
		size_t bad;

		if (!manifest_valid_file_name(key->text, key->len)) {
			return fail_node(p, key,
					 "checksums: \"%s\" is not a file name such as "
					 "go1.21.5.linux-amd64.tar.gz",
					 SHOW(key, a));
		}
		if (val->kind != GN_YAML_SCALAR || gn_yaml_is_null(val)) {
			return fail_node(p, val, "checksums: %s: expected a sha256, got %s",
					 SHOW(key, a), gn_yaml_kind_name(val));
		}
		if (val->len != GN_SHA256_HEX - 1) {
			return fail_node(
				p, val,
				"checksums: %s: a sha256 is 64 hex digits, got %zu characters",
				SHOW(key, a), val->len);
		}
		bad = gn_hex_lower(val->text, val->len, c->sha256);
		if (bad < val->len) {
			char ch = val->text[bad];

			return fail_node(p, val,
					 "checksums: %s: a sha256 is 64 hex digits, found '%c'",
					 SHOW(key, a), ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
		c->sha256[GN_SHA256_HEX - 1] = '\0';
		c->file = gn_arena_strdup(p->arena, key->text);
		if (!c->file) {
			return nomem(p);
		}
		c->line = key->line;
		c->col = key->col;
		n++;
	}
	m->n_checksums = n;
	return 0;
}

/*
 * sumdb: "<name>+<hash>+<key> [URL]" as GOSUMDB writes it.  The key is
 * checked in full when the project opens (builder/note.c); here its shape.
 * "off" is refused: Go itself never skips the log for toolchains.
 */
int
manifest_parse_sumdb(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	const char *plus1, *plus2, *space;
	char a[80];
	int rc = manifest_want_nonempty_string(p, "sumdb", v, &m->sumdb);

	if (rc) {
		return rc;
	}
	m->sumdb_line = v->line;
	m->sumdb_col = v->col;
	if (strcmp(v->text, "off") == 0) {
		return fail_node(p, v,
				 "sumdb: off is refused: Go checks every toolchain against the "
				 "checksum database even with GOSUMDB=off; leave sumdb: out to "
				 "trust the release index alone");
	}
	plus1 = strchr(v->text, '+');
	plus2 = plus1 ? strchr(plus1 + 1, '+') : NULL;
	space = strchr(v->text, ' ');
	if (!plus2 || (space && space < plus2)) {
		return fail_node(p, v,
				 "sumdb: \"%s\" is not a checksum database key: write "
				 "\"<name>+<hash>+<key> [URL]\" as GOSUMDB does, e.g. \"%s\"",
				 SHOW(v, a), MANIFEST_DEFAULT_SUMDB);
	}
	if (space) {
		while (*space == ' ') {
			space++;
		}
		if (!manifest_valid_url(space) || strchr(space, ' ')) {
			return fail_node(p, v, "sumdb: \"%s\" is not an https://, http:// or "
					 "file:// URL", space);
		}
	}
	return 0;
}

/* source: index (default) or proxy (golang.org/toolchain module zips). */
int
manifest_parse_source(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		      const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string(p, "source", v, NULL);

	if (rc) {
		return rc;
	}
	m->source_line = v->line;
	m->source_col = v->col;
	if (strcmp(v->text, "index") == 0) {
		m->source = MANIFEST_SOURCE_INDEX;
	} else if (strcmp(v->text, "proxy") == 0) {
		m->source = MANIFEST_SOURCE_PROXY;
	} else {
		return fail_node(p, v, "source: expected index or proxy, got \"%s\"", SHOW(v, a));
	}
	return 0;
}

int
manifest_parse_base(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		    const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string(p, "base", v, NULL);

	if (rc) {
		return rc;
	}
	if (strcmp(v->text, "binary") == 0) {
		m->base = MANIFEST_BASE_BINARY;
	} else if (strcmp(v->text, "source") == 0) {
		m->base = MANIFEST_BASE_SOURCE;
	} else {
		return fail_node(p, v, "base: expected binary or source, got \"%s\"", SHOW(v, a));
	}
	return 0;
}

int
manifest_parse_hosts(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	int rc = manifest_want_platforms(p, "hosts", v, &m->hosts, &m->n_hosts);

	m->hosts_default = false;
	if (rc == 0 && m->n_hosts == 0) {
		return fail_node(p, v,
				 "hosts: empty list; leave hosts out to use the machine "
				 "running `gonative lock`");
	}
	return rc;
}

int
manifest_parse_platforms(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v)
{
	return manifest_want_platforms(p, "platforms", v, &m->platforms, &m->n_platforms);
}

int
manifest_parse_index(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	return manifest_want_url(p, "index", v, &m->index);
}

int
manifest_parse_mirrors(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		       const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "mirrors", v, "[https://go.dev/dl/]",
				  "leave mirrors out to use " MANIFEST_DEFAULT_MIRROR,
				  manifest_want_mirror, &m->mirrors, &m->n_mirrors);
}

int
manifest_parse_insecure(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "insecure-registries", v, "[registry.lan:5000]", NULL,
				  manifest_want_registry, &m->insecure_registries,
				  &m->n_insecure_registries);
}

/* proxy: GOPROXY-style base URLs, asked for <proxy>/sumdb/<name>/. */
int
manifest_parse_proxy(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "proxy", v, "[https://proxy.golang.org]",
				  "leave proxy out for " MANIFEST_DEFAULT_PROXY, manifest_want_url,
				  &m->proxies, &m->n_proxies);
}

int
manifest_parse_bootstrap(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v)
{
	p->bootstrap = k;
	return manifest_want_nonempty_string(p, "bootstrap", v, &m->bootstrap);
}

/* signatures: */

static int
sig_keys(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "signatures.keys", v, "[\"RWQ...\"]", NULL,
				  manifest_want_nonempty_string, &m->signatures.keys,
				  &m->signatures.n_keys);
}

static int
sig_require(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string_list(p, "signatures.require", v, "[index, archives]");

	if (rc) {
		return rc;
	}
	for (const struct gn_yaml_node *it = v->first; it; it = it->next) {
		if (strcmp(it->text, "index") == 0) {
			m->signatures.require_index = true;
		} else if (strcmp(it->text, "archives") == 0) {
			m->signatures.require_archives = true;
		} else {
			return fail_node(p, it,
					 "signatures.require: unknown item \"%s\" "
					 "(valid items: index, archives)",
					 SHOW(it, a));
		}
	}
	p->require = v;
	return 0;
}

static int
sig_legacy(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	   const struct gn_yaml_node *v)
{
	return manifest_want_bool(p, "signatures.legacy", v, &m->signatures.allow_legacy);
}

/*
 * signatures.gpg: OpenPGP keyrings (paths) whose keys may sign the .tar.gz
 * archives; signatures.gpg-fingerprints: the primary keys allowed, 40 hex.
 */
static int
sig_gpg(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "signatures.gpg", v, "[keys/golang-release.gpg]", NULL,
				  manifest_want_nonempty_string, &m->gpg_keyrings,
				  &m->n_gpg_keyrings);
}

static int
sig_gpg_fingerprints(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "signatures.gpg-fingerprints", v,
				  "[\"EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796\"]", NULL,
				  manifest_want_fingerprint, &m->gpg_fingerprints,
				  &m->n_gpg_fingerprints);
}

static const struct field signature_fields[] = {
	{ "keys", sig_keys },
	{ "require", sig_require },
	{ "legacy", sig_legacy },
	{ "gpg", sig_gpg },
	{ "gpg-fingerprints", sig_gpg_fingerprints },
};

int
manifest_parse_signatures(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			  const struct gn_yaml_node *v)
{
	int rc = manifest_parse_section(p, m, v, "signatures", signature_fields,
					sizeof(signature_fields) / sizeof(signature_fields[0]));

	if (rc == 0 && p->require &&
	    (m->signatures.require_index || m->signatures.require_archives) &&
	    m->signatures.n_keys == 0) {
		return fail_node(p, p->require,
				 "signatures.require: nothing can be verified without at least "
				 "one key in signatures.keys");
	}
	return rc;
}

/* cc: the Zig C cross compiler (README "C cross compiler (Zig)"). */

static int
cc_zig(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
       const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string(p, "cc.zig", v, &m->cc.zig);

	if (rc) {
		return rc;
	}
	if (!manifest_dotted_numbers(m->cc.zig, 3, 3)) {
		return fail_node(p, v,
				 "cc.zig: \"%s\" is not an exact Zig release such as \"0.11.0\"",
				 SHOW(v, a));
	}
	m->cc.zig_line = v->line;
	m->cc.zig_col = v->col;
	return 0;
}

static int
cc_index(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	return manifest_want_url(p, "cc.index", v, &m->cc.index);
}

static int
cc_mirrors(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	   const struct gn_yaml_node *v)
{
	return manifest_want_list(p, "cc.mirrors", v, "[https://mirror.example/zig/]", NULL,
				  manifest_want_mirror, &m->cc.mirrors, &m->cc.n_mirrors);
}

static int
cc_keys(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	return manifest_want_list(
		p, "cc.keys", v, "[\"RWS...\"]",
		"Zig tarballs are always verified (leave cc.keys out for Zig's own key)",
		manifest_want_nonempty_string, &m->cc.keys, &m->cc.n_keys);
}

static int
cc_glibc(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	char a[80];
	int rc = manifest_want_string(p, "cc.glibc", v, &m->cc.glibc);

	if (rc == 0 &&
	    (strncmp(m->cc.glibc, "2.", 2) != 0 || !manifest_dotted_numbers(m->cc.glibc, 2, 3))) {
		return fail_node(p, v, "cc.glibc: \"%s\" is not a glibc version such as \"2.17\"",
				 SHOW(v, a));
	}
	return rc;
}

static int
cc_musl(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	int rc = manifest_want_platforms(p, "cc.musl", v, &m->cc.musl, &m->cc.n_musl);

	for (size_t i = 0; rc == 0 && i < m->cc.n_musl; i++) {
		if (strcmp(m->cc.musl[i].os, "linux") != 0) {
			char text[GN_PLATFORM_TEXT];

			gn_platform_format(&m->cc.musl[i], text, sizeof(text));
			return fail_node(p, v,
					 "cc.musl: %s cannot link against musl (a Linux C library)",
					 text);
		}
	}
	return rc;
}

static int
cc_skip(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	return manifest_want_platforms(p, "cc.skip", v, &m->cc.skip, &m->cc.n_skip);
}

static const struct field cc_fields[] = {
	{ "zig", cc_zig },   { "index", cc_index }, { "mirrors", cc_mirrors },
	{ "keys", cc_keys }, { "glibc", cc_glibc }, { "musl", cc_musl },
	{ "skip", cc_skip },
};

int
manifest_parse_cc(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		  const struct gn_yaml_node *v)
{
	int rc;

	m->cc.enabled = true;
	m->cc.line = k->line;
	m->cc.col = k->col;
	p->cc = v;
	rc = manifest_parse_section(p, m, v, "cc", cc_fields,
				    sizeof(cc_fields) / sizeof(cc_fields[0]));
	if (rc == 0 && !m->cc.zig) {
		return fail_node(p, v, "cc: missing required key \"zig\" (e.g. zig: \"0.11.0\")");
	}
	return rc;
}

/* cc.musl and cc.skip name targets: each must be one of platforms. */
int
manifest_check_cc_platforms(struct parse *p, const struct manifest *m,
			    const struct gn_yaml_node *cc_node)
{
	const struct {
		const char *key;
		const struct gn_platform *list;
		size_t n;
	} lists[] = {
		{"cc.musl", m->cc.musl, m->cc.n_musl},
		{"cc.skip", m->cc.skip, m->cc.n_skip},
	};

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l].n; i++) {
			char text[GN_PLATFORM_TEXT];

			if (gn_platform_in(&lists[l].list[i], m->platforms, m->n_platforms)) {
				continue;
			}
			gn_platform_format(&lists[l].list[i], text, sizeof(text));
			return fail_node(p, cc_node, "%s: %s is not one of platforms", lists[l].key,
					 text);
		}
	}
	return 0;
}
