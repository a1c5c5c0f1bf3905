/*
 * lockfiles/jsonwalk.h - walking a JSON document with libyaml's event API
 * (JSON is YAML flow syntax), for the go.dev index (lockfiles/index.c) and
 * Zig's index (lockfiles/zigindex.c).
 *
 * Streaming: no tree is built, the caller reads each value as its event
 * comes.  Malformed JSON, aliases and nesting deeper than max_depth are
 * refused in json_next(), for every value, so hostile nesting costs
 * linear time.  Every error is the walker's code (GN_E_INDEX) at the
 * event's line:col in name.
 */
#ifndef LOCK_JSONWALK_H
#define LOCK_JSONWALK_H

#include "gn/arena.h"
#include "gn/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct json_walk {
	yaml_parser_t yaml;
	yaml_event_t event; /* the current event, valid until the next json_next() */
	bool have_event;
	struct gn_arena *arena; /* the caller's: strings copied out */
	const char *name;	/* URL or path, in errors */
	const char *what;	/* "the release index", in out-of-memory errors */
	struct gn_error *err;
	int depth;     /* arrays and objects open at the current event */
	int max_depth; /* deeper -> "JSON nested deeper than N levels" */
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
/* Stream and document start, then the first value's event is current;
 * empty_msg when there is no document. */
int json_begin(struct json_walk *w, const char *empty_msg);
/* After the top value: the document and stream end, else trailing_msg. */
int json_end(struct json_walk *w, const char *trailing_msg);

/* GN_E_INDEX at mark (w->event.start_mark when NULL); returns -GN_E_INDEX. */
int json_fail(struct json_walk *w, const yaml_mark_t *mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_nomem(struct json_walk *w);
/* "expected <want>, found an array" (or an object, a string, ...). */
int json_type_error(struct json_walk *w, const char *want);

/* A quoted scalar: a JSON string. */
bool json_is_string(const yaml_event_t *e);
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
