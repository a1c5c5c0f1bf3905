/*
 * manifest/manifest.c - strict gonative.yaml v1 parser.
 *
 * Two passes.  gn/yamltree.h reads the text into a strict tree in a
 * scratch arena (anchors, aliases, tags, extra documents, deep nesting,
 * huge scalars and duplicate keys are refused there, at their first bad
 * event).  Then the tree is checked against the v1 schema and copied into
 * the caller's arena.
 */
#include "manifest/manifest.h"

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

struct parse {
	struct gn_arena scratch; /* the YAML tree; freed before returning */
	struct gn_arena *arena;	 /* the caller's: everything in struct manifest */
	struct gn_yaml_doc doc;
	const struct gn_yaml_node *root;
	/* Values checked once their whole section is read. */
	const struct gn_yaml_node *bootstrap, *require, *cc;
};

#define fail_at(p, line, col, ...) gn_yaml_fail(&(p)->doc, (line), (col), __VA_ARGS__)
#define fail_node(p, node, ...) gn_yaml_fail_node(&(p)->doc, (node), __VA_ARGS__)
#define nomem(p) gn_yaml_nomem(&(p)->doc)
#define SHOW(node, buf) gn_yaml_show((node)->text, (node)->len, (buf))

static int
want_string(struct parse *p, const char *key, const struct gn_yaml_node *v, const char **out)
{
	if (v->kind != GN_YAML_SCALAR || gn_yaml_is_null(v)) {
		return fail_node(p, v, "%s: expected a string, got %s", key, gn_yaml_kind_name(v));
	}
	if (out) {
		*out = gn_arena_strdup(p->arena, v->text);
		if (!*out) {
			return nomem(p);
		}
	}
	return 0;
}

static int
want_nonempty_string(struct parse *p, const char *key, const struct gn_yaml_node *v,
		     const char **out)
{
	int rc = want_string(p, key, v, out);

	if (rc == 0 && v->len == 0) {
		return fail_node(p, v, "%s: must not be empty", key);
	}
	return rc;
}

/*
 * install: sync replaces that folder's contents.  Refused here, from the
 * text alone: a control character or a ':' (it breaks PATH), "/", and any
 * spelling of the manifest's folder or a folder above it (".", "..",
 * "a/../..").  project_open() refuses the rest by identity.
 */
static int
parse_install(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	      const struct gn_yaml_node *v)
{
	size_t normal = 0, ups = 0;
	const char *c;
	int rc;

	if ((rc = want_nonempty_string(p, "install", v, &m->install)) != 0) {
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

/* v must be a list of strings with no item twice. */
static int
want_string_list(struct parse *p, const char *key, const struct gn_yaml_node *v,
		 const char *example)
{
	char a[80];

	if (v->kind != GN_YAML_SEQ) {
		return fail_node(p, v, "%s: expected a list such as %s, got %s", key, example,
				 gn_yaml_kind_name(v));
	}
	for (const struct gn_yaml_node *it = v->first; it; it = it->next) {
		if (it->kind != GN_YAML_SCALAR || gn_yaml_is_null(it)) {
			return fail_node(p, it, "%s: list items must be strings, got %s", key,
					 gn_yaml_kind_name(it));
		}
		for (const struct gn_yaml_node *prev = v->first; prev != it; prev = prev->next) {
			if (strcmp(prev->text, it->text) == 0) {
				return fail_node(p, it,
						 "%s: \"%s\" is listed twice (first at line %d)",
						 key, SHOW(it, a), prev->line);
			}
		}
	}
	return 0;
}

static int
want_platforms(struct parse *p, const char *key, const struct gn_yaml_node *v,
	       struct gn_platform **out, size_t *n_out)
{
	struct gn_platform *list;
	size_t n = 0;
	char a[80];
	int rc;

	rc = want_string_list(p, key, v, "[linux/amd64, darwin/arm64]");
	if (rc) {
		return rc;
	}
	list = gn_arena_array(p->arena, v->n ? v->n : 1, sizeof(*list));
	if (!list) {
		return nomem(p);
	}
	for (const struct gn_yaml_node *it = v->first; it; it = it->next) {
		switch (gn_platform_parse(it->text, &list[n])) {
		case GN_PLATFORM_OK:
			break;
		case GN_PLATFORM_MALFORMED:
			return fail_node(
			    p, it,
			    "%s: \"%s\" is not a platform: write os/arch in lowercase, "
			    "as `go tool dist list` prints it (e.g. linux/amd64)",
			    key, SHOW(it, a));
		case GN_PLATFORM_UNKNOWN: {
			const char *close = gn_suggest(it->text, gn_platform_known(), 0);

			if (close) {
				return fail_node(p, it,
						 "%s: unknown platform \"%s\": did you mean %s?", key,
						 SHOW(it, a), close);
			}
			return fail_node(p, it,
					 "%s: unknown platform \"%s\": no Go port has that name "
					 "(see `go tool dist list`)",
					 key, SHOW(it, a));
		}
		}
		n++;
	}
	*out = list;
	*n_out = n;
	return 0;
}

static bool
valid_url(const char *s)
{
	static const char *const schemes[] = {"https://", "http://", "file://", "oci://"};
	const char *rest = NULL;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(s, schemes[i], n) == 0) {
			rest = s + n;
			break;
		}
	}
	if (!rest || *rest == '\0') {
		return false;
	}
	for (; *rest; rest++) {
		unsigned char c = (unsigned char)*rest;
		if (c <= 0x20 || c == 0x7f) {
			return false;
		}
	}
	return true;
}

