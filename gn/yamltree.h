/*
 * gn/yamltree.h - the one strict YAML reader (the manifest and the lock).
 *
 * libyaml's events become a small tree of nodes, each with its line:col.
 * Refused as they stream past, so hostile input fails at its first bad
 * event: anchors, aliases, tags, a second document, nesting deeper than
 * GN_YAML_MAX_DEPTH, scalars longer than GN_YAML_MAX_SCALAR or holding a
 * NUL, more than GN_YAML_MAX_ITEMS per list or mapping, mapping keys that
 * are not scalars, and duplicate keys.  Nothing recurses on the input's
 * shape.  What the tree must look like (the schema) is the caller's.
 */
#ifndef GN_YAMLTREE_H
#define GN_YAMLTREE_H

#include "gn/arena.h"
#include "gn/error.h"

#include <stdbool.h>
#include <stddef.h>

/* The schemas need 4 levels (lock: cc, hosts, host, keys); room, but small. */
#define GN_YAML_MAX_DEPTH 16
#define GN_YAML_MAX_SCALAR (64 * 1024)
/* Per list or mapping: keeps the quadratic duplicate-key check cheap. */
#define GN_YAML_MAX_ITEMS 4096

enum gn_yaml_kind {
	GN_YAML_SCALAR,
	GN_YAML_SEQ,
	GN_YAML_MAP,
};

struct gn_yaml_node {
	enum gn_yaml_kind kind;
	int line, col;	  /* 1-based start of the node */
	const char *text; /* scalar: NUL-terminated (NUL bytes are refused) */
	size_t len;
	bool plain; /* scalar written without quotes */
	/* Children in file order; a mapping alternates key, value. */
	struct gn_yaml_node *first, *last, *next;
	size_t n; /* number of children (a mapping: 2 per entry) */
};

/* The document being read: who it is for messages and errors. */
struct gn_yaml_doc {
	const char *name;   /* file name in errors ("file:line:col") */
	const char *noun;   /* "manifest", "lockfile": "... not allowed in a <noun>" */
	const char *syntax; /* how a syntax error begins: "YAML syntax error" */
	enum gn_code code;  /* GN_E_MANIFEST, GN_E_LOCK */
	struct gn_error *err;
};

/*
 * Read data (len bytes) into a tree owned by arena.  *root is NULL for a
 * stream with no document (empty, or comments only): the caller says what
 * was required.  0, or -doc->code with doc->err at the offending
 * line:col, or -GN_E_NOMEM.
 */
int gn_yaml_read(struct gn_arena *arena, const struct gn_yaml_doc *doc, const char *data,
		 size_t len, struct gn_yaml_node **root);

/* doc->code at line:col with a printf-style message; returns -doc->code. */
int gn_yaml_fail(const struct gn_yaml_doc *doc, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define gn_yaml_fail_node(doc, node, ...)                                                          \
	gn_yaml_fail((doc), (node)->line, (node)->col, __VA_ARGS__)
/* GN_E_NOMEM naming the document; returns -GN_E_NOMEM. */
int gn_yaml_nomem(const struct gn_yaml_doc *doc);

/* A plain ~, null, Null, NULL or empty scalar. */
bool gn_yaml_is_null(const struct gn_yaml_node *n);
/* "a list", "a mapping", "nothing (null)" or "a string", for messages. */
const char *gn_yaml_kind_name(const struct gn_yaml_node *n);
/* A short, printable rendering of s[0..len) for messages (at most 63
 * characters plus NUL in out; control bytes become '?'). */
const char *gn_yaml_show(const char *s, size_t len, char out[80]);

#endif
