/*
 * lockfiles/lock.c - gonative.lock: canonical writer and strict reader.
 *
 * The writer quotes every scalar that any YAML 1.1 or 1.2 reader could take
 * for something other than a string, so yq, PyYAML and Go's yaml all read
 * back exactly what was written.  The reader accepts both spellings but
 * refuses plain scalars that other tools would read as numbers or booleans.
 */
#include "lockfiles/lock.h"

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

/* ---- scalars ----------------------------------------------------------- */


/* go<V>.src.tar.gz with os "" and arch "": the source of a base: source lock. */
static bool
is_source_artifact(const char *file, const char *os, const char *arch)
{
	size_t n = strlen(file), suffix = strlen(".src.tar.gz");

	return gn_artifact_is_source(os, arch) && n > suffix &&
	       strcmp(file + n - suffix, ".src.tar.gz") == 0;
}

static bool
word_is(const char *s, const char *lower)
{
	for (; *s && *lower; s++, lower++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		if (c != *lower) {
			return false;
		}
	}
	return *s == '\0' && *lower == '\0';
}

static bool
all_in(const char *s, const char *set)
{
	for (; *s; s++) {
		if (!strchr(set, *s)) {
			return false;
		}
	}
	return true;
}

/*
 * Would a YAML 1.1 or 1.2 reader resolve this plain scalar to something
 * other than a string (null, bool, int, float, timestamp)?  Errs on the
 * side of "yes": quoting a string is always safe.
 */
static bool
plain_non_string(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "y", "n", "yes", "no", "true", "false", "on", "off",
	};
	const char *t = s;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(s, words[i])) {
			return true;
		}
	}
	if (*t == '+' || *t == '-') {
		t++;
	}
	if (*t == '.') {
		/* .5, .inf, .NaN */
		if (word_is(t + 1, "inf") || word_is(t + 1, "nan")) {
			return true;
		}
		return t[1] >= '0' && t[1] <= '9' && all_in(t + 1, "0123456789_.eE+-");
	}
	if (*t < '0' || *t > '9') {
		return false;
	}
	/* 0x1f, 0o17, 0b101 */
	if (t[0] == '0' && t[1] && strchr("xXoObB", t[1])) {
		return true;
	}
	/* 386, 1.20, 1_000, 1e3, 1:20 (base 60), 2001-12-14 */
	if (all_in(t, "0123456789_.eE+-:")) {
		return true;
	}
	/* timestamps: 2001-12-14t21:59:43 */
	for (int i = 0; i < 4; i++) {
		if (t[i] < '0' || t[i] > '9') {
			return false;
		}
	}
	return t[4] == '-';
}

