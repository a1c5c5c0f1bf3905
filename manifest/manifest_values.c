/*
 * manifest/manifest_values.c - the typed values of gonative.yaml: strings,
 * string lists, platforms, URLs, mirrors, registries, fingerprints,
 * booleans, file names, dotted versions; the unknown-key error.  Each
 * failure is one error with file:line:col and what was expected.
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

int
manifest_want_string(struct parse *p, const char *key, const struct gn_yaml_node *v,
		     const char **out)
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

int
manifest_want_nonempty_string(struct parse *p, const char *key, const struct gn_yaml_node *v,
			      const char **out)
{
	int rc = manifest_want_string(p, key, v, out);

	if (rc == 0 && v->len == 0) {
		return fail_node(p, v, "%s: must not be empty", key);
	}
	return rc;
}

/* v must be a list of strings with no item twice. */
int
manifest_want_string_list(struct parse *p, const char *key, const struct gn_yaml_node *v,
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

int
manifest_want_platforms(struct parse *p, const char *key, const struct gn_yaml_node *v,
			struct gn_platform **out, size_t *n_out)
{
	struct gn_platform *list;
	size_t n = 0;
	char a[80];
	int rc;

	rc = manifest_want_string_list(p, key, v, "[linux/amd64, darwin/arm64]");
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

bool
manifest_valid_url(const char *s)
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

int
manifest_want_url(struct parse *p, const char *key, const struct gn_yaml_node *v, const char **out)
{
	char a[80];
	int rc = manifest_want_string(p, key, v, out);

	if (rc) {
		return rc;
	}
	if (!manifest_valid_url(v->text)) {
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
 * A list of strings (manifest_want_string_list), each item read by want_item into
 * a new array.  if_empty: an empty list is refused with that advice.
 */
int
manifest_want_list(struct parse *p, const char *key, const struct gn_yaml_node *v,
		   const char *example, const char *if_empty,
		   int (*want_item)(struct parse *p, const char *key, const struct gn_yaml_node *it,
				    const char **out),
		   const char ***out, size_t *n_out)
{
	const char **list;
	size_t n = 0;
	int rc = manifest_want_string_list(p, key, v, example);

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
int
manifest_want_mirror(struct parse *p, const char *key, const struct gn_yaml_node *it,
		     const char **out)
{
	char why[160];
	size_t offset;
	int rc = manifest_want_url(p, key, it, out);

	if (rc == 0 && mirror_is_template(it->text) &&
	    mirror_template_check(it->text, why, sizeof(why), &offset) != 0) {
		/* Point at the placeholder (plain scalars start at col). */
		return fail_at(p, it->line, it->col + (it->plain ? (int)offset : 0),
			       "%s: \"%s\": %s", key, it->text, why);
	}
	return rc;
}

/* insecure-registries: [host[:port], ...]: plain http allowed there. */
int
manifest_want_registry(struct parse *p, const char *key, const struct gn_yaml_node *it,
		       const char **out)
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
int
manifest_want_fingerprint(struct parse *p, const char *key, const struct gn_yaml_node *it,
			  const char **out)
{
	char a[80], *fp;
	size_t o = 0;
	int rc = manifest_want_nonempty_string(p, key, it, out);

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
int
manifest_unknown_key(struct parse *p, const struct gn_yaml_node *k, const char *where,
		     const char *valid)
{
	char a[80], close[64];

	if (gn_suggest_csv(k->text, valid, close, sizeof(close))) {
		return fail_node(p, k, "unknown key \"%s\"%s: did you mean \"%s\"? (valid keys: %s)",
				 SHOW(k, a), where, close, valid);
	}
	return fail_node(p, k, "unknown key \"%s\"%s (valid keys: %s)", SHOW(k, a), where,
			 valid);
}

/* A pin names one artifact in a mirror folder: a bare file name. */
bool
manifest_valid_file_name(const char *s, size_t len)
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

int
manifest_want_bool(struct parse *p, const char *key, const struct gn_yaml_node *v, bool *out)
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

/* min..max dot-separated decimal numbers, no leading zeros ("0.11.0", "2.17"). */
bool
manifest_dotted_numbers(const char *s, int min, int max)
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
