/*
 * lockfiles/jsonwalk.c - a strict JSON tokenizer, one event at a time.
 *
 * It replaced libyaml's event API here (JSON read as YAML flow): on a 2 MB
 * go.dev index libyaml's scanner and its per-event mallocs cost about
 * 40 ms, this loop a few (bench/README.md, P6).
 */
#include "lockfiles/jsonwalk.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
json_walk_open(struct json_walk *w, const char *data, size_t len)
{
	w->data = data;
	w->len = len;
	w->pos = 0;
	w->depth = 0;
	w->need_comma = w->after_key = w->top_done = false;
	memset(&w->event, 0, sizeof(w->event));
	w->text_cap = 256;
	w->text = malloc(w->text_cap);
	if (w->max_depth > JSON_WALK_MAX_DEPTH) {
		w->max_depth = JSON_WALK_MAX_DEPTH;
	}
	return w->text ? 0 : json_nomem(w);
}

void
json_walk_close(struct json_walk *w)
{
	free(w->text);
	w->text = NULL;
	w->text_cap = 0;
}

void
json_mark_pos(const struct json_walk *w, const struct json_mark *mark, int *line, int *col)
{
	size_t end = mark->offset < w->len ? mark->offset : w->len;
	int l = 1, c = 1;

	for (size_t i = 0; i < end; i++) {
		unsigned char b = (unsigned char)w->data[i];

		if (b == '\n' || (b == '\r' && (i + 1 >= w->len || w->data[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if ((b & 0xc0) != 0x80 && b != '\r') {
			c++; /* columns count characters, not bytes */
		}
	}
	*line = l;
	*col = c;
}

int
json_fail(struct json_walk *w, const struct json_mark *mark, const char *fmt, ...)
{
	char msg[GN_ERR_TEXT];
	va_list ap;
	int line, col;

	if (!mark) {
		mark = &w->event.start_mark;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_mark_pos(w, mark, &line, &col);
	return gn_error_at(w->err, GN_E_INDEX, w->name, line, col, "%s", msg);
}

int
json_nomem(struct json_walk *w)
{
	return gn_error_set(w->err, GN_E_NOMEM, "out of memory reading %s", w->what);
}

/* "malformed JSON: ..." at byte offset at. */
static int
malformed(struct json_walk *w, size_t at, const char *problem)
{
	struct json_mark mark = {at};

	return json_fail(w, &mark, "malformed JSON: %s", problem);
}

static void
skip_space(struct json_walk *w)
{
	const char *d = w->data;
	size_t i = w->pos;

	while (i < w->len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) {
		i++;
	}
	w->pos = i;
}

/* Room for n more bytes (and a NUL) after used in w->text. */
static int
text_reserve(struct json_walk *w, size_t used, size_t n)
{
	char *grown;
	size_t cap = w->text_cap;

	if (used + n + 1 <= cap) {
		return 0;
	}
	while (used + n + 1 > cap) {
		cap *= 2;
	}
	grown = realloc(w->text, cap);
	if (!grown) {
		return json_nomem(w);
	}
	w->text = grown;
	w->text_cap = cap;
	return 0;
}

static int
hex4(const unsigned char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= c - '0';
		} else if (c >= 'a' && c <= 'f') {
			v |= c - 'a' + 10;
		} else if (c >= 'A' && c <= 'F') {
			v |= c - 'A' + 10;
		} else {
			return -1;
		}
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the UTF-8 sequence at s[0..avail), 0 when invalid (overlong,
 * surrogate, beyond U+10FFFF, cut short); *cp its code point. */
static size_t
utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t n;
	uint32_t v, min;

	if (b >= 0xc2 && b <= 0xdf) {
		n = 2, v = b & 0x1f, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3, v = b & 0x0f, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4, v = b & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > avail) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		return 0;
	}
	*cp = v;
	return n;
}

/* The escape at d[*i] ('\\'), decoded onto w->text at *used (4 bytes
 * reserved). */
static int
scan_escape(struct json_walk *w, const unsigned char *d, size_t *i, size_t *used)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	uint32_t cp, low;

	if (*i + 1 >= w->len) {
		return malformed(w, *i + 1, "end of input inside a string");
	}
	for (size_t k = 0; k + 1 < sizeof(simple); k += 2) {
		if (d[*i + 1] == (unsigned char)simple[k]) {
			w->text[(*used)++] = simple[k + 1];
			*i += 2;
			return 0;
		}
	}
	if (d[*i + 1] != 'u') {
		return malformed(w, *i, "unknown escape in a string");
	}
	if (*i + 6 > w->len || hex4(d + *i + 2, &cp) < 0) {
		return malformed(w, *i, "\\u needs 4 hex digits");
	}
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		return malformed(w, *i, "lone low surrogate escape");
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (*i + 12 > w->len || d[*i + 6] != '\\' || d[*i + 7] != 'u' ||
		    hex4(d + *i + 8, &low) < 0 || low < 0xdc00 || low > 0xdfff) {
			return malformed(w, *i, "lone high surrogate escape");
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		*i += 6;
	}
	*used += put_utf8(w->text + *used, cp);
	*i += 6;
	return 0;
}

/* A raw byte that is not printable ASCII at d[*i]: one whole UTF-8
 * character of YAML's printable set, copied onto w->text. */
static int
scan_utf8(struct json_walk *w, const unsigned char *d, size_t *i, size_t *used)
{
	uint32_t cp;
	size_t n;

	if (d[*i] < 0x80) {
		/* Controls and DEL; YAML refused them raw too. */
		return malformed(w, *i, "control character in a string (escape it)");
	}
	if ((n = utf8_seq(d + *i, w->len - *i, &cp)) == 0) {
		return malformed(w, *i, "invalid UTF-8");
	}
	/* YAML's printable set, which libyaml enforced here before: no C1
	 * controls, no U+FFFE or U+FFFF. */
	if ((cp >= 0x80 && cp < 0xa0 && cp != 0x85) || cp == 0xfffe || cp == 0xffff) {
		return malformed(w, *i, "non-printable character in a string");
	}
	memcpy(w->text + *used, d + *i, n);
	*used += n;
	*i += n;
	return 0;
}

/* The string whose '"' is at w->pos, decoded into w->text. */
static int
scan_string(struct json_walk *w)
{
	const unsigned char *d = (const unsigned char *)w->data;
	size_t i = w->pos + 1, used = 0;
	int rc;

	for (;;) {
		size_t run = i;

		/* The common case: a run of printable ASCII. */
		while (run < w->len && d[run] >= 0x20 && d[run] < 0x7f && d[run] != '"' &&
		       d[run] != '\\') {
			run++;
		}
		if (run > i) {
			if ((rc = text_reserve(w, used, run - i)) < 0) {
				return rc;
			}
			memcpy(w->text + used, d + i, run - i);
			used += run - i;
			i = run;
		}
		if (i >= w->len) {
			return malformed(w, i, "end of input inside a string");
		}
		if (d[i] == '"') {
			break;
		}
		if ((rc = text_reserve(w, used, 4)) < 0) {
			return rc;
		}
		rc = d[i] == '\\' ? scan_escape(w, d, &i, &used) : scan_utf8(w, d, &i, &used);
		if (rc < 0) {
			return rc;
		}
	}
	w->text[used] = '\0';
	w->event.type = JSON_STRING;
	w->event.value = w->text;
	w->event.length = used;
	w->pos = i + 1;
	return 0;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A number, true, false or null at w->pos. */
static int
scan_literal(struct json_walk *w)
{
	const unsigned char *d = (const unsigned char *)w->data;
	size_t start = w->pos, i = start, n;
	int rc;

	if (d[i] == 't' || d[i] == 'f' || d[i] == 'n') {
		static const char *const words[] = {"true", "false", "null"};

		for (size_t k = 0; k < 3; k++) {
			size_t len = strlen(words[k]);

			if (w->len - i >= len && memcmp(d + i, words[k], len) == 0) {
				i += len;
				break;
			}
		}
		if (i == start) {
			return malformed(w, start, "expected a value");
		}
	} else {
		if (d[i] == '-') {
			i++;
		}
		if (i < w->len && d[i] == '0') {
			i++;
		} else if (i < w->len && is_digit(d[i])) {
			while (i < w->len && is_digit(d[i])) {
				i++;
			}
		} else {
			return malformed(w, start, "expected a value");
		}
		if (i < w->len && d[i] == '.') {
			if (++i >= w->len || !is_digit(d[i])) {
				return malformed(w, i, "expected a digit after '.'");
			}
			while (i < w->len && is_digit(d[i])) {
				i++;
			}
		}
		if (i < w->len && (d[i] == 'e' || d[i] == 'E')) {
			if (++i < w->len && (d[i] == '+' || d[i] == '-')) {
				i++;
			}
			if (i >= w->len || !is_digit(d[i])) {
				return malformed(w, i, "expected a digit in the exponent");
			}
			while (i < w->len && is_digit(d[i])) {
				i++;
			}
		}
	}
	/* "truex" or "012" is one bad token, not two. */
	if (i < w->len && (is_digit(d[i]) || (d[i] >= 'a' && d[i] <= 'z') ||
			   (d[i] >= 'A' && d[i] <= 'Z') || d[i] == '.' || d[i] == '-' || d[i] == '+')) {
		return malformed(w, start, "expected a value");
	}
	n = i - start;
	if ((rc = text_reserve(w, 0, n)) < 0) {
		return rc;
	}
	memcpy(w->text, d + start, n);
	w->text[n] = '\0';
	w->event.type = JSON_LITERAL;
	w->event.value = w->text;
	w->event.length = n;
	w->pos = i;
	return 0;
}

/* The value starting at w->pos (white space skipped). */
static int
scan_value(struct json_walk *w)
{
	unsigned char c;

	w->event.start_mark.offset = w->pos;
	if (w->pos >= w->len) {
		return malformed(w, w->pos, "end of input where a value was expected");
	}
	c = (unsigned char)w->data[w->pos];
	if (c == '{' || c == '[') {
		/* Refused here, for every field, so nesting costs linear
		 * time and bounded memory. */
		if (w->depth + 1 > w->max_depth) {
			return json_fail(w, NULL, "JSON nested deeper than %d levels", w->max_depth);
		}
		w->depth++;
		w->in_object[w->depth] = c == '{';
		w->need_comma = w->after_key = false;
		w->event.type = c == '{' ? JSON_OBJECT_START : JSON_ARRAY_START;
		w->event.value = "";
		w->event.length = 0;
		w->pos++;
		return 0;
	}
	w->need_comma = true;
	w->after_key = false;
	if (w->depth == 0) {
		w->top_done = true;
	}
	if (c == '"') {
		return scan_string(w);
	}
	return scan_literal(w);
}

/* The '}' or ']' at w->pos closes the open container. */
static int
close_container(struct json_walk *w, bool object)
{
	w->event.start_mark.offset = w->pos;
	w->event.type = object ? JSON_OBJECT_END : JSON_ARRAY_END;
	w->event.value = "";
	w->event.length = 0;
	w->pos++;
	w->depth--;
	w->need_comma = true;
	w->after_key = false;
	if (w->depth == 0) {
		w->top_done = true;
	}
	return 0;
}

int
json_next(struct json_walk *w)
{
	const char *d = w->data;
	bool object;
	int rc;

	skip_space(w);
	if (w->depth == 0) {
		if (w->top_done) {
			return malformed(w, w->pos, "data after the value");
		}
		return scan_value(w);
	}
	object = w->in_object[w->depth];
	if (object && w->after_key) {
		return scan_value(w);
	}
	if (w->pos >= w->len) {
		return malformed(w, w->pos,
				 object ? "end of input inside an object" : "end of input inside an array");
	}
	if (d[w->pos] == (object ? '}' : ']')) {
		return close_container(w, object);
	}
	if (w->need_comma) {
		if (d[w->pos] != ',') {
			return malformed(w, w->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
		}
		w->pos++;
		skip_space(w);
	}
	if (!object) {
		return scan_value(w);
	}
	/* An object member's key, then its ':'. */
	w->event.start_mark.offset = w->pos;
	if (w->pos >= w->len) {
		return malformed(w, w->pos, "end of input inside an object");
	}
	if (d[w->pos] != '"') {
		return malformed(w, w->pos, "expected a string key");
	}
	if ((rc = scan_string(w)) < 0) {
		return rc;
	}
	skip_space(w);
	if (w->pos >= w->len || d[w->pos] != ':') {
		return malformed(w, w->pos, "expected ':' after a key");
	}
	w->pos++;
	w->after_key = true;
	return 0;
}

int
json_begin(struct json_walk *w, const char *empty_msg)
{
	if (w->len >= 3 && memcmp(w->data, "\xef\xbb\xbf", 3) == 0) {
		w->pos = 3;
	}
	skip_space(w);
	if (w->pos >= w->len) {
		struct json_mark mark = {w->pos};

		return json_fail(w, &mark, "%s", empty_msg);
	}
	return json_next(w);
}

int
json_end(struct json_walk *w, const char *trailing_msg)
{
	skip_space(w);
	if (w->depth != 0 || w->pos < w->len) {
		struct json_mark mark = {w->pos};

		return json_fail(w, &mark, "%s", trailing_msg);
	}
	return 0;
}

static const char *
event_what(const struct json_event *e)
{
	switch (e->type) {
	case JSON_LITERAL:
		return "a number or literal";
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY_START:
		return "an array";
	case JSON_OBJECT_START:
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
json_is_string(const struct json_event *e)
{
	return e->type == JSON_STRING;
}

int
json_skip(struct json_walk *w)
{
	int depth = 0;
	int rc;

	for (;;) {
		switch (w->event.type) {
		case JSON_ARRAY_START:
		case JSON_OBJECT_START:
			depth++;
			break;
		case JSON_ARRAY_END:
		case JSON_OBJECT_END:
			depth--;
			break;
		case JSON_STRING:
		case JSON_LITERAL:
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
	*done = w->event.type == JSON_OBJECT_END;
	if (*done) {
		return 0;
	}
	/* json_next() reads only string keys in an object. */
	*key = w->event.value;
	if (strlen(*key) != w->event.length) {
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
	*done = w->event.type == JSON_ARRAY_END;
	if (!*done && w->event.type != JSON_OBJECT_START) {
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