static int
want_url(struct parse *p, const char *key, const struct gn_yaml_node *v, const char **out)
{
	char a[80];
	int rc = want_string(p, key, v, out);

	if (rc) {
		return rc;
	}
	if (!valid_url(v->text)) {
		return fail_node(p, v,
				 "%s: \"%s\" is not an https://, http://, file:// or oci:// URL", key,
				 SHOW(v, a));
	}
	if (oci_is_ref(v->text)) {
		struct oci_ref ref;
		char why[200];

		if (oci_ref_parse(v->text, NULL, 0, &ref, why, sizeof(why)) != 0) {
			return fail_node(p, v, "%s: \"%s\": %s", key, SHOW(v, a), why);
		}
		if (mirror_is_template(v->text)) {
			return fail_node(p, v, "%s: \"%s\": an oci:// mirror takes no template", key,
					 SHOW(v, a));
		}
	}
	return 0;
}

/*
 * A list of strings (want_string_list), each item read by want_item into
 * a new array.  if_empty: an empty list is refused with that advice.
 */
static int
want_list(struct parse *p, const char *key, const struct gn_yaml_node *v, const char *example,
	  const char *if_empty,
	  int (*want_item)(struct parse *p, const char *key, const struct gn_yaml_node *it,
			   const char **out),
	  const char ***out, size_t *n_out)
{
	const char **list;
	size_t n = 0;
	int rc = want_string_list(p, key, v, example);

	if (rc) {
		return rc;
	}
	if (if_empty && v->n == 0) {
		return fail_node(p, v, "%s: empty list; %s", key, if_empty);
	}
	list = gn_arena_array(p->arena, v->n ? v->n : 1, sizeof(*list));
	if (!list) {
		return nomem(p);
	}
	for (const struct gn_yaml_node *it = v->first; it; it = it->next) {
		if ((rc = want_item(p, key, it, &list[n++])) != 0) {
			return rc;
		}
	}
	*out = list;
	*n_out = n;
	return 0;
}

/* One entry of mirrors: or cc.mirrors: a URL, a template or oci://. */
static int
want_mirror(struct parse *p, const char *key, const struct gn_yaml_node *it, const char **out)
{
	char why[160];
	size_t offset;
	int rc = want_url(p, key, it, out);

	if (rc == 0 && mirror_is_template(it->text) &&
	    mirror_template_check(it->text, why, sizeof(why), &offset) != 0) {
		/* Point at the placeholder (plain scalars start at col). */
		return fail_at(p, it->line, it->col + (it->plain ? (int)offset : 0),
			       "%s: \"%s\": %s", key, it->text, why);
	}
	return rc;
}

