/*
 * lockfiles/lock_fields.c - the typed fields of gonative.lock's reader:
 * strings (plain ones other YAML readers would not see as strings refused),
 * integers, sha256 and tree ids, platform lists and keys, file names, the
 * key checks of a mapping.  Each failure is one rfail() with file:line:col.
 */
#include "lockfiles/lock_private.h"

#include "gn/utf8.h"
#include "gn/fs.h"
#include "gn/yamltree.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A string value; plain scalars that other YAML readers would not see as
 * strings are refused (the writer always quotes those). */
int
lock_get_string(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		const char **out)
{
	if (n->kind != GN_YAML_SCALAR) {
		return rfail(r, n->line, n->col, "%s: expected a string, found %s", key,
			     gn_yaml_kind_name(n));
	}
	if (n->plain && lock_plain_non_string(n->text)) {
		return rfail(r, n->line, n->col,
			     "%s: %s%s%s is not a string to YAML readers; quote it", key,
			     n->text[0] ? "\"" : "", n->text[0] ? n->text : "an empty value",
			     n->text[0] ? "\"" : "");
	}
	*out = n->text;
	return 0;
}

int
lock_get_int(struct lock_reader *r, const struct gn_yaml_node *n, const char *key, int64_t *out)
{
	const char *v = n->text;
	char *end;
	long long x;

	if (n->kind != GN_YAML_SCALAR || !n->plain || v[0] < '0' || v[0] > '9' ||
	    (v[0] == '0' && v[1])) {
		return rfail(r, n->line, n->col, "%s: expected a non-negative integer", key);
	}
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end || errno == ERANGE) {
		return rfail(r, n->line, n->col, "%s: expected a non-negative integer", key);
	}
	*out = x;
	return 0;
}

/* prefix + 64 lowercase hex; out gets the hex only, or the whole value
 * when keep_prefix. */
int
lock_get_hex_field(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		   const char *prefix, bool keep_prefix, char *out, size_t size)
{
	const char *s = NULL;
	size_t plen = strlen(prefix);
	int rc = lock_get_string(r, n, key, &s);

	if (rc < 0) {
		return rc;
	}
	if (strncmp(s, prefix, plen) != 0 || !gn_is_sha256_hex(s + plen)) {
		return rfail(r, n->line, n->col, "%s: expected %s followed by 64 lowercase hex digits",
			     key, plen ? prefix : "");
	}
	snprintf(out, size, "%s", keep_prefix ? s : s + plen);
	return 0;
}

int
lock_get_platform_list(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		       struct gn_platform **out, size_t *count)
{
	struct gn_platform *ps;
	size_t i = 0;

	if (n->kind != GN_YAML_SEQ) {
		return rfail(r, n->line, n->col, "%s: expected a list of os/arch, found %s", key,
			     gn_yaml_kind_name(n));
	}
	ps = gn_arena_array(r->arena, n->n ? n->n : 1, sizeof(*ps));
	if (!ps) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *item = n->first; item; item = item->next, i++) {
		const char *s;
		int rc = lock_get_string(r, item, key, &s);

		if (rc < 0) {
			return rc;
		}
		if (gn_platform_parse(s, &ps[i]) != GN_PLATFORM_OK) {
			return rfail(r, item->line, item->col, "%s: \"%s\" is not a known os/arch",
				     key, s);
		}
		for (size_t j = 0; j < i; j++) {
			if (gn_platform_equal(&ps[i], &ps[j])) {
				return rfail(r, item->line, item->col, "%s: %s is listed twice",
					     key, s);
			}
		}
	}
	*out = ps;
	*count = n->n;
	return 0;
}

/* Puts the value of each key in names into values[] (NULL when absent).
 * An unknown key is an error, unless unknown is non-NULL: then the first
 * one is stored there and parsing goes on.  The reader has refused
 * duplicate and non-string keys. */
int
lock_check_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
		const char *const *names, size_t n_names, const struct gn_yaml_node **values,
		const struct gn_yaml_node **unknown)
{
	for (size_t i = 0; i < n_names; i++) {
		values[i] = NULL;
	}
	for (const struct gn_yaml_node *key = map->first; key; key = key->next->next) {
		size_t k = 0;

		while (k < n_names && strcmp(key->text, names[k]) != 0) {
			k++;
		}
		if (k < n_names) {
			values[k] = key->next;
		} else if (!unknown) {
			return rfail(r, key->line, key->col, "%s: unknown key \"%s\"", what,
				     key->text);
		} else if (!*unknown) {
			*unknown = key;
		}
	}
	return 0;
}