static bool
needs_quotes(const char *s)
{
	if (!*s || s[0] == '-' || s[0] == '?') {
		return true;
	}
	if (!all_in(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-")) {
		return true;
	}
	return plain_non_string(s);
}

/* A YAML double-quoted scalar. */
static void
put_quoted(struct gn_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	gn_buf_putc(out, '"');
	while (*p) {
		uint32_t cp;
		size_t n;

		if (*p == '"' || *p == '\\') {
			gn_buf_putc(out, '\\');
			gn_buf_putc(out, (char)*p++);
			continue;
		}
		if (*p == '\t') {
			gn_buf_puts(out, "\\t");
			p++;
			continue;
		}
		if (*p == '\n') {
			gn_buf_puts(out, "\\n");
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			gn_buf_printf(out, "\\x%02X", *p++);
			continue;
		}
		n = gn_utf8_decode(p, &cp);
		if (n == 0) {
			/* Not representable in YAML; the reader would refuse it. */
			gn_buf_puts(out, "\\uFFFD");
			p++;
			continue;
		}
		if (cp == 0x85) {
			gn_buf_puts(out, "\\N");
		} else if (cp == 0x2028) {
			gn_buf_puts(out, "\\L");
		} else if (cp == 0x2029) {
			gn_buf_puts(out, "\\P");
		} else if ((cp >= 0x80 && cp < 0xa0) || cp == 0xfeff || cp == 0xfffe ||
			   cp == 0xffff) {
			gn_buf_printf(out, "\\u%04X", (unsigned)cp);
		} else {
			gn_buf_append(out, p, n);
		}
		p += n;
	}
	gn_buf_putc(out, '"');
}

static void
put_scalar(struct gn_buf *out, const char *s)
{
	if (!s) {
		s = "";
	}
	if (needs_quotes(s)) {
		put_quoted(out, s);
	} else {
		gn_buf_puts(out, s);
	}
}

/* "sha256:<hex>" / "git-sha256:<hex>": plain when well formed (':' not
 * followed by a space is plain-safe), quoted otherwise. */
static void
put_prefixed(struct gn_buf *out, const char *prefix, const char *hex)
{
	if (hex && gn_is_sha256_hex(hex)) {
		gn_buf_printf(out, "%s%s", prefix, hex);
	} else {
		put_scalar(out, hex);
	}
}

/* ---- sorting and writing ----------------------------------------------- */

static int
cmp_platform(const void *a, const void *b)
{
	return gn_platform_cmp(a, b);
}

static int
cmp_artifact(const void *a, const void *b)
{
	const struct lock_artifact *x = a, *y = b;

	return strcmp(x->file ? x->file : "", y->file ? y->file : "");
}

static int
cmp_goroot(const void *a, const void *b)
{
	const struct lock_goroot *x = a, *y = b;

	return gn_platform_cmp(&x->host, &y->host);
}

static int
cmp_cc_host(const void *a, const void *b)
{
	const struct lock_cc_host *x = a, *y = b;

	return gn_platform_cmp(&x->host, &y->host);
}

static int
cmp_cc_target(const void *a, const void *b)
{
	const struct lock_cc_target *x = a, *y = b;

	return gn_platform_cmp(&x->platform, &y->platform);
}

void
lock_sort(struct lock *lock)
{
	if (lock->cc.n_hosts > 1) {
		qsort(lock->cc.hosts, lock->cc.n_hosts, sizeof(*lock->cc.hosts), cmp_cc_host);
	}
	if (lock->cc.n_targets > 1) {
		qsort(lock->cc.targets, lock->cc.n_targets, sizeof(*lock->cc.targets),
		      cmp_cc_target);
	}
	if (lock->n_hosts > 1) {
		qsort(lock->hosts, lock->n_hosts, sizeof(*lock->hosts), cmp_platform);
	}
	if (lock->n_platforms > 1) {
		qsort(lock->platforms, lock->n_platforms, sizeof(*lock->platforms), cmp_platform);
	}
	if (lock->n_artifacts > 1) {
		qsort(lock->artifacts, lock->n_artifacts, sizeof(*lock->artifacts), cmp_artifact);
	}
	if (lock->n_goroots > 1) {
		qsort(lock->goroots, lock->n_goroots, sizeof(*lock->goroots), cmp_goroot);
	}
}

static void
put_platforms(struct gn_buf *out, const char *key, const struct gn_platform *ps, size_t n)
{
	gn_buf_printf(out, "%s: [", key);
	for (size_t i = 0; i < n; i++) {
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&ps[i], text, sizeof(text));
		if (i) {
			gn_buf_puts(out, ", ");
		}
		put_scalar(out, text);
	}
	gn_buf_puts(out, "]\n");
}

static void
put_tree(struct gn_buf *out, const char *tree)
{
	size_t plen = GN_TREE_ID_PREFIX_LEN;

	if (strncmp(tree, GN_TREE_ID_PREFIX, plen) == 0 && gn_is_sha256_hex(tree + plen)) {
		put_prefixed(out, GN_TREE_ID_PREFIX, tree + plen);
	} else {
		put_scalar(out, tree);
	}
}

