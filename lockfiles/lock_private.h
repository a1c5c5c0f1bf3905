/*
 * lockfiles/lock_private.h - what the parts of lockfiles/lock.h share.
 *
 * Only lock*.c include this.  lock.c holds the scalar rules both sides use,
 * the canonical sort and the lookups; lock_write.c the canonical writer;
 * lock_read.c the strict reader, section by section; lock_fields.c the
 * typed fields it reads.
 */
#ifndef LOCK_PRIVATE_H
#define LOCK_PRIVATE_H

#include "lockfiles/lock.h"

#include "gn/yamltree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* go<V>.src.tar.gz with os "" and arch "": the source of a base: source lock. */
bool lock_is_source_artifact(const char *file, const char *os, const char *arch);

/* Every byte of s is in set. */
bool lock_all_in(const char *s, const char *set);

/* A plain scalar that a YAML 1.1 or 1.2 reader would not read as a string
 * (null, booleans, numbers, timestamps). */
bool lock_plain_non_string(const char *s);

/* ---- the reader's typed fields (lock_fields.c) ---------------------------- */

/* One parse: the caller's arena (the tree and the model) and the document
 * whose file:line:col the errors name. */
struct lock_reader {
	struct gn_arena *arena; /* the caller's: the tree and the model */
	struct gn_yaml_doc doc;
};

#define rfail(r, line, col, ...) gn_yaml_fail(&(r)->doc, (line), (col), __VA_ARGS__)
#define rnomem(r) gn_yaml_nomem(&(r)->doc)

/* A string value; plain scalars that other YAML readers would not see as
 * strings are refused (the writer always quotes those). */
int lock_get_string(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		    const char **out);
int lock_get_int(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		 int64_t *out);
/* prefix + 64 lowercase hex; out gets the hex only, or the whole value
 * when keep_prefix. */
int lock_get_hex_field(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		       const char *prefix, bool keep_prefix, char *out, size_t size);
int lock_get_platform_list(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
			   struct gn_platform **out, size_t *count);
/* Puts the value of each key in names into values[] (NULL when absent).
 * An unknown key is an error, unless unknown is non-NULL: then the first
 * one is stored there and parsing goes on. */
int lock_check_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
		    const char *const *names, size_t n_names, const struct gn_yaml_node **values,
		    const struct gn_yaml_node **unknown);
/* Every key in names[0..n_required) must be there. */
int lock_need_keys(struct lock_reader *r, const struct gn_yaml_node *map, const char *what,
		   const char *const *names, const struct gn_yaml_node **values,
		   size_t n_required);
/* A mapping, or "<what>: expected a mapping, found ...". */
int lock_need_map(struct lock_reader *r, const struct gn_yaml_node *n, const char *what);

/* "h1:" and base64 of 32 bytes (44 characters, one '=' of padding). */
bool lock_valid_h1(const char *s);
bool lock_valid_triple(const char *s);
/* A string value that must pass valid(); else "<key>: <why>". */
int lock_get_checked(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		     bool (*valid)(const char *), const char *why, const char **out);

/* What an artifact and a cc host both hold: file, size, sha256 and an
 * optional signed-by. */
int lock_get_file(struct lock_reader *r, const struct gn_yaml_node *n, const char **out);
int lock_get_sha256(struct lock_reader *r, const struct gn_yaml_node *n,
		    char out[GN_SHA256_HEX]);
int lock_get_signed_by(struct lock_reader *r, const struct gn_yaml_node *n, const char **out);
/* A tree id: "" until the builder has computed it, else git-sha256:<hex>. */
int lock_get_tree(struct lock_reader *r, const struct gn_yaml_node *n, const char *key,
		  char out[GN_TREE_ID_TEXT]);
/* A key of a platform-keyed mapping (goroot, cc.hosts, cc.targets): an
 * os/arch that is one of list (named list_name). */
int lock_get_platform_key(struct lock_reader *r, const struct gn_yaml_node *key, const char *what,
			  const struct gn_platform *list, size_t n_list, const char *list_name,
			  struct gn_platform *platform);

#endif