static bool
valid_file_name(const char *s)
{
	return s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

static bool
valid_key_id(const char *s)
{
	size_t n = strlen(s);

	return n == 16 && lock_all_in(s, "0123456789ABCDEF");
}

/* "h1:" and base64 of 32 bytes (44 characters, one '=' of padding). */
bool
lock_valid_h1(const char *s)
{
	if (strncmp(s, "h1:", 3) != 0 || strlen(s) != 47 || s[46] != '=') {
		return false;
	}
	for (int i = 3; i < 46; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/') {
			return false;
		}
	}
	return true;
}

bool
lock_valid_triple(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < LOCK_CC_TRIPLE_MAX && s[0] != '-' &&
	       lock_all_in(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
}

/* A string value that must pass valid(); else "<key>: <why>". */
int
lock_get_checked(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		 bool (*valid)(const char *), const char *why, const char **out)
{
	int rc = lock_get_string(r, n, key, out);

	if (rc == 0 && !valid(*out)) {
		return rfail(r, n->line, n->col, "%s: %s", key, why);
	}
	return rc;
}

/* What an artifact and a cc host both hold: file, size, sha256 and an
 * optional signed-by (signed_by NULL when absent). */
int
lock_get_file(struct lock_reader *r, const struct gn_yaml_node *n, const char **out)
{
	int rc = lock_get_string(r, n, "file", out);

	if (rc == 0 && !valid_file_name(*out)) {
		return rfail(r, n->line, n->col, "file: \"%s\" is not a file name", *out);
	}
	return rc;
}

int
lock_get_sha256(struct lock_reader *r, const struct gn_yaml_node *n, char out[GN_SHA256_HEX])
{
	const char *sha;
	int rc = lock_get_checked(r, n, "sha256", gn_is_sha256_hex,
				  "expected 64 lowercase hex digits", &sha);

	if (rc == 0) {
		memcpy(out, sha, GN_SHA256_HEX);
	}
	return rc;
}

int
lock_get_signed_by(struct lock_reader *r, const struct gn_yaml_node *n, const char **out)
{
	*out = NULL;
	return n ? lock_get_checked(r, n, "signed-by", valid_key_id,
				    "expected a 16-digit uppercase hex key id", out)
		 : 0;
}

/* A tree id: "" until the builder has computed it, else git-sha256:<hex>. */
int
lock_get_tree(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
	      char out[GN_TREE_ID_TEXT])
{
	const char *tree;
	int rc = lock_get_string(r, n, key, &tree);

	out[0] = '\0';
	if (rc == 0 && tree[0]) {
		rc = lock_get_hex_field(r, n, key, GN_TREE_ID_PREFIX, true, out, GN_TREE_ID_TEXT);
	}
	return rc;
}

/* Every key in names[0..n_required) must be there. */
int
lock_need_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
	       const char *const *names, const struct gn_yaml_node **values, size_t n_required)
{
	for (size_t k = 0; k < n_required; k++) {
		if (!values[k]) {
			return rfail(r, map->line, map->col, "%s%smissing key \"%s\"", what,
				     what[0] ? ": " : "", names[k]);
		}
	}
	return 0;
}

/* A mapping, or "<what>: expected a mapping, found ...". */
int
lock_need_map(struct lock_reader *r, const struct gn_yaml_node *n, const char *what)
{
	if (n->kind != GN_YAML_MAP) {
		return rfail(r, n->line, n->col, "%s: expected a mapping, found %s", what,
			     gn_yaml_kind_name(n));
	}
	return 0;
}

/* A key of a platform-keyed mapping (goroot, cc.hosts, cc.targets): an
 * os/arch that is one of list (named list_name). */
int
lock_get_platform_key(struct lock_reader *r, const struct gn_yaml_node *key, const char *what,
		      const struct gn_platform *list, size_t n_list, const char *list_name,
		      struct gn_platform *platform)
{
	const char *text;
	int rc;

	if ((rc = lock_get_string(r, key, what, &text)) < 0) {
		return rc;
	}
	if (gn_platform_parse(text, platform) != GN_PLATFORM_OK) {
		return rfail(r, key->line, key->col, "%s: \"%s\" is not a known os/arch", what,
			     text);
	}
	if (!gn_platform_in(platform, list, n_list)) {
		return rfail(r, key->line, key->col, "%s: %s is not one of the %s", what, text,
			     list_name);
	}
	return 0;
}