/* cc: after goroot:, only when the manifest has one. */
static void
put_cc(struct gn_buf *out, const struct lock_cc *cc)
{
	gn_buf_puts(out, "cc:\n  zig: ");
	put_scalar(out, cc->zig);
	gn_buf_puts(out, "\n  index: ");
	put_scalar(out, cc->index);
	gn_buf_puts(out, cc->n_hosts ? "\n  hosts:\n" : "\n  hosts: {}\n");
	for (size_t i = 0; i < cc->n_hosts; i++) {
		const struct lock_cc_host *h = &cc->hosts[i];
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&h->host, text, sizeof(text));
		gn_buf_puts(out, "    ");
		put_scalar(out, text);
		gn_buf_puts(out, ":\n      file: ");
		put_scalar(out, h->file);
		gn_buf_puts(out, "\n      url: ");
		put_scalar(out, h->url);
		gn_buf_printf(out, "\n      size: %lld\n      sha256: ", (long long)h->size);
		put_scalar(out, h->sha256);
		if (h->signed_by) {
			gn_buf_puts(out, "\n      signed-by: ");
			put_scalar(out, h->signed_by);
		}
		gn_buf_puts(out, "\n      tree: ");
		put_tree(out, h->tree);
		gn_buf_putc(out, '\n');
	}
	gn_buf_puts(out, cc->n_targets ? "  targets:\n" : "  targets: {}\n");
	for (size_t i = 0; i < cc->n_targets; i++) {
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&cc->targets[i].platform, text, sizeof(text));
		gn_buf_puts(out, "    ");
		put_scalar(out, text);
		gn_buf_puts(out, ": ");
		put_scalar(out, cc->targets[i].triple);
		gn_buf_putc(out, '\n');
	}
}

void
lock_write(struct lock *lock, struct gn_buf *out)
{
	lock_sort(lock);
	gn_buf_puts(out, LOCK_HEADER);
	gn_buf_printf(out, "lock-version: %d\n", LOCK_VERSION);
	gn_buf_puts(out, "manifest-digest: ");
	put_prefixed(out, "sha256:", lock->manifest_digest);
	gn_buf_puts(out, "\ngo: ");
	put_scalar(out, lock->go);
	gn_buf_puts(out, "\nindex: ");
	put_scalar(out, lock->index);
	gn_buf_putc(out, '\n');
	put_platforms(out, "hosts", lock->hosts, lock->n_hosts);
	put_platforms(out, "platforms", lock->platforms, lock->n_platforms);
	gn_buf_puts(out, lock->n_artifacts ? "artifacts:\n" : "artifacts: []\n");
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		gn_buf_puts(out, "  - file: ");
		put_scalar(out, a->file);
		gn_buf_puts(out, "\n    os: ");
		put_scalar(out, a->os);
		gn_buf_puts(out, "\n    arch: ");
		put_scalar(out, a->arch);
		gn_buf_printf(out, "\n    size: %lld\n    sha256: ", (long long)a->size);
		put_scalar(out, a->sha256);
		gn_buf_putc(out, '\n');
		if (a->signed_by) {
			gn_buf_puts(out, "    signed-by: ");
			put_scalar(out, a->signed_by);
			gn_buf_putc(out, '\n');
		}
		if (a->h1) {
			gn_buf_puts(out, "    h1: ");
			put_scalar(out, a->h1);
			gn_buf_putc(out, '\n');
		}
	}
	gn_buf_puts(out, lock->n_goroots ? "goroot:\n" : "goroot: {}\n");
	for (size_t i = 0; i < lock->n_goroots; i++) {
		const struct lock_goroot *g = &lock->goroots[i];
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&g->host, text, sizeof(text));
		gn_buf_puts(out, "  ");
		put_scalar(out, text);
		gn_buf_puts(out, ": ");
		put_tree(out, g->tree);
		gn_buf_putc(out, '\n');
	}
	if (lock->cc.zig) {
		put_cc(out, &lock->cc);
	}
}

/* ---- reading: gn/yamltree.h's strict tree -> the model ------------------- */

struct lock_reader {
	struct gn_arena *arena; /* the caller's: the tree and the model */
	struct gn_yaml_doc doc;
};

#define rfail(r, line, col, ...) gn_yaml_fail(&(r)->doc, (line), (col), __VA_ARGS__)
#define rnomem(r) gn_yaml_nomem(&(r)->doc)

