/*
 * lockfiles/index.c - the go.dev release index: JSON in (the writer is
 * index_write.c).
 *
 * JSON is read event by event (lockfiles/jsonwalk.h), straight into the
 * model without building a tree.
 */
#include "lockfiles/index_private.h"

#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"
#include "gn/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t
index_hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	}
	return h;
}

/* 1 when added, 0 when already there, -1 on OOM. */
static int
name_set_add(struct name_set *set, const char *s)
{
	size_t i;

	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		const char **slots = calloc(cap, sizeof(*slots));

		if (!slots) {
			return -1;
		}
		for (size_t k = 0; k < set->cap; k++) {
			if (set->slots[k]) {
				i = index_hash_name(set->slots[k]) & (cap - 1);
				while (slots[i]) {
					i = (i + 1) & (cap - 1);
				}
				slots[i] = set->slots[k];
			}
		}
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
	}
	i = index_hash_name(s) & (set->cap - 1);
	while (set->slots[i]) {
		if (strcmp(set->slots[i], s) == 0) {
			return 0;
		}
		i = (i + 1) & (set->cap - 1);
	}
	set->slots[i] = s;
	set->n++;
	return 1;
}

/* Current event as a string, copied into the arena. */
static int
take_string(struct index_parser *p, const char **out)
{
	const char *value = p->w.event.value;
	size_t len = p->w.event.length;

	if (!json_is_string(&p->w.event)) {
		return json_type_error(&p->w, "a string");
	}
	if (strlen(value) != len) {
		return json_fail(&p->w, NULL, "string contains a NUL character");
	}
	*out = gn_arena_strndup(p->w.arena, value, len);
	return *out ? 0 : json_nomem(&p->w);
}

static int
take_bool(struct index_parser *p, bool *out)
{
	const char *value = p->w.event.value;

	if (p->w.event.type != JSON_LITERAL ||
	    (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)) {
		return json_type_error(&p->w, "true or false");
	}
	*out = value[0] == 't';
	return 0;
}

static int
take_size(struct index_parser *p, int64_t *out)
{
	const char *value = p->w.event.value;
	char *end;
	long long n;

	if (p->w.event.type != JSON_LITERAL) {
		return json_type_error(&p->w, "an integer");
	}
	if (value[0] == '-' && value[1] >= '0' && value[1] <= '9') {
		return json_fail(&p->w, NULL, "size must not be negative, found %s", value);
	}
	if (value[0] < '0' || value[0] > '9' || (value[0] == '0' && value[1] != '\0')) {
		return json_fail(&p->w, NULL, "expected an integer size, found %s", value);
	}
	errno = 0;
	n = strtoll(value, &end, 10);
	if (*end != '\0' || errno == ERANGE) {
		return json_fail(&p->w, NULL, "expected an integer size, found %s", value);
	}
	*out = n;
	return 0;
}

/* A hex digit in lower case, 0 for any other byte (one load per digit:
 * 7,900 sha256 fields in go.dev's full index). */
