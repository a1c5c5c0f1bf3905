/*
 * lockfiles/zigindex.c - Zig's release index, read with libyaml's event
 * API (JSON is YAML flow syntax), as lockfiles/index.c reads go.dev's.
 */
#include "lockfiles/zigindex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define ZIG_INDEX_MAX_DEPTH 8

struct zparser {
	yaml_parser_t yaml;
	yaml_event_t event;
	bool have_event;
	struct gn_arena *arena;
	const char *name;
	struct gn_error *err;
};

static int
zfail(struct zparser *p, const yaml_mark_t *mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
zfail(struct zparser *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	char msg[GN_ERR_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gn_error_at(p->err, GN_E_INDEX, p->name, (int)mark->line + 1, (int)mark->column + 1,
			   "%s", msg);
}

static int
znomem(struct zparser *p)
{
	return gn_error_set(p->err, GN_E_NOMEM, "out of memory reading the Zig index");
}

static int
znext(struct zparser *p)
{
	if (p->have_event) {
		yaml_event_delete(&p->event);
		p->have_event = false;
	}
	if (!yaml_parser_parse(&p->yaml, &p->event)) {
		const yaml_mark_t *mark = &p->yaml.problem_mark;

		if (p->yaml.error == YAML_MEMORY_ERROR) {
			return znomem(p);
		}
		return zfail(p, mark, "malformed JSON: %s",
			     p->yaml.problem ? p->yaml.problem : "syntax error");
	}
	p->have_event = true;
	if (p->event.type == YAML_ALIAS_EVENT) {
		return zfail(p, &p->event.start_mark, "YAML aliases are not JSON");
	}
	return 0;
}

static const char *
zwhat(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "a number or literal"
									: "a string";
	case YAML_SEQUENCE_START_EVENT:
		return "an array";
	case YAML_MAPPING_START_EVENT:
		return "an object";
	default:
		return "the end of a value";
	}
}

static int
ztype(struct zparser *p, const char *want)
{
	return zfail(p, &p->event.start_mark, "expected %s, found %s", want, zwhat(&p->event));
}

static bool
zquoted(const yaml_event_t *e)
{
	return e->type == YAML_SCALAR_EVENT && e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
}

/* Skips the value whose first event is current (depth-bounded). */
static int
zskip(struct zparser *p)
{
	int depth = 0, rc;

	for (;;) {
		switch (p->event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > ZIG_INDEX_MAX_DEPTH) {
				return zfail(p, &p->event.start_mark, "nesting too deep");
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			break;
		default:
			return ztype(p, "a value");
		}
		if (depth == 0) {
			return 0;
		}
		if ((rc = znext(p)) < 0) {
			return rc;
		}
	}
}

/* The key of the next mapping entry (copied), or *done at the end. */
static int
zkey(struct zparser *p, const char **key, yaml_mark_t *mark, bool *done)
{
	const char *value;
	size_t len;
	int rc = znext(p);

	if (rc < 0) {
		return rc;
	}
	if (p->event.type == YAML_MAPPING_END_EVENT) {
		*done = true;
		return 0;
	}
	if (!zquoted(&p->event)) {
		return ztype(p, "a string key");
	}
	value = (const char *)p->event.data.scalar.value;
	len = p->event.data.scalar.length;
	if (strlen(value) != len) {
		return zfail(p, &p->event.start_mark, "key contains a NUL character");
	}
	*key = gn_arena_strndup(p->arena, value, len);
	if (!*key) {
		return znomem(p);
	}
	*mark = p->event.start_mark;
	*done = false;
	return 0;
}

static bool
url_ok(const char *s)
{
	static const char *const schemes[] = {"https://", "http://", "file://"};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (strncmp(s, schemes[i], n) == 0 && s[n]) {
			for (s += n; *s; s++) {
				if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
					return false;
				}
			}
			return true;
		}
	}
	return false;
}