/* A string value; plain scalars that other YAML readers would not see as
 * strings are refused (the writer always quotes those). */
static int
get_string(struct lock_reader *r, const struct gn_yaml_node *n, const char *key, const char **out)
{
	if (n->kind != GN_YAML_SCALAR) {
		return rfail(r, n->line, n->col, "%s: expected a string, found %s", key,
			     gn_yaml_kind_name(n));
	}
	if (n->plain && plain_non_string(n->text)) {
		return rfail(r, n->line, n->col,
			     "%s: %s%s%s is not a string to YAML readers; quote it", key,
			     n->text[0] ? "\"" : "", n->text[0] ? n->text : "an empty value",
			     n->text[0] ? "\"" : "");
	}
	*out = n->text;
	return 0;
}

static int
get_int(struct lock_reader *r, const struct gn_yaml_node *n, const char *key, int64_t *out)
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
static int
get_hex_field(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
	      const char *prefix, bool keep_prefix, char *out, size_t size)
{
	const char *s = NULL;
	size_t plen = strlen(prefix);
	int rc = get_string(r, n, key, &s);

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

static int
get_platform_list(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
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
		int rc = get_string(r, item, key, &s);

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
static int
check_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
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

	return n == 16 && all_in(s, "0123456789ABCDEF");
}

/* "h1:" and base64 of 32 bytes (44 characters, one '=' of padding). */
static bool
valid_h1(const char *s)
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

static bool
valid_triple(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < LOCK_CC_TRIPLE_MAX && s[0] != '-' &&
	       all_in(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
}

/* A string value that must pass valid(); else "<key>: <why>". */
static int
get_checked(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
	    bool (*valid)(const char *), const char *why, const char **out)
{
	int rc = get_string(r, n, key, out);

	if (rc == 0 && !valid(*out)) {
		return rfail(r, n->line, n->col, "%s: %s", key, why);
	}
	return rc;
}

/* What an artifact and a cc host both hold: file, size, sha256 and an
 * optional signed-by (signed_by NULL when absent). */
static int
get_file(struct lock_reader *r, const struct gn_yaml_node *n, const char **out)
{
	int rc = get_string(r, n, "file", out);

	if (rc == 0 && !valid_file_name(*out)) {
		return rfail(r, n->line, n->col, "file: \"%s\" is not a file name", *out);
	}
	return rc;
}

static int
get_sha256(struct lock_reader *r, const struct gn_yaml_node *n, char out[GN_SHA256_HEX])
{
	const char *sha;
	int rc = get_checked(r, n, "sha256", gn_is_sha256_hex, "expected 64 lowercase hex digits",
			     &sha);

	if (rc == 0) {
		memcpy(out, sha, GN_SHA256_HEX);
	}
	return rc;
}

static int
get_signed_by(struct lock_reader *r, const struct gn_yaml_node *n, const char **out)
{
	*out = NULL;
	return n ? get_checked(r, n, "signed-by", valid_key_id,
			       "expected a 16-digit uppercase hex key id", out)
		 : 0;
}

/* A tree id: "" until the builder has computed it, else git-sha256:<hex>. */
static int
get_tree(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
	 char out[GN_TREE_ID_TEXT])
{
	const char *tree;
	int rc = get_string(r, n, key, &tree);

	out[0] = '\0';
	if (rc == 0 && tree[0]) {
		rc = get_hex_field(r, n, key, GN_TREE_ID_PREFIX, true, out, GN_TREE_ID_TEXT);
	}
	return rc;
}

/* Every key in names[0..n_required) must be there. */
static int
need_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
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
static int
need_map(struct lock_reader *r, const struct gn_yaml_node *n, const char *what)
{
	if (n->kind != GN_YAML_MAP) {
		return rfail(r, n->line, n->col, "%s: expected a mapping, found %s", what,
			     gn_yaml_kind_name(n));
	}
	return 0;
}

/* A key of a platform-keyed mapping (goroot, cc.hosts, cc.targets): an
 * os/arch that is one of list (named list_name). */
static int
get_platform_key(struct lock_reader *r, const struct gn_yaml_node *key, const char *what,
		 const struct gn_platform *list, size_t n_list, const char *list_name,
		 struct gn_platform *platform)
{
	const char *text;
	int rc;

	if ((rc = get_string(r, key, what, &text)) < 0) {
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

enum {
	A_FILE,
	A_OS,
	A_ARCH,
	A_SIZE,
	A_SHA256,
	A_SIGNED_BY, /* optional from here */
	A_H1,
	A_COUNT,
};

static const char *const artifact_keys[A_COUNT] = {
	"file", "os", "arch", "size", "sha256", "signed-by", "h1",
};

static int
read_artifact(struct lock_reader *r, const struct gn_yaml_node *n, struct lock_artifact *a)
{
	const struct gn_yaml_node *v[A_COUNT];
	struct gn_platform p;
	const char *os, *arch;
	int rc;

	if ((rc = need_map(r, n, "artifacts")) < 0 ||
	    (rc = check_keys(r, n, "artifacts", artifact_keys, A_COUNT, v, NULL)) < 0 ||
	    (rc = need_keys(r, n, "artifacts", artifact_keys, v, A_SIGNED_BY)) < 0 ||
	    (rc = get_file(r, v[A_FILE], &a->file)) < 0 ||
	    (rc = get_string(r, v[A_OS], "os", &os)) < 0 ||
	    (rc = get_string(r, v[A_ARCH], "arch", &arch)) < 0) {
		return rc;
	}
	if (is_source_artifact(a->file, os, arch)) {
		/* base: source: the source archive has no platform. */
	} else if (!gn_platform_from_index(os, arch, &p) || strlen(os) >= sizeof(a->os) ||
		   strlen(arch) >= sizeof(a->arch)) {
		return rfail(r, v[A_OS]->line, v[A_OS]->col, "os/arch: %s/%s is not a known platform",
			     os, arch);
	}
	snprintf(a->os, sizeof(a->os), "%s", os);
	snprintf(a->arch, sizeof(a->arch), "%s", arch);
	if ((rc = get_int(r, v[A_SIZE], "size", &a->size)) < 0 ||
	    (rc = get_sha256(r, v[A_SHA256], a->sha256)) < 0 ||
	    (rc = get_signed_by(r, v[A_SIGNED_BY], &a->signed_by)) < 0) {
		return rc;
	}
	a->h1 = NULL;
	if (v[A_H1]) {
		return get_checked(r, v[A_H1], "h1", valid_h1,
				   "expected \"h1:\" and 44 base64 characters", &a->h1);
	}
	return 0;
}

static int
read_artifacts(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	size_t i = 0;

	if (n->kind != GN_YAML_SEQ) {
		return rfail(r, n->line, n->col, "artifacts: expected a list, found %s",
			     gn_yaml_kind_name(n));
	}
	out->artifacts = gn_arena_array(r->arena, n->n ? n->n : 1, sizeof(*out->artifacts));
	if (!out->artifacts) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *item = n->first; item; item = item->next, i++) {
		struct lock_artifact *a = &out->artifacts[i];
		int rc = read_artifact(r, item, a);

		if (rc < 0) {
			return rc;
		}
		for (size_t j = 0; j < i; j++) {
			const struct lock_artifact *b = &out->artifacts[j];

			if (strcmp(a->file, b->file) == 0) {
				return rfail(r, item->line, item->col,
					     "artifacts: %s is listed twice", a->file);
			}
			if (strcmp(a->os, b->os) == 0 && strcmp(a->arch, b->arch) == 0) {
				return rfail(r, item->line, item->col,
					     "artifacts: two files for %s-%s (%s, %s)", a->os,
					     a->arch, b->file, a->file);
			}
		}
	}
	out->n_artifacts = n->n;
	return 0;
}

static int
read_goroots(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	size_t i = 0;
	int rc;

	if ((rc = need_map(r, n, "goroot")) < 0) {
		return rc;
	}
	out->goroots = gn_arena_array(r->arena, n->n ? n->n / 2 : 1, sizeof(*out->goroots));
	if (!out->goroots) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = n->first; key; key = key->next->next, i++) {
		struct lock_goroot *g = &out->goroots[i];

		if ((rc = get_platform_key(r, key, "goroot", out->hosts, out->n_hosts, "hosts",
					   &g->host)) < 0 ||
		    (rc = get_tree(r, key->next, key->text, g->tree)) < 0) {
			return rc;
		}
	}
	out->n_goroots = i;
	return 0;
}

enum {
	CH_FILE,
	CH_URL,
	CH_SIZE,
	CH_SHA256,
	CH_TREE,
	CH_SIGNED_BY, /* optional */
	CH_COUNT,
};

static const char *const cc_host_keys[CH_COUNT] = {
	"file", "url", "size", "sha256", "tree", "signed-by",
};

static bool
valid_cc_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "file://", 7) == 0;
}