/* insecure-registries: [host[:port], ...]: plain http allowed there. */
static int
want_registry(struct parse *p, const char *key, const struct gn_yaml_node *it, const char **out)
{
	struct oci_ref ref;
	char a[80], why[200], *url = gn_arena_printf(&p->scratch, "oci://%s/x", it->text);

	if (!url) {
		return nomem(p);
	}
	if (strchr(it->text, '/') || oci_ref_parse(url, NULL, 0, &ref, why, sizeof(why)) != 0) {
		return fail_node(p, it, "%s: \"%s\" is not a registry host[:port]", key,
				 SHOW(it, a));
	}
	*out = gn_arena_strdup(p->arena, it->text);
	return *out ? 0 : nomem(p);
}

/* signatures.gpg-fingerprints: 40 hex, spaces as gpg prints them dropped. */
static int
want_fingerprint(struct parse *p, const char *key, const struct gn_yaml_node *it, const char **out)
{
	char a[80], *fp;
	size_t o = 0;
	int rc = want_nonempty_string(p, key, it, out);

	if (rc) {
		return rc;
	}
	fp = (char *)*out;
	for (size_t i = 0; fp[i]; i++) {
		if (fp[i] != ' ') {
			fp[o++] = (char)toupper((unsigned char)fp[i]);
		}
	}
	fp[o] = '\0';
	if (o != 40 || strspn(fp, "0123456789ABCDEF") != 40) {
		return fail_node(p, it, "%s: \"%s\" is not a 40-digit hex OpenPGP fingerprint", key,
				 SHOW(it, a));
	}
	return 0;
}

/* "unknown key" with a "did you mean" when one valid key is a likely typo. */
static int
unknown_key(struct parse *p, const struct gn_yaml_node *k, const char *where, const char *valid)
{
	char a[80], close[64];

	if (gn_suggest_csv(k->text, valid, close, sizeof(close))) {
		return fail_node(p, k, "unknown key \"%s\"%s: did you mean \"%s\"? (valid keys: %s)",
				 SHOW(k, a), where, close, valid);
	}
	return fail_node(p, k, "unknown key \"%s\"%s (valid keys: %s)", SHOW(k, a), where,
			 valid);
}

static int
parse_go(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	char a[80];
	int rc = want_string(p, "go", v, &m->go);

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

/* A pin names one artifact in a mirror folder: a bare file name. */
static bool
valid_file_name(const char *s, size_t len)
{
	if (len == 0 || len > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '/' || c == '\\') {
			return false;
		}
	}
	return true;
}

