/*
 * lockfiles/jsonwalk.c - JSON through libyaml's events, one event at a time.
 */
#include "lockfiles/jsonwalk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
json_walk_open(struct json_walk *w, const char *data, size_t len)
{
	w->have_event = false;
	w->depth = 0;
	if (!yaml_parser_initialize(&w->yaml)) {
		memset(&w->yaml, 0, sizeof(w->yaml));
		return json_nomem(w);
	}
	yaml_parser_set_input_string(&w->yaml, (const unsigned char *)data, len);
	return 0;
}

void
json_walk_close(struct json_walk *w)
{
	if (w->have_event) {
		yaml_event_delete(&w->event);
		w->have_event = false;
	}
	yaml_parser_delete(&w->yaml);
}

int
json_fail(struct json_walk *w, const yaml_mark_t *mark, const char *fmt, ...)
{
	char msg[GN_ERR_TEXT];
	va_list ap;

	if (!mark) {
		mark = &w->event.start_mark;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gn_error_at(w->err, GN_E_INDEX, w->name, (int)mark->line + 1, (int)mark->column + 1,
			   "%s", msg);
}

int
json_nomem(struct json_walk *w)
{
	return gn_error_set(w->err, GN_E_NOMEM, "out of memory reading %s", w->what);
}

int
json_next(struct json_walk *w)
{
	if (w->have_event) {
		yaml_event_delete(&w->event);
		w->have_event = false;
	}
	if (!yaml_parser_parse(&w->yaml, &w->event)) {
		if (w->yaml.error == YAML_MEMORY_ERROR) {
			return json_nomem(w);
		}
		return json_fail(w, &w->yaml.problem_mark, "malformed JSON: %s",
				 w->yaml.problem ? w->yaml.problem : "syntax error");
	}
	w->have_event = true;
	switch (w->event.type) {
	case YAML_ALIAS_EVENT:
		return json_fail(w, NULL, "YAML aliases are not JSON");
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		/* Refused here, for every field: libyaml's scanner costs
		 * O(depth) per token, so deep nesting would be quadratic. */
		if (++w->depth > w->max_depth) {
			return json_fail(w, NULL, "JSON nested deeper than %d levels",
					 w->max_depth);
		}
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		w->depth--;
		break;
	default:
		break;
	}
	return 0;
}

int
json_begin(struct json_walk *w, const char *empty_msg)
{
	int rc;

	if ((rc = json_next(w)) < 0) {
		return rc;
	}
	if (w->event.type != YAML_STREAM_START_EVENT) {
		return json_type_error(w, "a JSON document");
	}
	if ((rc = json_next(w)) < 0) {
		return rc;
	}
	if (w->event.type != YAML_DOCUMENT_START_EVENT) {
		return json_fail(w, NULL, "%s", empty_msg);
	}
	return json_next(w);
}

int
json_end(struct json_walk *w, const char *trailing_msg)
{
	int rc;

	if ((rc = json_next(w)) < 0) {
		return rc;
	}
	if (w->event.type != YAML_DOCUMENT_END_EVENT) {
		return json_fail(w, NULL, "%s", trailing_msg);
	}
	if ((rc = json_next(w)) < 0) {
		return rc;
	}
	if (w->event.type != YAML_STREAM_END_EVENT) {
		return json_fail(w, NULL, "%s", trailing_msg);
	}
	return 0;
}

static const char *
event_what(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			return "a number or literal";
		}
		return "a string";
	case YAML_SEQUENCE_START_EVENT:
		return "an array";
	case YAML_MAPPING_START_EVENT:
		return "an object";
	default:
		return "the end of a value";
	}
}

int
json_type_error(struct json_walk *w, const char *want)
{
	return json_fail(w, NULL, "expected %s, found %s", want, event_what(&w->event));
}

bool
json_is_string(const yaml_event_t *e)
{
	return e->type == YAML_SCALAR_EVENT && e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
}

int
json_skip(struct json_walk *w)
{
	int depth = 0;
	int rc;

	for (;;) {
		switch (w->event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			break;
		default:
			return json_type_error(w, "a value");
		}
		if (depth == 0) {
			return 0;
		}
		if ((rc = json_next(w)) < 0) {
			return rc;
		}
	}
}

int
json_key(struct json_walk *w, const char **key, bool *done)
{
	int rc = json_next(w);

	if (rc < 0) {
		return rc;
	}
	*done = w->event.type == YAML_MAPPING_END_EVENT;
	if (*done) {
		return 0;
	}
	if (!json_is_string(&w->event)) {
		return json_type_error(w, "a string key");
	}
	*key = (const char *)w->event.data.scalar.value;
	if (strlen(*key) != w->event.data.scalar.length) {
		return json_fail(w, NULL, "key contains a NUL character");
	}
	return 0;
}

int
json_next_object(struct json_walk *w, const char *want, bool *done)
{
	int rc = json_next(w);

	if (rc < 0) {
		return rc;
	}
	*done = w->event.type == YAML_SEQUENCE_END_EVENT;
	if (!*done && w->event.type != YAML_MAPPING_START_EVENT) {
		return json_type_error(w, want);
	}
	return 0;
}

void *
json_vec_push(struct json_vec *v)
{
	void *item;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *grown = realloc(v->items, cap * v->size);

		if (!grown) {
			return NULL;
		}
		v->items = grown;
		v->cap = cap;
	}
	item = (char *)v->items + v->n++ * v->size;
	memset(item, 0, v->size);
	return item;
}

void *
json_vec_take(struct json_vec *v, size_t first, struct gn_arena *arena)
{
	size_t n = v->n - first;
	void *out = gn_arena_array(arena, n ? n : 1, v->size);

	if (out && n) {
		memcpy(out, (char *)v->items + first * v->size, n * v->size);
	}
	v->n = first;
	return out;
}

void
json_vec_free(struct json_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}