static int
read_cc_host(struct lock_reader *r, const struct gn_yaml_node *n, struct lock_cc_host *h)
{
	const struct gn_yaml_node *v[CH_COUNT];
	int rc;

	if ((rc = need_map(r, n, "cc.hosts")) < 0 ||
	    (rc = check_keys(r, n, "cc.hosts", cc_host_keys, CH_COUNT, v, NULL)) < 0 ||
	    (rc = need_keys(r, n, "cc.hosts", cc_host_keys, v, CH_SIGNED_BY)) < 0 ||
	    (rc = get_file(r, v[CH_FILE], &h->file)) < 0 ||
	    (rc = get_checked(r, v[CH_URL], "url", valid_cc_url,
			      "expected an https://, http:// or file:// URL", &h->url)) < 0 ||
	    (rc = get_int(r, v[CH_SIZE], "size", &h->size)) < 0 ||
	    (rc = get_sha256(r, v[CH_SHA256], h->sha256)) < 0 ||
	    (rc = get_signed_by(r, v[CH_SIGNED_BY], &h->signed_by)) < 0) {
		return rc;
	}
	return get_tree(r, v[CH_TREE], "tree", h->tree);
}

enum {
	CC_ZIG,
	CC_INDEX,
	CC_HOSTS,
	CC_TARGETS,
	CC_COUNT,
};

