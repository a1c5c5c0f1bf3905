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

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

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

int
lock_save(struct lock *lock, const char *path, struct gn_error *err)
{
	struct gn_buf buf;
	int rc;

	gn_buf_init(&buf);
	lock_write(lock, &buf);
	if (buf.failed) {
		gn_buf_free(&buf);
		return gn_error_set(err, GN_E_NOMEM, "out of memory writing %s", path);
	}
	rc = gn_write_file_atomic(path, buf.data, buf.len, 0644, err);
	gn_buf_free(&buf);
	return rc;
}

/* ---- reading: events -> a small node tree -> the model ------------------- */

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

struct ynode {
	enum ynode_type type;
	const char *value; /* scalars */
	bool plain;
	int line, col;
	struct ynode **kids; /* maps: key, value, key, value... */
	size_t n;
};

#define LOCK_MAX_DEPTH 16

struct lock_reader {
	yaml_parser_t yaml;
	yaml_event_t event;
	bool have_event;
	struct gn_arena *arena;
	const char *name;
	struct gn_error *err;
};

static int
rfail(struct lock_reader *r, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
rfail(struct lock_reader *r, int line, int col, const char *fmt, ...)
{
	char msg[GN_ERR_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gn_error_at(r->err, GN_E_LOCK, r->name, line, col, "%s", msg);
}

static int
rnomem(struct lock_reader *r)
{
	return gn_error_set(r->err, GN_E_NOMEM, "out of memory reading %s", r->name);
}

static int
rnext(struct lock_reader *r)
{
	if (r->have_event) {
		yaml_event_delete(&r->event);
		r->have_event = false;
	}
	if (!yaml_parser_parse(&r->yaml, &r->event)) {
		const yaml_mark_t *m = &r->yaml.problem_mark;

		if (r->yaml.error == YAML_MEMORY_ERROR) {
			return rnomem(r);
		}
		return rfail(r, (int)m->line + 1, (int)m->column + 1, "malformed YAML: %s",
			     r->yaml.problem ? r->yaml.problem : "syntax error");
	}
	r->have_event = true;
	return 0;
}

static int
event_line(const struct lock_reader *r)
{
	return (int)r->event.start_mark.line + 1;
}

static int
event_col(const struct lock_reader *r)
{
	return (int)r->event.start_mark.column + 1;
}

/* Builds the node whose first event is current. */
static int
build_node(struct lock_reader *r, int depth, struct ynode **out)
{
	struct ynode *node;
	yaml_event_type_t end;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	struct ynode **kids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (depth > LOCK_MAX_DEPTH) {
		return rfail(r, event_line(r), event_col(r), "nesting too deep");
	}
	switch (r->event.type) {
	case YAML_ALIAS_EVENT:
		return rfail(r, event_line(r), event_col(r), "YAML aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = r->event.data.scalar.anchor;
		tag = r->event.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = r->event.data.sequence_start.anchor;
		tag = r->event.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = r->event.data.mapping_start.anchor;
		tag = r->event.data.mapping_start.tag;
		break;
	default:
		return rfail(r, event_line(r), event_col(r), "expected a value");
	}
	if (anchor) {
		return rfail(r, event_line(r), event_col(r), "YAML anchors are not allowed");
	}
	if (tag) {
		return rfail(r, event_line(r), event_col(r), "YAML tags are not allowed");
	}
	node = gn_arena_alloc(r->arena, sizeof(*node));
	if (!node) {
		return rnomem(r);
	}
	node->line = event_line(r);
	node->col = event_col(r);
	if (r->event.type == YAML_SCALAR_EVENT) {
		size_t len = r->event.data.scalar.length;

		node->type = YN_SCALAR;
		node->plain = r->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (strlen((const char *)r->event.data.scalar.value) != len) {
			return rfail(r, node->line, node->col, "NUL character in a value");
		}
		node->value = gn_arena_strndup(r->arena, (const char *)r->event.data.scalar.value,
					       len);
		if (!node->value) {
			return rnomem(r);
		}
		*out = node;
		return 0;
	}
	node->type = r->event.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
	end = node->type == YN_SEQ ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
	for (;;) {
		struct ynode *kid;

		rc = rnext(r);
		if (rc < 0) {
			goto out;
		}
		if (r->event.type == end) {
			break;
		}
		rc = build_node(r, depth + 1, &kid);
		if (rc < 0) {
			goto out;
		}
		if (n == cap) {
			struct ynode **grown;

			cap = cap ? cap * 2 : 8;
			grown = realloc(kids, cap * sizeof(*kids));
			if (!grown) {
				rc = rnomem(r);
				goto out;
			}
			kids = grown;
		}
		kids[n++] = kid;
	}
	node->kids = gn_arena_array(r->arena, n ? n : 1, sizeof(*node->kids));
	if (!node->kids) {
		rc = rnomem(r);
		goto out;
	}
	if (n) {
		memcpy(node->kids, kids, n * sizeof(*kids));
	}
	node->n = n;
	*out = node;
	rc = 0;
out:
	free(kids);
	return rc;
}

static int
read_tree(struct lock_reader *r, struct ynode **root)
{
	int rc;

	if ((rc = rnext(r)) < 0) {
		return rc;
	}
	if ((rc = rnext(r)) < 0) {
		return rc;
	}
	if (r->event.type != YAML_DOCUMENT_START_EVENT) {
		return rfail(r, event_line(r), event_col(r), "empty lockfile");
	}
	if ((rc = rnext(r)) < 0) {
		return rc;
	}
	if ((rc = build_node(r, 0, root)) < 0) {
		return rc;
	}
	if ((rc = rnext(r)) < 0) {
		return rc;
	}
	if ((rc = rnext(r)) < 0) {
		return rc;
	}
	if (r->event.type != YAML_STREAM_END_EVENT) {
		return rfail(r, event_line(r), event_col(r), "more than one YAML document");
	}
	return 0;
}

static const char *
node_what(const struct ynode *n)
{
	switch (n->type) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* A string value; plain scalars that other YAML readers would not see as
 * strings are refused (the writer always quotes those). */
static int
get_string(struct lock_reader *r, const struct ynode *n, const char *key, const char **out)
{
	if (n->type != YN_SCALAR) {
		return rfail(r, n->line, n->col, "%s: expected a string, found %s", key,
			     node_what(n));
	}
	if (n->plain && plain_non_string(n->value)) {
		return rfail(r, n->line, n->col,
			     "%s: %s%s%s is not a string to YAML readers; quote it", key,
			     n->value[0] ? "\"" : "", n->value[0] ? n->value : "an empty value",
			     n->value[0] ? "\"" : "");
	}
	*out = n->value;
	return 0;
}

static int
get_int(struct lock_reader *r, const struct ynode *n, const char *key, int64_t *out)
{
	const char *v = n->value;
	char *end;
	long long x;

	if (n->type != YN_SCALAR || !n->plain || v[0] < '0' || v[0] > '9' ||
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
get_hex_field(struct lock_reader *r, const struct ynode *n, const char *key, const char *prefix,
	      bool keep_prefix, char *out, size_t size)
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
get_platform_list(struct lock_reader *r, const struct ynode *n, const char *key,
		  struct gn_platform **out, size_t *count)
{
	struct gn_platform *ps;

	if (n->type != YN_SEQ) {
		return rfail(r, n->line, n->col, "%s: expected a list of os/arch, found %s", key,
			     node_what(n));
	}
	ps = gn_arena_array(r->arena, n->n ? n->n : 1, sizeof(*ps));
	if (!ps) {
		return rnomem(r);
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->kids[i];
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

/* Checks a mapping's keys against names; returns the index per pair in
 * which[] and the position of each key for errors.  Unknown or duplicate
 * keys -> error, unless unknown is non-NULL (then the first unknown key is
 * stored there and parsing goes on). */
static int
check_keys(struct lock_reader *r, const struct ynode *map, const char *what,
	   const char *const *names, size_t n_names, const struct ynode **values,
	   const struct ynode **unknown)
{
	for (size_t i = 0; i < n_names; i++) {
		values[i] = NULL;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *key = map->kids[i];
		size_t k;

		if (key->type != YN_SCALAR) {
			return rfail(r, key->line, key->col, "%s: keys must be strings", what);
		}
		for (k = 0; k < n_names; k++) {
			if (strcmp(key->value, names[k]) == 0) {
				break;
			}
		}
		if (k == n_names) {
			if (unknown) {
				if (!*unknown) {
					*unknown = key;
				}
				continue;
			}
			return rfail(r, key->line, key->col, "%s: unknown key \"%s\"", what,
				     key->value);
		}
		if (values[k]) {
			return rfail(r, key->line, key->col, "%s: duplicate key \"%s\"", what,
				     key->value);
		}
		values[k] = map->kids[i + 1];
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

enum {
	A_FILE,
	A_OS,
	A_ARCH,
	A_SIZE,
	A_SHA256,
	A_SIGNED_BY,
	A_H1,
	A_COUNT,
};

static const char *const artifact_keys[A_COUNT] = {
	"file", "os", "arch", "size", "sha256", "signed-by", "h1",
};

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

static int
read_artifact(struct lock_reader *r, const struct ynode *n, struct lock_artifact *a)
{
	const struct ynode *v[A_COUNT];
	struct gn_platform p;
	const char *os, *arch, *sha;
	int rc;

	if (n->type != YN_MAP) {
		return rfail(r, n->line, n->col, "artifacts: expected a mapping, found %s",
			     node_what(n));
	}
	rc = check_keys(r, n, "artifacts", artifact_keys, A_COUNT, v, NULL);
	if (rc < 0) {
		return rc;
	}
	for (int k = 0; k < A_SIGNED_BY; k++) {
		if (!v[k]) {
			return rfail(r, n->line, n->col, "artifacts: missing key \"%s\"",
				     artifact_keys[k]);
		}
	}
	if ((rc = get_string(r, v[A_FILE], "file", &a->file)) < 0) {
		return rc;
	}
	if (!valid_file_name(a->file)) {
		return rfail(r, v[A_FILE]->line, v[A_FILE]->col, "file: \"%s\" is not a file name",
			     a->file);
	}
	if ((rc = get_string(r, v[A_OS], "os", &os)) < 0 ||
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
	if ((rc = get_int(r, v[A_SIZE], "size", &a->size)) < 0) {
		return rc;
	}
	if ((rc = get_string(r, v[A_SHA256], "sha256", &sha)) < 0) {
		return rc;
	}
	if (!gn_is_sha256_hex(sha)) {
		return rfail(r, v[A_SHA256]->line, v[A_SHA256]->col,
			     "sha256: expected 64 lowercase hex digits");
	}
	memcpy(a->sha256, sha, GN_SHA256_HEX);
	a->signed_by = NULL;
	if (v[A_SIGNED_BY]) {
		if ((rc = get_string(r, v[A_SIGNED_BY], "signed-by", &a->signed_by)) < 0) {
			return rc;
		}
		if (!valid_key_id(a->signed_by)) {
			return rfail(r, v[A_SIGNED_BY]->line, v[A_SIGNED_BY]->col,
				     "signed-by: expected a 16-digit uppercase hex key id");
		}
	}
	a->h1 = NULL;
	if (v[A_H1]) {
		if ((rc = get_string(r, v[A_H1], "h1", &a->h1)) < 0) {
			return rc;
		}
		if (!valid_h1(a->h1)) {
			return rfail(r, v[A_H1]->line, v[A_H1]->col,
				     "h1: expected \"h1:\" and 44 base64 characters");
		}
	}
	return 0;
}

static int
read_artifacts(struct lock_reader *r, const struct ynode *n, struct lock *out)
{
	if (n->type != YN_SEQ) {
		return rfail(r, n->line, n->col, "artifacts: expected a list, found %s",
			     node_what(n));
	}
	out->artifacts = gn_arena_array(r->arena, n->n ? n->n : 1, sizeof(*out->artifacts));
	if (!out->artifacts) {
		return rnomem(r);
	}
	for (size_t i = 0; i < n->n; i++) {
		struct lock_artifact *a = &out->artifacts[i];
		int rc = read_artifact(r, n->kids[i], a);

		if (rc < 0) {
			return rc;
		}
		for (size_t j = 0; j < i; j++) {
			const struct lock_artifact *b = &out->artifacts[j];

			if (strcmp(a->file, b->file) == 0) {
				return rfail(r, n->kids[i]->line, n->kids[i]->col,
					     "artifacts: %s is listed twice", a->file);
			}
			if (strcmp(a->os, b->os) == 0 && strcmp(a->arch, b->arch) == 0) {
				return rfail(r, n->kids[i]->line, n->kids[i]->col,
					     "artifacts: two files for %s-%s (%s, %s)", a->os,
					     a->arch, b->file, a->file);
			}
		}
	}
	out->n_artifacts = n->n;
	return 0;
}

static int
read_goroots(struct lock_reader *r, const struct ynode *n, struct lock *out)
{
	size_t count = n->n / 2;

	if (n->type != YN_MAP) {
		return rfail(r, n->line, n->col, "goroot: expected a mapping, found %s",
			     node_what(n));
	}
	out->goroots = gn_arena_array(r->arena, count ? count : 1, sizeof(*out->goroots));
	if (!out->goroots) {
		return rnomem(r);
	}
	for (size_t i = 0; i < count; i++) {
		const struct ynode *key = n->kids[2 * i], *value = n->kids[2 * i + 1];
		struct lock_goroot *g = &out->goroots[i];
		const char *host, *tree;
		bool is_host = false;
		int rc;

		if ((rc = get_string(r, key, "goroot", &host)) < 0) {
			return rc;
		}
		if (gn_platform_parse(host, &g->host) != GN_PLATFORM_OK) {
			return rfail(r, key->line, key->col, "goroot: \"%s\" is not a known os/arch",
				     host);
		}
		for (size_t j = 0; j < out->n_hosts; j++) {
			is_host = is_host || gn_platform_equal(&out->hosts[j], &g->host);
		}
		if (!is_host) {
			return rfail(r, key->line, key->col, "goroot: %s is not one of the hosts",
				     host);
		}
		for (size_t j = 0; j < i; j++) {
			if (gn_platform_equal(&out->goroots[j].host, &g->host)) {
				return rfail(r, key->line, key->col, "goroot: %s is listed twice",
					     host);
			}
		}
		if ((rc = get_string(r, value, host, &tree)) < 0) {
			return rc;
		}
		/* "" until the builder has computed it. */
		if (tree[0]) {
			rc = get_hex_field(r, value, host, GN_TREE_ID_PREFIX, true, g->tree,
					   sizeof(g->tree));
			if (rc < 0) {
				return rc;
			}
		}
	}
	out->n_goroots = count;
	return 0;
}

enum {
	CH_FILE,
	CH_URL,
	CH_SIZE,
	CH_SHA256,
	CH_SIGNED_BY,
	CH_TREE,
	CH_COUNT,
};

static const char *const cc_host_keys[CH_COUNT] = {
	"file", "url", "size", "sha256", "signed-by", "tree",
};

static int
read_cc_host(struct lock_reader *r, const struct ynode *n, struct lock_cc_host *h)
{
	const struct ynode *v[CH_COUNT];
	const char *sha, *tree;
	int rc;

	if (n->type != YN_MAP) {
		return rfail(r, n->line, n->col, "cc.hosts: expected a mapping, found %s",
			     node_what(n));
	}
	if ((rc = check_keys(r, n, "cc.hosts", cc_host_keys, CH_COUNT, v, NULL)) < 0) {
		return rc;
	}
	for (int k = 0; k < CH_COUNT; k++) {
		if (!v[k] && k != CH_SIGNED_BY) {
			return rfail(r, n->line, n->col, "cc.hosts: missing key \"%s\"",
				     cc_host_keys[k]);
		}
	}
	if ((rc = get_string(r, v[CH_FILE], "file", &h->file)) < 0) {
		return rc;
	}
	if (!valid_file_name(h->file)) {
		return rfail(r, v[CH_FILE]->line, v[CH_FILE]->col, "file: \"%s\" is not a file name",
			     h->file);
	}
	if ((rc = get_string(r, v[CH_URL], "url", &h->url)) < 0) {
		return rc;
	}
	if (strncmp(h->url, "https://", 8) != 0 && strncmp(h->url, "http://", 7) != 0 &&
	    strncmp(h->url, "file://", 7) != 0) {
		return rfail(r, v[CH_URL]->line, v[CH_URL]->col,
			     "url: expected an https://, http:// or file:// URL");
	}
	if ((rc = get_int(r, v[CH_SIZE], "size", &h->size)) < 0) {
		return rc;
	}
	if ((rc = get_string(r, v[CH_SHA256], "sha256", &sha)) < 0) {
		return rc;
	}
	if (!gn_is_sha256_hex(sha)) {
		return rfail(r, v[CH_SHA256]->line, v[CH_SHA256]->col,
			     "sha256: expected 64 lowercase hex digits");
	}
	memcpy(h->sha256, sha, GN_SHA256_HEX);
	h->signed_by = NULL;
	if (v[CH_SIGNED_BY]) {
		if ((rc = get_string(r, v[CH_SIGNED_BY], "signed-by", &h->signed_by)) < 0) {
			return rc;
		}
		if (!valid_key_id(h->signed_by)) {
			return rfail(r, v[CH_SIGNED_BY]->line, v[CH_SIGNED_BY]->col,
				     "signed-by: expected a 16-digit uppercase hex key id");
		}
	}
	if ((rc = get_string(r, v[CH_TREE], "tree", &tree)) < 0) {
		return rc;
	}
	h->tree[0] = '\0';
	if (tree[0]) {
		return get_hex_field(r, v[CH_TREE], "tree", GN_TREE_ID_PREFIX, true, h->tree,
				     sizeof(h->tree));
	}
	return 0;
}

/* A mapping of os/arch keys, each checked once; *platform gets the key. */
static int
get_platform_key(struct lock_reader *r, const struct ynode *key, const char *what,
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
	return 0;
}

static bool
valid_triple(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < LOCK_CC_TRIPLE_MAX && s[0] != '-' &&
	       all_in(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
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
read_cc(struct lock_reader *r, const struct ynode *n, struct lock *out)
{
	const struct ynode *v[CC_COUNT];
	struct lock_cc *cc = &out->cc;
	size_t count;
	int rc;

	if (n->type != YN_MAP) {
		return rfail(r, n->line, n->col, "cc: expected a mapping, found %s", node_what(n));
	}
	if ((rc = check_keys(r, n, "cc", cc_keys, CC_COUNT, v, NULL)) < 0) {
		return rc;
	}
	for (int k = 0; k < CC_COUNT; k++) {
		if (!v[k]) {
			return rfail(r, n->line, n->col, "cc: missing key \"%s\"", cc_keys[k]);
		}
	}
	if ((rc = get_string(r, v[CC_ZIG], "cc.zig", &cc->zig)) < 0 ||
	    (rc = get_string(r, v[CC_INDEX], "cc.index", &cc->index)) < 0) {
		return rc;
	}
	if (!cc->zig[0]) {
		return rfail(r, v[CC_ZIG]->line, v[CC_ZIG]->col, "cc.zig: must not be empty");
	}
	if (v[CC_HOSTS]->type != YN_MAP || v[CC_TARGETS]->type != YN_MAP) {
		const struct ynode *bad = v[CC_HOSTS]->type != YN_MAP ? v[CC_HOSTS] : v[CC_TARGETS];

		return rfail(r, bad->line, bad->col, "cc: expected a mapping, found %s",
			     node_what(bad));
	}
	count = v[CC_HOSTS]->n / 2;
	cc->hosts = gn_arena_array(r->arena, count ? count : 1, sizeof(*cc->hosts));
	if (!cc->hosts) {
		return rnomem(r);
	}
	for (size_t i = 0; i < count; i++) {
		const struct ynode *key = v[CC_HOSTS]->kids[2 * i];
		struct lock_cc_host *h = &cc->hosts[i];
		bool is_host = false;

		if ((rc = get_platform_key(r, key, "cc.hosts", &h->host)) < 0) {
			return rc;
		}
		for (size_t j = 0; j < out->n_hosts; j++) {
			is_host = is_host || gn_platform_equal(&out->hosts[j], &h->host);
		}
		if (!is_host) {
			return rfail(r, key->line, key->col, "cc.hosts: %s is not one of the hosts",
				     key->value);
		}
		for (size_t j = 0; j < i; j++) {
			if (gn_platform_equal(&cc->hosts[j].host, &h->host)) {
				return rfail(r, key->line, key->col, "cc.hosts: %s is listed twice",
					     key->value);
			}
		}
		if ((rc = read_cc_host(r, v[CC_HOSTS]->kids[2 * i + 1], h)) < 0) {
			return rc;
		}
	}
	cc->n_hosts = count;
	count = v[CC_TARGETS]->n / 2;
	cc->targets = gn_arena_array(r->arena, count ? count : 1, sizeof(*cc->targets));
	if (!cc->targets) {
		return rnomem(r);
	}
	for (size_t i = 0; i < count; i++) {
		const struct ynode *key = v[CC_TARGETS]->kids[2 * i];
		const struct ynode *value = v[CC_TARGETS]->kids[2 * i + 1];
		struct lock_cc_target *t = &cc->targets[i];
		const char *triple;

		if ((rc = get_platform_key(r, key, "cc.targets", &t->platform)) < 0) {
			return rc;
		}
		if (!gn_platform_in(&t->platform, out->platforms, out->n_platforms)) {
			return rfail(r, key->line, key->col,
				     "cc.targets: %s is not one of the platforms", key->value);
		}
		for (size_t j = 0; j < i; j++) {
			if (gn_platform_equal(&cc->targets[j].platform, &t->platform)) {
				return rfail(r, key->line, key->col,
					     "cc.targets: %s is listed twice", key->value);
			}
		}
		if ((rc = get_string(r, value, key->value, &triple)) < 0) {
			return rc;
		}
		if (!valid_triple(triple)) {
			return rfail(r, value->line, value->col,
				     "%s: \"%s\" is not a target triple such as "
				     "aarch64-linux-gnu.2.17",
				     key->value, triple);
		}
		snprintf(t->triple, sizeof(t->triple), "%s", triple);
	}
	cc->n_targets = count;
	return 0;
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
read_lock(struct lock_reader *r, const struct ynode *root, struct lock *out)
{
	const struct ynode *v[K_COUNT];
	const struct ynode *unknown = NULL;
	int64_t version;
	int rc;

	if (root->type != YN_MAP) {
		return rfail(r, root->line, root->col, "expected a mapping, found %s",
			     node_what(root));
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
		return rfail(r, unknown->line, unknown->col, "unknown key \"%s\"", unknown->value);
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (!v[k] && k != K_CC) {
			return rfail(r, root->line, root->col, "missing key \"%s\"", top_keys[k]);
		}
	}
	rc = get_hex_field(r, v[K_DIGEST], "manifest-digest", "sha256:", false, out->manifest_digest,
			   sizeof(out->manifest_digest));
	if (rc < 0) {
		return rc;
	}
	if ((rc = get_string(r, v[K_GO], "go", &out->go)) < 0 ||
	    (rc = get_string(r, v[K_INDEX], "index", &out->index)) < 0) {
		return rc;
	}
	if (!out->go[0]) {
		return rfail(r, v[K_GO]->line, v[K_GO]->col, "go: must not be empty");
	}
	rc = get_platform_list(r, v[K_HOSTS], "hosts", &out->hosts, &out->n_hosts);
	if (rc < 0) {
		return rc;
	}
	rc = get_platform_list(r, v[K_PLATFORMS], "platforms", &out->platforms,
			       &out->n_platforms);
	if (rc < 0) {
		return rc;
	}
	if ((rc = read_artifacts(r, v[K_ARTIFACTS], out)) < 0) {
		return rc;
	}
	if ((rc = read_goroots(r, v[K_GOROOT], out)) < 0) {
		return rc;
	}
	return v[K_CC] ? read_cc(r, v[K_CC], out) : 0;
}

int
lock_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
	   struct lock *out, struct gn_error *err)
{
	struct lock_reader r;
	struct ynode *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > LOCK_MAX_BYTES) {
		return gn_error_at(err, GN_E_LOCK, name, 0, 0, "lockfile is larger than %d bytes",
				   LOCK_MAX_BYTES);
	}
	memset(&r, 0, sizeof(r));
	r.arena = arena;
	r.name = name;
	r.err = err;
	if (!yaml_parser_initialize(&r.yaml)) {
		return rnomem(&r);
	}
	yaml_parser_set_input_string(&r.yaml, (const unsigned char *)data, len);
	rc = read_tree(&r, &root);
	if (r.have_event) {
		yaml_event_delete(&r.event);
	}
	yaml_parser_delete(&r.yaml);
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