static const char hex_lower[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
	['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b',
	['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['A'] = 'a', ['B'] = 'b',
	['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
};

static int
take_sha256(struct index_parser *p, const char **out)
{
	const char *value = p->w.event.value;
	size_t len = p->w.event.length;
	char *copy;

	if (!json_is_string(&p->w.event)) {
		return json_type_error(&p->w, "a string");
	}
	if (len != 0 && len != 64) {
		return json_fail(&p->w, NULL, "sha256 must be empty or 64 hex digits, found \"%s\"",
				 value);
	}
	copy = gn_arena_alloc(p->w.arena, len + 1);
	if (!copy) {
		return json_nomem(&p->w);
	}
	for (size_t i = 0; i < len; i++) {
		char c = hex_lower[(unsigned char)value[i]];

		if (!c) {
			return json_fail(&p->w, NULL,
					 "sha256 must be empty or 64 hex digits, found \"%s\"", value);
		}
		copy[i] = c;
	}
	copy[len] = '\0';
	*out = copy;
	return 0;
}

enum file_field {
	F_FILENAME = 1 << 0,
	F_OS = 1 << 1,
	F_ARCH = 1 << 2,
	F_VERSION = 1 << 3,
	F_SHA256 = 1 << 4,
	F_SIZE = 1 << 5,
	F_KIND = 1 << 6,
};

/* The field a file object's key names, 0 for another; by length first,
 * as this runs for every key of every file. */
static enum file_field
file_key(const char *key, size_t len)
{
	switch (len) {
	case 2:
		return memcmp(key, "os", 2) == 0 ? F_OS : 0;
	case 4:
		if (memcmp(key, "arch", 4) == 0) {
			return F_ARCH;
		}
		if (memcmp(key, "size", 4) == 0) {
			return F_SIZE;
		}
		return memcmp(key, "kind", 4) == 0 ? F_KIND : 0;
	case 6:
		return memcmp(key, "sha256", 6) == 0 ? F_SHA256 : 0;
	case 7:
		return memcmp(key, "version", 7) == 0 ? F_VERSION : 0;
	case 8:
		return memcmp(key, "filename", 8) == 0 ? F_FILENAME : 0;
	default:
		return 0;
	}
}

static int
parse_file(struct index_parser *p, struct lock_index_file *f)
{
	struct json_mark start = p->w.event.start_mark, name_mark = start;
	unsigned seen = 0;
	bool done = false;
	const char *key = NULL;
	int rc;

	f->filename = f->os = f->arch = f->version = f->sha256 = f->kind = "";
	f->size = 0;
	for (;;) {
		enum file_field bit = 0;

		rc = json_key(&p->w, &key, &done);
		if (rc < 0 || done) {
			break;
		}
		bit = file_key(key, p->w.event.length);
		if (bit & seen) {
			return json_fail(&p->w, NULL, "duplicate key \"%s\"", key);
		}
		seen |= bit;
		rc = json_next(&p->w);
		if (rc < 0) {
			return rc;
		}
		switch (bit) {
		case F_FILENAME:
			name_mark = p->w.event.start_mark;
			rc = take_string(p, &f->filename);
			break;
		case F_OS:
			rc = take_string(p, &f->os);
			break;
		case F_ARCH:
			rc = take_string(p, &f->arch);
			break;
		case F_VERSION:
			rc = take_string(p, &f->version);
			break;
		case F_SHA256:
			rc = take_sha256(p, &f->sha256);
			break;
		case F_SIZE:
			rc = take_size(p, &f->size);
			break;
		case F_KIND:
			rc = take_string(p, &f->kind);
			break;
		default:
			rc = json_skip(&p->w); /* a field go.dev added later */
			break;
		}
		if (rc < 0) {
			return rc;
		}
	}
	if (rc < 0) {
		return rc;
	}
	if (!f->filename[0]) {
		return json_fail(&p->w, &start, "%s", "file entry without a filename");
	}
	if ((rc = index_check_file_name(p, f, &name_mark, &start)) < 0) {
		return rc;
	}
	rc = name_set_add(&p->names, f->filename);
	if (rc < 0) {
		return json_nomem(&p->w);
	}
	if (rc == 0) {
		return json_fail(&p->w, &start, "file \"%s\" is listed twice", f->filename);
	}
	return 0;
}

static int
parse_files(struct index_parser *p, struct lock_index_release *rel)
{
	size_t first = p->files.n;
	bool done = false;
	int rc;

	/* Go encodes a nil slice as null. */
	if (p->w.event.type == JSON_LITERAL && strcmp(p->w.event.value, "null") == 0) {
		rel->n_files = 0;
		rel->files = gn_arena_alloc(p->w.arena, sizeof(*rel->files));
		return rel->files ? 0 : json_nomem(&p->w);
	}
	if (p->w.event.type != JSON_ARRAY_START) {
		return json_type_error(&p->w, "an array of files");
	}
	for (;;) {
		struct lock_index_file *f;

		if ((rc = json_next_object(&p->w, "a file object", &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if (!(f = json_vec_push(&p->files))) {
			return json_nomem(&p->w);
		}
		if ((rc = parse_file(p, f)) < 0) {
			return rc;
		}
	}
	rel->n_files = p->files.n - first;
	rel->files = json_vec_take(&p->files, first, p->w.arena);
	return rel->files ? 0 : json_nomem(&p->w);
}

static int
parse_release(struct index_parser *p, struct lock_index_release *rel)
{
	struct json_mark start = p->w.event.start_mark;
	bool has_version = false, has_stable = false, has_files = false;
	bool done = false;
	const char *key = NULL;
	int rc;

	memset(rel, 0, sizeof(*rel));
	for (;;) {
		rc = json_key(&p->w, &key, &done);
		if (rc < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if ((strcmp(key, "version") == 0 && has_version) ||
		    (strcmp(key, "stable") == 0 && has_stable) ||
		    (strcmp(key, "files") == 0 && has_files)) {
			return json_fail(&p->w, NULL, "duplicate key \"%s\"", key);
		}
		if (strcmp(key, "version") == 0) {
			has_version = true;
			rc = json_next(&p->w);
			if (rc == 0) {
				rc = take_string(p, &rel->version);
			}
		} else if (strcmp(key, "stable") == 0) {
			has_stable = true;
			rc = json_next(&p->w);
			if (rc == 0) {
				rc = take_bool(p, &rel->stable);
			}
		} else if (strcmp(key, "files") == 0) {
			has_files = true;
			rc = json_next(&p->w);
			if (rc == 0) {
				rc = parse_files(p, rel);
			}
		} else {
			rc = json_next(&p->w);
			if (rc == 0) {
				rc = json_skip(&p->w);
			}
		}
		if (rc < 0) {
			return rc;
		}
	}
	if (!has_version || !rel->version[0]) {
		return json_fail(&p->w, &start, "%s", "release without a version");
	}
	/* go.dev groups files by their version: a file that names another
	 * release would be locked as this one. */
	for (size_t i = 0; i < rel->n_files; i++) {
		const struct lock_index_file *f = &rel->files[i];
		char shown[160], version[64], release[64], msg[GN_ERR_TEXT];

		if (strcmp(f->version, rel->version) != 0 && index_name_must_agree(p, f)) {
			index_quote_text(f->filename, shown, sizeof(shown));
			index_quote_text(f->version, version, sizeof(version));
			index_quote_text(rel->version, release, sizeof(release));
			snprintf(msg, sizeof(msg),
				 "file entry \"%s\" has version \"%s\" inside release \"%s\"",
				 shown, version, release);
			return json_fail(&p->w, &start, "%s", msg);
		}
	}
	if (!has_files) {
		rel->files = gn_arena_alloc(p->w.arena, sizeof(*rel->files));
		if (!rel->files) {
			return json_nomem(&p->w);
		}
	}
	return 0;
}

static int
parse_document(struct index_parser *p, struct lock_index *out)
{
	bool done = false;
	int rc;

	if ((rc = json_begin(&p->w, "empty release index")) < 0) {
		return rc;
	}
	if (p->w.event.type != JSON_ARRAY_START) {
		return json_type_error(&p->w, "an array of releases");
	}
	for (;;) {
		struct lock_index_release *rel;

		if ((rc = json_next_object(&p->w, "a release object", &done)) < 0) {
			return rc;
		}
		if (done) {
			break;
		}
		if (!(rel = json_vec_push(&p->releases))) {
			return json_nomem(&p->w);
		}
		if ((rc = parse_release(p, rel)) < 0) {
			return rc;
		}
	}
	if ((rc = json_end(&p->w, "unexpected data after the index")) < 0) {
		return rc;
	}
	out->n_releases = p->releases.n;
	out->releases = json_vec_take(&p->releases, 0, p->w.arena);
	return out->releases ? 0 : json_nomem(&p->w);
}

int
lock_index_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
		 struct lock_index *out, struct gn_error *err)
{
	struct index_parser p = {
		.w = {
			.arena = arena,
			.name = name,
			.what = "the release index",
			.err = err,
			.max_depth = LOCK_INDEX_MAX_DEPTH,
		},
		.releases = {.size = sizeof(struct lock_index_release)},
		.files = {.size = sizeof(struct lock_index_file)},
	};
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > LOCK_INDEX_MAX_BYTES) {
		return gn_error_at(err, GN_E_INDEX, name, 0, 0,
				   "release index is larger than %d bytes", LOCK_INDEX_MAX_BYTES);
	}
	rc = json_walk_open(&p.w, data, len);
	if (rc == 0) {
		rc = parse_document(&p, out);
	}
	json_walk_close(&p.w);
	json_vec_free(&p.releases);
	json_vec_free(&p.files);
	free(p.names.slots);
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
