/*
 * lockfiles/zigindex.c - Zig's release index, read event by event
 * (lockfiles/jsonwalk.h), as lockfiles/index.c reads go.dev's.
 */
#include "lockfiles/zigindex.h"
#include "lockfiles/jsonwalk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest nesting accepted (ziglang.org's is 3: versions, artifacts, fields). */
#define ZIG_INDEX_MAX_DEPTH 8

struct zparser {
	struct json_walk w;
	struct json_vec versions;  /* struct zig_index_version */
	struct json_vec artifacts; /* struct zig_index_artifact, the open version's */
};

/* The next object member: its key (copied) and the key's position, with
 * the value's first event current; or *done at the object's end. */
static int
zmember(struct zparser *p, const char **key, struct json_mark *mark, bool *done)
{
	const char *text;
	int rc = json_key(&p->w, &text, done);

	if (rc < 0 || *done) {
		return rc;
	}
	*key = gn_arena_strdup(p->w.arena, text);
	if (!*key) {
		return json_nomem(&p->w);
	}
	*mark = p->w.event.start_mark;
	return json_next(&p->w);
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
parse_artifact(struct zparser *p, struct zig_index_artifact *a, const struct json_mark *start)
{
	bool have_tarball = false, have_sha = false, have_size = false, done = false;
	int rc;

	json_mark_pos(&p->w, start, &a->line, &a->col);
	for (;;) {
		const char *key, *value;
		struct json_mark mark;
		size_t len;

		if ((rc = zmember(p, &key, &mark, &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		value = p->w.event.value;
		len = p->w.event.length; /* 0 for arrays and objects */
		if (strcmp(key, "tarball") == 0) {
			if (!json_is_string(&p->w.event)) {
				return json_type_error(&p->w, "a URL string");
			}
			if (strlen(value) != len || !url_ok(value)) {
				return json_fail(&p->w, NULL,
						 "%s.tarball: \"%.200s\" is not an http(s):// or "
						 "file:// URL",
						 a->key, value);
			}
			a->tarball = gn_arena_strndup(p->w.arena, value, len);
			if (!a->tarball) {
				return json_nomem(&p->w);
			}
			have_tarball = true;
		} else if (strcmp(key, "shasum") == 0) {
			if (!json_is_string(&p->w.event)) {
				return json_type_error(&p->w, "a sha256 string");
			}
			if (len != 64 || gn_hex_lower(value, len, a->sha256) < len) {
				return json_fail(
					&p->w, NULL,
					"%s.shasum: expected 64 hex digits, found \"%.80s\"",
					a->key, value);
			}
			a->sha256[64] = '\0';
			have_sha = true;
		} else if (strcmp(key, "size") == 0) {
			char *end;
			long long n;

			if (p->w.event.type != JSON_STRING && p->w.event.type != JSON_LITERAL) {
				return json_type_error(&p->w, "a decimal size string");
			}
			if (len == 0 || len > 18 || strspn(value, "0123456789") != len ||
			    (value[0] == '0' && len > 1)) {
				return json_fail(&p->w, NULL,
						 "%s.size: expected a non-negative decimal, found "
						 "\"%.40s\"",
						 a->key, value);
			}
			errno = 0;
			n = strtoll(value, &end, 10);
			if (*end || errno == ERANGE) {
				return json_fail(&p->w, NULL,
						 "%s.size: expected a non-negative decimal",
						 a->key);
			}
			a->size = n;
			have_size = true;
		} else if ((rc = json_skip(&p->w)) < 0) {
			return rc;
		}
	}
	if (!have_tarball || !have_sha || !have_size) {
		return json_fail(&p->w, start, "%s: needs \"tarball\", \"shasum\" and \"size\"",
				 a->key);
	}
	return 0;
}

static int
parse_version(struct zparser *p, struct zig_index_version *v)
{
	size_t first = p->artifacts.n;
	struct zig_index_artifact *items;
	bool done = false;
	int rc;

	for (;;) {
		struct zig_index_artifact *a;
		const char *key;
		struct json_mark mark;

		if ((rc = zmember(p, &key, &mark, &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if (p->w.event.type != JSON_OBJECT_START) {
			/* "date", "docs", "notes", "version": not an artifact. */
			if ((rc = json_skip(&p->w)) < 0) {
				return rc;
			}
			continue;
		}
		items = p->artifacts.items;
		for (size_t i = first; i < p->artifacts.n; i++) {
			if (strcmp(items[i].key, key) == 0) {
				return json_fail(&p->w, &mark, "%s: \"%s\" is listed twice",
						 v->version, key);
			}
		}
		if (!(a = json_vec_push(&p->artifacts))) {
			return json_nomem(&p->w);
		}
		a->key = key;
		if ((rc = parse_artifact(p, a, &mark)) < 0) {
			return rc;
		}
	}
	v->n_artifacts = p->artifacts.n - first;
	v->artifacts = json_vec_take(&p->artifacts, first, p->w.arena);
	return v->artifacts ? 0 : json_nomem(&p->w);
}

static int
parse_top(struct zparser *p, struct zig_index *out)
{
	struct zig_index_version *items;
	bool done = false;
	int rc;

	if ((rc = json_begin(&p->w, "empty Zig index")) < 0) {
		return rc;
	}
	if (p->w.event.type != JSON_OBJECT_START) {
		return json_type_error(&p->w, "an object of Zig versions");
	}
	for (;;) {
		struct zig_index_version *v;
		const char *key;
		struct json_mark mark;

		if ((rc = zmember(p, &key, &mark, &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if (p->w.event.type != JSON_OBJECT_START) {
			return json_type_error(&p->w, "an object for a Zig version");
		}
		items = p->versions.items;
		for (size_t i = 0; i < p->versions.n; i++) {
			if (strcmp(items[i].version, key) == 0) {
				return json_fail(&p->w, &mark, "version \"%s\" is listed twice",
						 key);
			}
		}
		if (!(v = json_vec_push(&p->versions))) {
			return json_nomem(&p->w);
		}
		v->version = key;
		if ((rc = parse_version(p, v)) < 0) {
			return rc;
		}
	}
	if ((rc = json_end(&p->w, "more than one JSON value")) < 0) {
		return rc;
	}
	out->n_versions = p->versions.n;
	out->versions = json_vec_take(&p->versions, 0, p->w.arena);
	return out->versions ? 0 : json_nomem(&p->w);
}

int
zig_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		struct zig_index *out, struct gn_error *err)
{
	struct zparser p = {
		.w = {
			.arena = arena,
			.name = name,
			.what = "the Zig index",
			.err = err,
			.max_depth = ZIG_INDEX_MAX_DEPTH,
		},
		.versions = {.size = sizeof(struct zig_index_version)},
		.artifacts = {.size = sizeof(struct zig_index_artifact)},
	};
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > ZIG_INDEX_MAX_BYTES) {
		return gn_error_at(err, GN_E_INDEX, name, 0, 0, "the Zig index is larger than %d bytes",
				   ZIG_INDEX_MAX_BYTES);
	}
	rc = json_walk_open(&p.w, data, len);
	if (rc == 0) {
		rc = parse_top(&p, out);
	}
	json_walk_close(&p.w);
	json_vec_free(&p.versions);
	json_vec_free(&p.artifacts);
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
