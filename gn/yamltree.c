/*
 * gn/yamltree.c - libyaml events to a small, strict node tree.
 *
 * Iterative: open collections sit on a fixed stack of GN_YAML_MAX_DEPTH, so
 * 10000 nested brackets fail at the 17th, and refusing the first anchor is
 * what stops a billion-laughs file before any expansion.
 */
#include "gn/yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

struct reader {
	struct gn_arena *arena;
	const struct gn_yaml_doc *doc;
	const char *data;
	size_t len;
	struct gn_yaml_node *stack[GN_YAML_MAX_DEPTH];
	size_t depth;
	struct gn_yaml_node *root;
	bool doc_seen;
	bool done;
};

int
gn_yaml_fail(const struct gn_yaml_doc *doc, int line, int col, const char *fmt, ...)
{
	char msg[GN_ERR_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gn_error_at(doc->err, doc->code, doc->name, line, col, "%s", msg);
}

int
gn_yaml_nomem(const struct gn_yaml_doc *doc)
{
	return gn_error_set(doc->err, GN_E_NOMEM, "out of memory reading %s", doc->name);
}

const char *
gn_yaml_show(const char *s, size_t len, char out[80])
{
	size_t i, o = 0;

	for (i = 0; i < len && o < 60; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

#define SHOW(node, buf) gn_yaml_show((node)->text, (node)->len, (buf))

bool
gn_yaml_is_null(const struct gn_yaml_node *n)
{
	if (n->kind != GN_YAML_SCALAR || !n->plain) {
		return false;
	}
	return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
	       strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *
gn_yaml_kind_name(const struct gn_yaml_node *n)
{
	if (n->kind == GN_YAML_SEQ) {
		return "a list";
	}
	if (n->kind == GN_YAML_MAP) {
		return "a mapping";
	}
	return gn_yaml_is_null(n) ? "nothing (null)" : "a string";
}

/* An event's start as 1-based line, col arguments. */
#define AT_EVENT(ev) (int)(ev)->start_mark.line + 1, (int)(ev)->start_mark.column + 1

static int
syntax_error(struct reader *r, const yaml_parser_t *y)
{
	const char *problem = y->problem ? y->problem : "unknown problem";
	int line = 1, col = 1;

	if (y->error == YAML_MEMORY_ERROR) {
		return gn_yaml_nomem(r->doc);
	}
	if (y->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		size_t off = y->problem_offset < r->len ? y->problem_offset : r->len;

		for (size_t i = 0; i < off; i++) {
			if (r->data[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		return gn_yaml_fail(r->doc, line, col, "invalid text: %s",
				    y->problem ? y->problem : "unreadable input");
	}
	line = (int)y->problem_mark.line + 1;
	col = (int)y->problem_mark.column + 1;
	if (y->context) {
		return gn_yaml_fail(r->doc, line, col, "%s: %s (%s at line %d, column %d)",
				    r->doc->syntax, problem, y->context,
				    (int)y->context_mark.line + 1, (int)y->context_mark.column + 1);
	}
	return gn_yaml_fail(r->doc, line, col, "%s: %s", r->doc->syntax, problem);
}

static struct gn_yaml_node *
new_node(struct reader *r, enum gn_yaml_kind kind, const yaml_event_t *ev)
{
	struct gn_yaml_node *n = gn_arena_alloc(r->arena, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->line = (int)ev->start_mark.line + 1;
		n->col = (int)ev->start_mark.column + 1;
	}
	return n;
}

/* Hang n under the open collection (or make it the document). */
static int
attach(struct reader *r, struct gn_yaml_node *n)
{
	struct gn_yaml_node *parent;

	if (r->depth == 0) {
		r->root = n;
		return 0;
	}
	parent = r->stack[r->depth - 1];
	if (parent->kind == GN_YAML_MAP && parent->n % 2 == 0) {
		char a[80];

		if (n->kind != GN_YAML_SCALAR) {
			return gn_yaml_fail_node(r->doc, n,
						 "mapping keys must be plain strings, not %s",
						 gn_yaml_kind_name(n));
		}
		for (struct gn_yaml_node *k = parent->first; k; k = k->next->next) {
			if (k->len == n->len && memcmp(k->text, n->text, n->len) == 0) {
				return gn_yaml_fail_node(r->doc, n,
							 "duplicate key \"%s\" (first at line %d)",
							 SHOW(n, a), k->line);
			}
		}
		if (parent->n >= 2 * GN_YAML_MAX_ITEMS) {
			return gn_yaml_fail_node(r->doc, n,
						 "too many keys in one mapping (limit %d)",
						 GN_YAML_MAX_ITEMS);
		}
	} else if (parent->kind == GN_YAML_SEQ && parent->n >= GN_YAML_MAX_ITEMS) {
		return gn_yaml_fail_node(r->doc, n, "too many items in one list (limit %d)",
					 GN_YAML_MAX_ITEMS);
	}
	if (parent->last) {
		parent->last->next = n;
	} else {
		parent->first = n;
	}
	parent->last = n;
	parent->n++;
	return 0;
}

/* Anchors, aliases and tags have no place in a hand-written manifest or a
 * canonical lock. */
static int
check_props(struct reader *r, const yaml_event_t *ev, const yaml_char_t *anchor,
	    const yaml_char_t *tag)
{
	char a[80];

	if (anchor) {
		return gn_yaml_fail(
			r->doc, AT_EVENT(ev), "YAML anchors (&%s) are not allowed in a %s",
			gn_yaml_show((const char *)anchor, strlen((const char *)anchor), a),
			r->doc->noun);
	}
	if (tag) {
		return gn_yaml_fail(r->doc, AT_EVENT(ev), "YAML tags (%s) are not allowed in a %s",
				    gn_yaml_show((const char *)tag, strlen((const char *)tag), a),
				    r->doc->noun);
	}
	return 0;
}

static int
on_collection_start(struct reader *r, const yaml_event_t *ev, enum gn_yaml_kind kind)
{
	struct gn_yaml_node *n;
	int rc;

	if (kind == GN_YAML_MAP) {
		rc = check_props(r, ev, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
	} else {
		rc = check_props(r, ev, ev->data.sequence_start.anchor,
				 ev->data.sequence_start.tag);
	}
	if (rc) {
		return rc;
	}
	if (r->depth == GN_YAML_MAX_DEPTH) {
		return gn_yaml_fail(r->doc, AT_EVENT(ev), "nested deeper than %d levels",
				    GN_YAML_MAX_DEPTH);
	}
	n = new_node(r, kind, ev);
	if (!n) {
		return gn_yaml_nomem(r->doc);
	}
	rc = attach(r, n);
	if (rc) {
		return rc;
	}
	r->stack[r->depth++] = n;
	return 0;
}

static int
on_scalar(struct reader *r, const yaml_event_t *ev)
{
	const char *value = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct gn_yaml_node *n;
	int rc;

	rc = check_props(r, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	if (rc) {
		return rc;
	}
	n = new_node(r, GN_YAML_SCALAR, ev);
	if (!n) {
		return gn_yaml_nomem(r->doc);
	}
	if (len > GN_YAML_MAX_SCALAR) {
		return gn_yaml_fail_node(r->doc, n, "string longer than %d bytes",
					 GN_YAML_MAX_SCALAR);
	}
	if (memchr(value, '\0', len)) {
		return gn_yaml_fail_node(r->doc, n, "NUL byte in a string");
	}
	n->text = gn_arena_strndup(r->arena, value, len);
	if (!n->text) {
		return gn_yaml_nomem(r->doc);
	}
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return attach(r, n);
}

static int
on_event(struct reader *r, const yaml_event_t *ev)
{
	char a[80];

	switch (ev->type) {
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_STREAM_END_EVENT:
		r->done = true;
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (r->doc_seen) {
			return gn_yaml_fail(r->doc, AT_EVENT(ev),
					    "a %s is one YAML document; found more than one",
					    r->doc->noun);
		}
		r->doc_seen = true;
		return 0;
	case YAML_ALIAS_EVENT:
		return gn_yaml_fail(r->doc, AT_EVENT(ev),
				    "YAML aliases (*%s) are not allowed in a %s",
				    gn_yaml_show((const char *)ev->data.alias.anchor,
						 strlen((const char *)ev->data.alias.anchor), a),
				    r->doc->noun);
	case YAML_SCALAR_EVENT:
		return on_scalar(r, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_collection_start(r, ev, GN_YAML_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(r, ev, GN_YAML_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (r->depth > 0) {
			r->depth--;
		}
		return 0;
	}
	return 0;
}

int
gn_yaml_read(struct gn_arena *arena, const struct gn_yaml_doc *doc, const char *data, size_t len,
	     struct gn_yaml_node **root)
{
	struct reader r = {
		.arena = arena,
		.doc = doc,
		.data = data ? data : "",
		.len = data ? len : 0,
	};
	yaml_parser_t y;
	yaml_event_t ev;
	int rc = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&y)) {
		return gn_yaml_nomem(doc);
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)r.data, r.len);
	while (!r.done) {
		if (!yaml_parser_parse(&y, &ev)) {
			rc = syntax_error(&r, &y);
			break;
		}
		rc = on_event(&r, &ev);
		yaml_event_delete(&ev);
		if (rc) {
			break;
		}
	}
	yaml_parser_delete(&y);
	if (rc == 0) {
		*root = r.root;
	}
	return rc;
}
