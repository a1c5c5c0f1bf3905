/*
 * manifest/manifest.c - strict gonative.yaml v1 parser: load, parse, the
 * top-level field table, defaults.
 *
 * Two passes.  gn/yamltree.h reads the text into a strict tree in a
 * scratch arena (anchors, aliases, tags, extra documents, deep nesting,
 * huge scalars and duplicate keys are refused there, at their first bad
 * event).  Then the tree is checked against the v1 schema and copied into
 * the caller's arena: each key through its field (the sections in
 * manifest_sections.c, their typed values in manifest_values.c).
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

/* ---- sections: one field per key, read in file order ---- */

/*
 * Each key of map through its field, in file order.  section names the map
 * in messages ("signatures"); NULL for the manifest itself.
 */
int
manifest_parse_section(struct parse *p, struct manifest *m, const struct gn_yaml_node *map,
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
			return manifest_unknown_key(p, k, where, valid);
		}
		if ((rc = fields[i].parse(p, m, k, k->next)) != 0) {
			return rc;
		}
	}
	return 0;
}

static const struct field top_fields[] = {
	{ "go", manifest_parse_go },
	{ "hosts", manifest_parse_hosts },
	{ "platforms", manifest_parse_platforms },
	{ "index", manifest_parse_index },
	{ "mirrors", manifest_parse_mirrors },
	{ "checksums", manifest_parse_checksums },
	{ "signatures", manifest_parse_signatures },
	{ "install", manifest_parse_install },
	{ "base", manifest_parse_base },
	{ "bootstrap", manifest_parse_bootstrap },
	{ "insecure-registries", manifest_parse_insecure },
	{ "sumdb", manifest_parse_sumdb },
	{ "proxy", manifest_parse_proxy },
	{ "source", manifest_parse_source },
	{ "cc", manifest_parse_cc },
};

static int
parse_top(struct parse *p, struct manifest *m)
{
	int rc = manifest_parse_section(p, m, p->root, NULL, top_fields,
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
	return p->cc ? manifest_check_cc_platforms(p, m, p->cc) : 0;
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