static const char *const cc_keys[CC_COUNT] = {"zig", "index", "hosts", "targets"};

static int
read_cc_targets(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	struct lock_cc *cc = &out->cc;
	size_t i = 0;

	cc->targets = gn_arena_array(r->arena, n->n ? n->n / 2 : 1, sizeof(*cc->targets));
	if (!cc->targets) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = n->first; key; key = key->next->next, i++) {
		const struct gn_yaml_node *value = key->next;
		struct lock_cc_target *t = &cc->targets[i];
		const char *triple;
		int rc;

		if ((rc = get_platform_key(r, key, "cc.targets", out->platforms, out->n_platforms,
					   "platforms", &t->platform)) < 0 ||
		    (rc = get_string(r, value, key->text, &triple)) < 0) {
			return rc;
		}
		if (!valid_triple(triple)) {
			return rfail(r, value->line, value->col,
				     "%s: \"%s\" is not a target triple such as "
				     "aarch64-linux-gnu.2.17",
				     key->text, triple);
		}
		snprintf(t->triple, sizeof(t->triple), "%s", triple);
	}
	cc->n_targets = i;
	return 0;
}

static int
read_cc(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	const struct gn_yaml_node *v[CC_COUNT];
	struct lock_cc *cc = &out->cc;
	size_t i = 0;
	int rc;

	if ((rc = need_map(r, n, "cc")) < 0 ||
	    (rc = check_keys(r, n, "cc", cc_keys, CC_COUNT, v, NULL)) < 0 ||
	    (rc = need_keys(r, n, "cc", cc_keys, v, CC_COUNT)) < 0 ||
	    (rc = get_string(r, v[CC_ZIG], "cc.zig", &cc->zig)) < 0 ||
	    (rc = get_string(r, v[CC_INDEX], "cc.index", &cc->index)) < 0) {
		return rc;
	}
	if (!cc->zig[0]) {
		return rfail(r, v[CC_ZIG]->line, v[CC_ZIG]->col, "cc.zig: must not be empty");
	}
	if ((rc = need_map(r, v[CC_HOSTS], "cc")) < 0 ||
	    (rc = need_map(r, v[CC_TARGETS], "cc")) < 0) {
		return rc;
	}
	cc->hosts = gn_arena_array(r->arena, v[CC_HOSTS]->n ? v[CC_HOSTS]->n / 2 : 1,
				   sizeof(*cc->hosts));
	if (!cc->hosts) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = v[CC_HOSTS]->first; key; key = key->next->next, i++) {
		struct lock_cc_host *h = &cc->hosts[i];

		if ((rc = get_platform_key(r, key, "cc.hosts", out->hosts, out->n_hosts, "hosts",
					   &h->host)) < 0 ||
		    (rc = read_cc_host(r, key->next, h)) < 0) {
			return rc;
		}
	}
	cc->n_hosts = i;
	return read_cc_targets(r, v[CC_TARGETS], out);
}

