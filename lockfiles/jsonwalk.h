/*
 * lockfiles/jsonwalk.h - walking a JSON document (RFC 8259) one event at a
 * time, for the go.dev index (lockfiles/index.c) and Zig's index
 * (lockfiles/zigindex.c).
 *
 * Streaming: no tree is built, the caller reads each value as its event
 * comes.  Malformed JSON (invalid UTF-8, raw control characters, lone
 * surrogate escapes, trailing commas, anything after the value) and
 * nesting deeper than max_depth are refused in json_next(), for every
 * value, so hostile input costs linear time.  Every error is the walker's
 * code (GN_E_INDEX) at the event's line:col in name; positions are byte
 * offsets until an error turns one into line:col.
 */
#ifndef LOCK_JSONWALK_H
#define LOCK_JSONWALK_H

#include "gn/arena.h"
#include "gn/error.h"

#include <stdbool.h>
#include <stddef.h>

/* The deepest max_depth a walker supports. */
#define JSON_WALK_MAX_DEPTH 256

enum json_type {
	JSON_STRING = 1,
	JSON_LITERAL, /* a number, true, false or null: value is its text */
	JSON_ARRAY_START,
	JSON_ARRAY_END,
	JSON_OBJECT_START,
	JSON_OBJECT_END,
};

/* A position in the input: a byte offset (json_mark_pos: line:col). */
struct json_mark {
	size_t offset;
};

struct json_event {
	enum json_type type;
	/* JSON_STRING: the decoded text; JSON_LITERAL: the token.  NUL-ended,
	 * valid until the next json_next(); a string may hold a NUL (\u0000):
	 * then strlen(value) != length. */
	const char *value;
	size_t length;
	struct json_mark start_mark;
};

struct json_walk {
	const char *data;
	size_t len, pos;
	struct json_event event; /* the current event */
	char *text;		 /* event.value's buffer (malloc'd, reused) */
	size_t text_cap;
	struct gn_arena *arena; /* the caller's: strings copied out */
	const char *name;	/* URL or path, in errors */
	const char *what;	/* "the release index", in out-of-memory errors */
	struct gn_error *err;
	int depth;     /* arrays and objects open at the current event */
	int max_depth; /* deeper -> "JSON nested deeper than N levels" */
	bool need_comma;  /* a value ended inside the open container */
	bool after_key;	  /* the object's next token is a member's value */
	bool top_done;	  /* the top value has ended */
	unsigned char in_object[JSON_WALK_MAX_DEPTH + 1]; /* per open level */
};

/* A growable array of size-byte items (malloc'd; json_vec_free). */
struct json_vec {
	void *items;
	size_t n, cap, size;
};

/* Set w up to read data[0..len); 0 or -GN_E_NOMEM.  json_walk_close() in
 * every case. */
int json_walk_open(struct json_walk *w, const char *data, size_t len);
void json_walk_close(struct json_walk *w);

/* The next event into w->event. */
int json_next(struct json_walk *w);
/* Skips a UTF-8 byte order mark and white space, then the first value's
 * event is current; empty_msg when there is no value. */
int json_begin(struct json_walk *w, const char *empty_msg);
/* After the top value: only white space may follow, else trailing_msg. */
int json_end(struct json_walk *w, const char *trailing_msg);

/* 1-based line and column (in characters) of mark. */
void json_mark_pos(const struct json_walk *w, const struct json_mark *mark, int *line, int *col);

/* GN_E_INDEX at mark (w->event.start_mark when NULL); returns -GN_E_INDEX. */
int json_fail(struct json_walk *w, const struct json_mark *mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_nomem(struct json_walk *w);
/* "expected <want>, found an array" (or an object, a string, ...). */
int json_type_error(struct json_walk *w, const char *want);

/* A JSON string. */
bool json_is_string(const struct json_event *e);
/* Skips the value whose first event is current. */
int json_skip(struct json_walk *w);
/* The key of the next object member, or *done at the object's end.  *key
 * points into the event (valid until the next json_next()); a key with a
 * NUL is refused. */
int json_key(struct json_walk *w, const char **key, bool *done);
/* The next item of an array, which must be an object (else "expected
 * <want>"), or *done at the array's end. */
int json_next_object(struct json_walk *w, const char *want, bool *done);

/* A new zeroed item at the end, or NULL on OOM. */
void *json_vec_push(struct json_vec *v);
/* items[first..n) copied into arena (one item when none, so the result is
 * never NULL on success); n is then first again.  NULL on OOM. */
void *json_vec_take(struct json_vec *v, size_t first, struct gn_arena *arena);
void json_vec_free(struct json_vec *v);

#endif