static int
parse_checksums(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
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

		if (!valid_file_name(key->text, key->len)) {
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

static int
want_bool(struct parse *p, const char *key, const struct gn_yaml_node *v, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};

	if (v->kind == GN_YAML_SCALAR && v->plain) {
		for (size_t i = 0; i < 3; i++) {
			if (strcmp(v->text, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcmp(v->text, no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	if (v->kind == GN_YAML_SCALAR && !gn_yaml_is_null(v)) {
		char a[80];
		return fail_node(p, v, "%s: expected true or false, got \"%s\"", key, SHOW(v, a));
	}
	return fail_node(p, v, "%s: expected true or false, got %s", key, gn_yaml_kind_name(v));
}

/*
 * sumdb: "<name>+<hash>+<key> [URL]" as GOSUMDB writes it.  The key is
 * checked in full when the project opens (builder/note.c); here its shape.
 * "off" is refused: Go itself never skips the log for toolchains.
 */
static int
parse_sumdb(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	const char *plus1, *plus2, *space;
	char a[80];
	int rc = want_nonempty_string(p, "sumdb", v, &m->sumdb);

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
		if (!valid_url(space) || strchr(space, ' ')) {
			return fail_node(p, v, "sumdb: \"%s\" is not an https://, http:// or "
					 "file:// URL", space);
		}
	}
	return 0;
}

/* source: index (default) or proxy (golang.org/toolchain module zips). */
static int
parse_source(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	     const struct gn_yaml_node *v)
{
	char a[80];
	int rc = want_string(p, "source", v, NULL);

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

static int
parse_base(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	   const struct gn_yaml_node *v)
{
	char a[80];
	int rc = want_string(p, "base", v, NULL);

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

/* min..max dot-separated decimal numbers, no leading zeros ("0.11.0", "2.17"). */
static bool
dotted_numbers(const char *s, int min, int max)
{
	int count = 0;

	for (;;) {
		size_t n = strspn(s, "0123456789");

		if (n == 0 || n > 6 || (n > 1 && s[0] == '0')) {
			return false;
		}
		count++;
		s += n;
		if (*s == '\0') {
			break;
		}
		if (*s++ != '.') {
			return false;
		}
	}
	return count >= min && count <= max;
}

/* ---- sections: one field per key, read in file order ---- */

/* One key of a section and what reads its value (k is the key's node). */
struct field {
	const char *key;
	int (*parse)(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v);
};

/*
 * Each key of map through its field, in file order.  section names the map
 * in messages ("signatures"); NULL for the manifest itself.
 */
static int
parse_section(struct parse *p, struct manifest *m, const struct gn_yaml_node *map,
	      const char *section, const struct field *fields, size_t n_fields)
{
	char valid[256], where[64];
	size_t used = 0;
	int rc;

	valid[0] = '\0';
	for (size_t i = 0; i < n_fields; i++) {
		used += (size_t)snprintf(valid + used, sizeof(valid) - used, "%s%s", i ? ", " : "",
					 fields[i].key);
	}
	if (map->kind != GN_YAML_MAP && !section) {
		return fail_node(p, map, "the manifest must be a mapping of keys (%s), not %s",
				 valid, gn_yaml_kind_name(map));
	}
	if (map->kind != GN_YAML_MAP) {
		return fail_node(p, map, "%s: expected a mapping with keys: %s, got %s", section,
				 valid, gn_yaml_kind_name(map));
	}
	snprintf(where, sizeof(where), "%s%s", section ? " in " : "", section ? section : "");
	for (const struct gn_yaml_node *k = map->first; k; k = k->next->next) {
		size_t i = 0;

		while (i < n_fields && strcmp(k->text, fields[i].key) != 0) {
			i++;
		}
		if (i == n_fields) {
			return unknown_key(p, k, where, valid);
		}
		if ((rc = fields[i].parse(p, m, k, k->next)) != 0) {
			return rc;
		}
	}
	return 0;
}

static int
parse_hosts(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	int rc = want_platforms(p, "hosts", v, &m->hosts, &m->n_hosts);

	m->hosts_default = false;
	if (rc == 0 && m->n_hosts == 0) {
		return fail_node(p, v,
				 "hosts: empty list; leave hosts out to use the machine "
				 "running `gonative lock`");
	}
	return rc;
}

static int
parse_platforms(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		const struct gn_yaml_node *v)
{
	return want_platforms(p, "platforms", v, &m->platforms, &m->n_platforms);
}

static int
parse_index(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	return want_url(p, "index", v, &m->index);
}

static int
parse_mirrors(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	      const struct gn_yaml_node *v)
{
	return want_list(p, "mirrors", v, "[https://go.dev/dl/]",
			 "leave mirrors out to use " MANIFEST_DEFAULT_MIRROR, want_mirror,
			 &m->mirrors, &m->n_mirrors);
}

static int
parse_insecure(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	       const struct gn_yaml_node *v)
{
	return want_list(p, "insecure-registries", v, "[registry.lan:5000]", NULL, want_registry,
			 &m->insecure_registries, &m->n_insecure_registries);
}

/* proxy: GOPROXY-style base URLs, asked for <proxy>/sumdb/<name>/. */
static int
parse_proxy(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	return want_list(p, "proxy", v, "[https://proxy.golang.org]",
			 "leave proxy out for " MANIFEST_DEFAULT_PROXY, want_url, &m->proxies,
			 &m->n_proxies);
}

static int
parse_bootstrap(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		const struct gn_yaml_node *v)
{
	p->bootstrap = k;
	return want_nonempty_string(p, "bootstrap", v, &m->bootstrap);
}

/* signatures: */

static int
sig_keys(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	return want_list(p, "signatures.keys", v, "[\"RWQ...\"]", NULL, want_nonempty_string,
			 &m->signatures.keys, &m->signatures.n_keys);
}

static int
sig_require(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	    const struct gn_yaml_node *v)
{
	char a[80];
	int rc = want_string_list(p, "signatures.require", v, "[index, archives]");

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
	return want_bool(p, "signatures.legacy", v, &m->signatures.allow_legacy);
}

/*
 * signatures.gpg: OpenPGP keyrings (paths) whose keys may sign the .tar.gz
 * archives; signatures.gpg-fingerprints: the primary keys allowed, 40 hex.
 */
static int
sig_gpg(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	return want_list(p, "signatures.gpg", v, "[keys/golang-release.gpg]", NULL,
			 want_nonempty_string, &m->gpg_keyrings, &m->n_gpg_keyrings);
}

static int
sig_gpg_fingerprints(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v)
{
	return want_list(p, "signatures.gpg-fingerprints", v,
			 "[\"EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796\"]", NULL, want_fingerprint,
			 &m->gpg_fingerprints, &m->n_gpg_fingerprints);
}

static const struct field signature_fields[] = {
	{ "keys", sig_keys },
	{ "require", sig_require },
	{ "legacy", sig_legacy },
	{ "gpg", sig_gpg },
	{ "gpg-fingerprints", sig_gpg_fingerprints },
};

static int
parse_signatures(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		 const struct gn_yaml_node *v)
{
	int rc = parse_section(p, m, v, "signatures", signature_fields,
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
	int rc = want_string(p, "cc.zig", v, &m->cc.zig);

	if (rc) {
		return rc;
	}
	if (!dotted_numbers(m->cc.zig, 3, 3)) {
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
	return want_url(p, "cc.index", v, &m->cc.index);
}

static int
cc_mirrors(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	   const struct gn_yaml_node *v)
{
	return want_list(p, "cc.mirrors", v, "[https://mirror.example/zig/]", NULL, want_mirror,
			 &m->cc.mirrors, &m->cc.n_mirrors);
}

static int
cc_keys(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	return want_list(p, "cc.keys", v, "[\"RWS...\"]",
			 "Zig tarballs are always verified (leave cc.keys out for Zig's own key)",
			 want_nonempty_string, &m->cc.keys, &m->cc.n_keys);
}

static int
cc_glibc(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	char a[80];
	int rc = want_string(p, "cc.glibc", v, &m->cc.glibc);

	if (rc == 0 && (strncmp(m->cc.glibc, "2.", 2) != 0 || !dotted_numbers(m->cc.glibc, 2, 3))) {
		return fail_node(p, v, "cc.glibc: \"%s\" is not a glibc version such as \"2.17\"",
				 SHOW(v, a));
	}
	return rc;
}

static int
cc_musl(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	const struct gn_yaml_node *v)
{
	int rc = want_platforms(p, "cc.musl", v, &m->cc.musl, &m->cc.n_musl);

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
	return want_platforms(p, "cc.skip", v, &m->cc.skip, &m->cc.n_skip);
}

static const struct field cc_fields[] = {
	{ "zig", cc_zig },   { "index", cc_index }, { "mirrors", cc_mirrors },
	{ "keys", cc_keys }, { "glibc", cc_glibc }, { "musl", cc_musl },
	{ "skip", cc_skip },
};

static int
parse_cc(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
	 const struct gn_yaml_node *v)
{
	int rc;

	m->cc.enabled = true;
	m->cc.line = k->line;
	m->cc.col = k->col;
	p->cc = v;
	rc = parse_section(p, m, v, "cc", cc_fields, sizeof(cc_fields) / sizeof(cc_fields[0]));
	if (rc == 0 && !m->cc.zig) {
		return fail_node(p, v, "cc: missing required key \"zig\" (e.g. zig: \"0.11.0\")");
	}
	return rc;
}

/* cc.musl and cc.skip name targets: each must be one of platforms. */
static int
check_cc_platforms(struct parse *p, const struct manifest *m, const struct gn_yaml_node *cc_node)
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

static const struct field top_fields[] = {
	{ "go", parse_go },
	{ "hosts", parse_hosts },
	{ "platforms", parse_platforms },
	{ "index", parse_index },
	{ "mirrors", parse_mirrors },
	{ "checksums", parse_checksums },
	{ "signatures", parse_signatures },
	{ "install", parse_install },
	{ "base", parse_base },
	{ "bootstrap", parse_bootstrap },
	{ "insecure-registries", parse_insecure },
	{ "sumdb", parse_sumdb },
	{ "proxy", parse_proxy },
	{ "source", parse_source },
	{ "cc", parse_cc },
};

static int
parse_top(struct parse *p, struct manifest *m)
{
	int rc = parse_section(p, m, p->root, NULL, top_fields,
			       sizeof(top_fields) / sizeof(top_fields[0]));

	if (rc) {
		return rc;
	}
	if (!m->go) {
		return fail_node(p, p->root,
				 "missing required key \"go\" (e.g. go: \"1.21\" or go: stable)");
	}
	if (p->bootstrap && m->base != MANIFEST_BASE_SOURCE) {
		return fail_node(p, p->bootstrap, "bootstrap is only used with base: source");
	}
	if (m->source == MANIFEST_SOURCE_PROXY) {
		/* Go never installs a toolchain module without the log. */
		if (!m->sumdb) {
			m->sumdb = MANIFEST_DEFAULT_SUMDB;
		}
		if (m->base == MANIFEST_BASE_SOURCE) {
			return fail_at(p, m->source_line, m->source_col,
				       "source: proxy serves binary toolchains; base: source "
				       "needs source: index");
		}
	}
	return p->cc ? check_cc_platforms(p, m, p->cc) : 0;
}

static int
set_defaults(struct gn_arena *arena, struct manifest *m)
{
	m->mirrors = gn_arena_array(arena, 1, sizeof(*m->mirrors));
	if (!m->mirrors) {
		return -1;
	}
	m->mirrors[0] = MANIFEST_DEFAULT_MIRROR;
	m->n_mirrors = 1;
	m->hosts_default = true;
	m->index = MANIFEST_DEFAULT_INDEX;
	m->install = MANIFEST_DEFAULT_INSTALL;
	m->base = MANIFEST_BASE_BINARY;
	m->signatures.allow_legacy = true;
	m->cc.index = MANIFEST_DEFAULT_ZIG_INDEX;
	m->cc.glibc = MANIFEST_DEFAULT_GLIBC;
	m->cc.keys = gn_arena_array(arena, 1, sizeof(*m->cc.keys));
	if (!m->cc.keys) {
		return -1;
	}
	m->cc.keys[0] = MANIFEST_DEFAULT_ZIG_KEY;
	m->cc.n_keys = 1;
	m->proxies = gn_arena_array(arena, 1, sizeof(*m->proxies));
	if (!m->proxies) {
		return -1;
	}
	m->proxies[0] = MANIFEST_DEFAULT_PROXY;
	m->n_proxies = 1;
	return 0;
}

int
manifest_parse(struct gn_arena *arena, const char *name, const char *dir, const char *data,
	       size_t len, struct manifest *out, struct gn_error *err)
{
	struct gn_yaml_node *root = NULL;
	struct parse p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name) {
		name = "gonative.yaml";
	}
	if (len > MANIFEST_MAX_BYTES) {
		return gn_error_at(err, GN_E_MANIFEST, name, 0, 0,
				   "larger than the limit of %d bytes", MANIFEST_MAX_BYTES);
	}
	memset(&p, 0, sizeof(p));
	gn_arena_init(&p.scratch);
	p.arena = arena;
	p.doc = (struct gn_yaml_doc){
		.name = name,
		.noun = "manifest",
		.syntax = "YAML syntax error",
		.code = GN_E_MANIFEST,
		.err = err,
	};
	out->path = gn_arena_strdup(arena, name);
	out->dir = gn_arena_strdup(arena, dir ? dir : ".");
	if (!out->path || !out->dir || set_defaults(arena, out) != 0) {
		rc = nomem(&p);
		goto out;
	}
	rc = gn_yaml_read(&p.scratch, &p.doc, data, len, &root);
	if (rc == 0 && !root) {
		rc = fail_at(&p, 1, 1, "empty manifest: at least `go:` is required");
	}
	if (rc == 0) {
		p.root = root;
		rc = parse_top(&p, out);
	}
out:
	gn_arena_free(&p.scratch);
	if (rc) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* go: go.mod: read the file beside the manifest and take its version. */
static int
resolve_go_file(struct gn_arena *arena, struct manifest *m, struct gn_error *err)
{
	struct gomod_version want;
	char *path, *data = NULL, spec[256];
	size_t len = 0;
	int rc;

	if (m->go_file[0] == '/' || strcmp(m->dir, ".") == 0) {
		path = gn_arena_strdup(arena, m->go_file);
	} else {
		path = gn_arena_printf(arena, "%s/%s", m->dir, m->go_file);
	}
	if (!path) {
		return gn_error_nomem(err);
	}
	rc = gn_read_file(path, GOMOD_MAX_BYTES + 1, &data, &len, err);
	if (rc == -GN_E_IO && access(path, F_OK) != 0) {
		return gn_error_at(err, GN_E_MANIFEST, m->path, m->go_line, m->go_col,
				   "go: %s: no such file", path);
	}
	if (rc) {
		return rc;
	}
	rc = gomod_parse(path, data, len, &want, err);
	free(data);
	if (rc) {
		return rc;
	}
	m->go_version = want.version;
	m->go_kind = want.exact ? MANIFEST_GO_EXACT : MANIFEST_GO_LINE;
	m->go_file_line = want.line;
	if (want.exact) {
		char exact[64];

		gn_goversion_format(&want.version, exact, sizeof(exact));
		snprintf(spec, sizeof(spec), "%s (%s:%d: %s %s)", exact + 2, m->go_file,
			 want.line, want.directive, want.text);
	} else {
		snprintf(spec, sizeof(spec), "%d.%d (%s:%d: %s %s)", want.version.major,
			 want.version.minor, m->go_file, want.line, want.directive, want.text);
	}
	m->go = gn_arena_strdup(arena, spec);
	if (!m->go) {
		return gn_error_nomem(err);
	}
	return 0;
}

int
manifest_load(struct gn_arena *arena, const char *path, struct manifest *out, struct gn_error *err)
{
	char *dir;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			return gn_error_at(err, GN_E_MANIFEST, path, 0, 0,
					   "no such file (run `gonative init`)");
		}
		return gn_error_at(err, GN_E_IO, path, 0, 0, "cannot read: %s", strerror(errno));
	}
	if (S_ISREG(st.st_mode) && st.st_size > MANIFEST_MAX_BYTES) {
		return gn_error_at(err, GN_E_MANIFEST, path, 0, 0,
				   "larger than the limit of %d bytes", MANIFEST_MAX_BYTES);
	}
	/* One byte over the limit lets manifest_parse() refuse a file that grew
	 * (or a pipe) with the manifest's own error. */
	rc = gn_read_file(path, MANIFEST_MAX_BYTES + 1, &data, &len, err);
	if (rc == -GN_E_USAGE) {
		/* A FIFO, folder or device where the manifest should be. */
		if (err) {
			err->code = GN_E_MANIFEST;
		}
		return -GN_E_MANIFEST;
	}
	if (rc) {
		return rc;
	}
	dir = gn_dirname_dup(path);
	if (!dir) {
		free(data);
		return gn_error_nomem(err);
	}
	rc = manifest_parse(arena, path, dir, data, len, out, err);
	free(dir);
	free(data);
	if (rc == 0 && out->go_kind == MANIFEST_GO_FILE) {
		rc = resolve_go_file(arena, out, err);
		if (rc) {
			memset(out, 0, sizeof(*out));
		}
	}
	return rc;
}

const struct manifest_checksum *
manifest_pin(const struct manifest *m, const char *file)
{
	for (size_t i = 0; i < m->n_checksums; i++) {
		if (strcmp(m->checksums[i].file, file) == 0) {
			return &m->checksums[i];
		}
	}
	return NULL;
}