enum {
	K_VERSION,
	K_DIGEST,
	K_GO,
	K_INDEX,
	K_HOSTS,
	K_PLATFORMS,
	K_ARTIFACTS,
	K_GOROOT,
	K_CC, /* optional */
	K_COUNT,
};

static const char *const top_keys[K_COUNT] = {
	"lock-version", "manifest-digest", "go",     "index", "hosts",
	"platforms",	"artifacts",	   "goroot", "cc",
};

static int
read_lock(struct lock_reader *r, const struct gn_yaml_node *root, struct lock *out)
{
	const struct gn_yaml_node *v[K_COUNT];
	const struct gn_yaml_node *unknown = NULL;
	int64_t version;
	int rc;

	if (root->kind != GN_YAML_MAP) {
		return rfail(r, root->line, root->col, "expected a mapping, found %s",
			     gn_yaml_kind_name(root));
	}
	rc = check_keys(r, root, "lockfile", top_keys, K_COUNT, v, &unknown);
	if (rc < 0) {
		return rc;
	}
	/* The version comes first: a newer lock may have keys we do not know. */
	if (!v[K_VERSION]) {
		return rfail(r, root->line, root->col, "missing key \"lock-version\"");
	}
	if ((rc = get_int(r, v[K_VERSION], "lock-version", &version)) < 0) {
		return rc;
	}
	if (version > LOCK_VERSION) {
		return rfail(r, v[K_VERSION]->line, v[K_VERSION]->col,
			     "lock-version %lld: written by a newer gonative (this one reads "
			     "version %d); upgrade gonative",
			     (long long)version, LOCK_VERSION);
	}
	if (version != LOCK_VERSION) {
		return rfail(r, v[K_VERSION]->line, v[K_VERSION]->col,
			     "unsupported lock-version %lld", (long long)version);
	}
	out->version = (int)version;
	if (unknown) {
		return rfail(r, unknown->line, unknown->col, "unknown key \"%s\"", unknown->text);
	}
	if ((rc = need_keys(r, root, "", top_keys, v, K_CC)) < 0 ||
	    (rc = get_hex_field(r, v[K_DIGEST], "manifest-digest", "sha256:", false,
				out->manifest_digest, sizeof(out->manifest_digest))) < 0 ||
	    (rc = get_string(r, v[K_GO], "go", &out->go)) < 0 ||
	    (rc = get_string(r, v[K_INDEX], "index", &out->index)) < 0) {
		return rc;
	}
	if (!out->go[0]) {
		return rfail(r, v[K_GO]->line, v[K_GO]->col, "go: must not be empty");
	}
	if ((rc = get_platform_list(r, v[K_HOSTS], "hosts", &out->hosts, &out->n_hosts)) < 0 ||
	    (rc = get_platform_list(r, v[K_PLATFORMS], "platforms", &out->platforms,
				    &out->n_platforms)) < 0 ||
	    (rc = read_artifacts(r, v[K_ARTIFACTS], out)) < 0 ||
	    (rc = read_goroots(r, v[K_GOROOT], out)) < 0) {
		return rc;
	}
	return v[K_CC] ? read_cc(r, v[K_CC], out) : 0;
}