static int
parse_artifact(struct zparser *p, struct zig_index_artifact *a, const yaml_mark_t *start)
{
	bool have_tarball = false, have_sha = false, have_size = false, done = false;
	int rc;

	a->line = (int)start->line + 1;
	a->col = (int)start->column + 1;
	for (;;) {
		const char *key, *value;
		yaml_mark_t mark;
		size_t len;

		if ((rc = zkey(p, &key, &mark, &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if ((rc = znext(p)) < 0) {
			return rc;
		}
		value = (const char *)p->event.data.scalar.value;
		len = p->event.type == YAML_SCALAR_EVENT ? p->event.data.scalar.length : 0;
		if (strcmp(key, "tarball") == 0) {
			if (!zquoted(&p->event)) {
				return ztype(p, "a URL string");
			}
			if (strlen(value) != len || !url_ok(value)) {
				return zfail(p, &p->event.start_mark,
					     "%s.tarball: \"%.200s\" is not an http(s):// or file:// URL",
					     a->key, value);
			}
			a->tarball = gn_arena_strndup(p->arena, value, len);
			if (!a->tarball) {
				return znomem(p);
			}
			have_tarball = true;
		} else if (strcmp(key, "shasum") == 0) {
			if (!zquoted(&p->event)) {
				return ztype(p, "a sha256 string");
			}
			if (len != 64) {
				return zfail(p, &p->event.start_mark,
					     "%s.shasum: expected 64 hex digits, found \"%.80s\"",
					     a->key, value);
			}
			for (size_t i = 0; i < 64; i++) {
				char c = value[i];

				if (c >= 'A' && c <= 'F') {
					c = (char)(c - 'A' + 'a');
				} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
					return zfail(p, &p->event.start_mark,
						     "%s.shasum: expected 64 hex digits, found "
						     "\"%.80s\"",
						     a->key, value);
				}
				a->sha256[i] = c;
			}
			a->sha256[64] = '\0';
			have_sha = true;
		} else if (strcmp(key, "size") == 0) {
			char *end;
			long long n;

			if (p->event.type != YAML_SCALAR_EVENT) {
				return ztype(p, "a decimal size string");
			}
			if (len == 0 || len > 18 || strspn(value, "0123456789") != len ||
			    (value[0] == '0' && len > 1)) {
				return zfail(p, &p->event.start_mark,
					     "%s.size: expected a non-negative decimal, found "
					     "\"%.40s\"",
					     a->key, value);
			}
			errno = 0;
			n = strtoll(value, &end, 10);
			if (*end || errno == ERANGE) {
				return zfail(p, &p->event.start_mark,
					     "%s.size: expected a non-negative decimal", a->key);
			}
			a->size = n;
			have_size = true;
		} else if ((rc = zskip(p)) < 0) {
			return rc;
		}
	}
	if (!have_tarball || !have_sha || !have_size) {
		return zfail(p, start, "%s: needs \"tarball\", \"shasum\" and \"size\"", a->key);
	}
	return 0;
}

static int
parse_version(struct zparser *p, struct zig_index_version *v)
{
	struct zig_index_artifact *items = NULL;
	size_t n = 0, cap = 0;
	bool done = false;
	int rc;

	for (;;) {
		const char *key;
		yaml_mark_t mark;

		if ((rc = zkey(p, &key, &mark, &done)) < 0) {
			goto out;
		}
		if (done) {
			break;
		}
		if ((rc = znext(p)) < 0) {
			goto out;
		}
		if (p->event.type != YAML_MAPPING_START_EVENT) {
			/* "date", "docs", "notes", "version": not an artifact. */
			if ((rc = zskip(p)) < 0) {
				goto out;
			}
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (strcmp(items[i].key, key) == 0) {
				rc = zfail(p, &mark, "%s: \"%s\" is listed twice", v->version, key);
				goto out;
			}
		}
		if (n == cap) {
			size_t grown_cap = cap ? cap * 2 : 16;
			struct zig_index_artifact *grown =
				realloc(items, grown_cap * sizeof(*items));

			if (!grown) {
				rc = znomem(p);
				goto out;
			}
			items = grown;
			cap = grown_cap;
		}
		memset(&items[n], 0, sizeof(items[n]));
		items[n].key = key;
		if ((rc = parse_artifact(p, &items[n], &mark)) < 0) {
			goto out;
		}
		n++;
	}
	v->artifacts = gn_arena_array(p->arena, n ? n : 1, sizeof(*v->artifacts));
	if (!v->artifacts) {
		rc = znomem(p);
		goto out;
	}
	if (n) {
		memcpy(v->artifacts, items, n * sizeof(*items));
	}
	v->n_artifacts = n;
	rc = 0;
out:
	free(items);
	return rc;
}

static int
parse_top(struct zparser *p, struct zig_index *out)
{
	struct zig_index_version *items = NULL;
	size_t n = 0, cap = 0;
	bool done = false;
	int rc;

	for (int i = 0; i < 3; i++) {
		if ((rc = znext(p)) < 0) {
			return rc;
		}
	}
	if (p->event.type != YAML_MAPPING_START_EVENT) {
		return ztype(p, "an object of Zig versions");
	}
	for (;;) {
		const char *key;
		yaml_mark_t mark;

		if ((rc = zkey(p, &key, &mark, &done)) < 0) {
			goto out;
		}
		if (done) {
			break;
		}
		if ((rc = znext(p)) < 0) {
			goto out;
		}
		if (p->event.type != YAML_MAPPING_START_EVENT) {
			rc = ztype(p, "an object for a Zig version");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (strcmp(items[i].version, key) == 0) {
				rc = zfail(p, &mark, "version \"%s\" is listed twice", key);
				goto out;
			}
		}
		if (n == cap) {
			size_t grown_cap = cap ? cap * 2 : 32;
			struct zig_index_version *grown = realloc(items, grown_cap * sizeof(*items));

			if (!grown) {
				rc = znomem(p);
				goto out;
			}
			items = grown;
			cap = grown_cap;
		}
		memset(&items[n], 0, sizeof(items[n]));
		items[n].version = key;
		if ((rc = parse_version(p, &items[n])) < 0) {
			goto out;
		}
		n++;
	}
	/* Document end, then stream end: one JSON value only. */
	if ((rc = znext(p)) < 0 || (rc = znext(p)) < 0) {
		goto out;
	}
	if (p->event.type != YAML_STREAM_END_EVENT) {
		rc = zfail(p, &p->event.start_mark, "more than one JSON value");
		goto out;
	}
	out->versions = gn_arena_array(p->arena, n ? n : 1, sizeof(*out->versions));
	if (!out->versions) {
		rc = znomem(p);
		goto out;
	}
	if (n) {
		memcpy(out->versions, items, n * sizeof(*items));
	}
	out->n_versions = n;
	rc = 0;
out:
	free(items);
	return rc;
}

int
zig_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		struct zig_index *out, struct gn_error *err)
{
	struct zparser p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > ZIG_INDEX_MAX_BYTES) {
		return gn_error_at(err, GN_E_INDEX, name, 0, 0, "the Zig index is larger than %d bytes",
				   ZIG_INDEX_MAX_BYTES);
	}
	memset(&p, 0, sizeof(p));
	p.arena = arena;
	p.name = name;
	p.err = err;
	if (!yaml_parser_initialize(&p.yaml)) {
		return znomem(&p);
	}
	yaml_parser_set_input_string(&p.yaml, (const unsigned char *)data, len);
	rc = parse_top(&p, out);
	if (p.have_event) {
		yaml_event_delete(&p.event);
	}
	yaml_parser_delete(&p.yaml);
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

const struct zig_index_version *
zig_index_find(const struct zig_index *index, const char *version)
{
	for (size_t i = 0; i < index->n_versions; i++) {
		if (strcmp(index->versions[i].version, version) == 0) {
			return &index->versions[i];
		}
	}
	return NULL;
}

const struct zig_index_artifact *
zig_index_artifact(const struct zig_index_version *v, const char *key)
{
	for (size_t i = 0; i < v->n_artifacts; i++) {
		if (strcmp(v->artifacts[i].key, key) == 0) {
			return &v->artifacts[i];
		}
	}
	return NULL;
}