int
lock_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
	   struct lock *out, struct gn_error *err)
{
	struct lock_reader r = {
		.arena = arena,
		.doc = {
			.name = name,
			.noun = "lockfile",
			.syntax = "malformed YAML",
			.code = GN_E_LOCK,
			.err = err,
		},
	};
	struct gn_yaml_node *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > LOCK_MAX_BYTES) {
		return gn_error_at(err, GN_E_LOCK, name, 0, 0, "lockfile is larger than %d bytes",
				   LOCK_MAX_BYTES);
	}
	rc = gn_yaml_read(arena, &r.doc, data, len, &root);
	if (rc == 0 && !root) {
		rc = rfail(&r, 1, 1, "empty lockfile");
	}
	if (rc == 0) {
		rc = read_lock(&r, root, out);
	}
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	lock_sort(out);
	return 0;
}

int
lock_load(struct gn_arena *arena, const char *path, struct lock *out, struct gn_error *err)
{
	char *data = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	if (!gn_path_exists(path)) {
		memset(out, 0, sizeof(*out));
		return gn_error_set(err, GN_E_LOCK, "%s does not exist", path);
	}
	/* An oversized lock is an invalid lock (exit 2), not an I/O error. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > LOCK_MAX_BYTES) {
		memset(out, 0, sizeof(*out));
		return gn_error_at(err, GN_E_LOCK, path, 0, 0, "larger than the limit of %d bytes",
				   LOCK_MAX_BYTES);
	}
	rc = gn_read_file(path, LOCK_MAX_BYTES, &data, &len, err);
	if (rc == -GN_E_USAGE) {
		/* A FIFO, folder or device (/dev/zero) is an invalid lock. */
		memset(out, 0, sizeof(*out));
		if (err) {
			err->code = GN_E_LOCK;
		}
		return -GN_E_LOCK;
	}
	if (rc < 0) {
		return rc;
	}
	rc = lock_parse(arena, path, data, len, out, err);
	free(data);
	return rc;
}

/* ---- lookups ------------------------------------------------------------ */

const struct lock_artifact *
lock_find_artifact(const struct lock *lock, const char *file)
{
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		if (lock->artifacts[i].file && strcmp(lock->artifacts[i].file, file) == 0) {
			return &lock->artifacts[i];
		}
	}
	return NULL;
}

const struct lock_artifact *
lock_source_artifact(const struct lock *lock)
{
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		if (is_source_artifact(a->file, a->os, a->arch)) {
			return a;
		}
	}
	return NULL;
}

const struct lock_artifact *
lock_artifact_for(const struct lock *lock, const struct gn_platform *p)
{
	const char *arch = gn_platform_index_arch(p);

	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		if (strcmp(a->os, p->os) == 0 && strcmp(a->arch, arch) == 0) {
			return a;
		}
	}
	return NULL;
}

const struct lock_goroot *
lock_goroot_for(const struct lock *lock, const struct gn_platform *host)
{
	for (size_t i = 0; i < lock->n_goroots; i++) {
		if (gn_platform_equal(&lock->goroots[i].host, host)) {
			return &lock->goroots[i];
		}
	}
	return NULL;
}

const struct lock_cc_host *
lock_cc_host_for(const struct lock *lock, const struct gn_platform *host)
{
	for (size_t i = 0; i < lock->cc.n_hosts; i++) {
		if (gn_platform_equal(&lock->cc.hosts[i].host, host)) {
			return &lock->cc.hosts[i];
		}
	}
	return NULL;
}

const struct lock_cc_target *
lock_cc_target_for(const struct lock *lock, const struct gn_platform *platform)
{
	for (size_t i = 0; i < lock->cc.n_targets; i++) {
		if (gn_platform_equal(&lock->cc.targets[i].platform, platform)) {
			return &lock->cc.targets[i];
		}
	}
	return NULL;
}
