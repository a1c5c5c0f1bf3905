/*
 * manifest/manifest_private.h - what the parts of manifest/manifest.h's
 * parser share.
 *
 * Only manifest*.c include this.  manifest.c loads and parses (the
 * top-level field table, defaults); manifest_sections.c reads each key and
 * the signatures: and cc: sections; manifest_values.c the typed values they
 * are made of.
 */
#ifndef MANIFEST_PRIVATE_H
#define MANIFEST_PRIVATE_H

#include "manifest/manifest.h"

#include "gn/yamltree.h"

#include <stdbool.h>
#include <stddef.h>

/* One parse: the scratch tree, the caller's arena, the document whose
 * file:line:col the errors name. */
struct parse {
	struct gn_arena scratch; /* the YAML tree; freed before returning */
	struct gn_arena *arena;	 /* the caller's: everything in struct manifest */
	struct gn_yaml_doc doc;
	const struct gn_yaml_node *root;
	/* Values checked once their whole section is read. */
	const struct gn_yaml_node *bootstrap, *require, *cc;
};

#define fail_at(p, line, col, ...) gn_yaml_fail(&(p)->doc, (line), (col), __VA_ARGS__)
#define fail_node(p, node, ...) gn_yaml_fail_node(&(p)->doc, (node), __VA_ARGS__)
#define nomem(p) gn_yaml_nomem(&(p)->doc)
#define SHOW(node, buf) gn_yaml_show((node)->text, (node)->len, (buf))

/* One key of a section and what reads its value (k is the key's node). */
struct field {
	const char *key;
	int (*parse)(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		     const struct gn_yaml_node *v);
};

/* ---- typed values (manifest_values.c) ---------------------------------- */

int manifest_want_string(struct parse *p, const char *key, const struct gn_yaml_node *v,
			 const char **out);
int manifest_want_nonempty_string(struct parse *p, const char *key, const struct gn_yaml_node *v,
				  const char **out);
/* v must be a list of strings with no item twice. */
int manifest_want_string_list(struct parse *p, const char *key, const struct gn_yaml_node *v,
			      const char *example);
int manifest_want_platforms(struct parse *p, const char *key, const struct gn_yaml_node *v,
			    struct gn_platform **out, size_t *n_out);
bool manifest_valid_url(const char *s);
int manifest_want_url(struct parse *p, const char *key, const struct gn_yaml_node *v,
		      const char **out);
/*
 * A list of strings (manifest_want_string_list), each item read by want_item into
 * a new array.  if_empty: an empty list is refused with that advice.
 */
int manifest_want_list(struct parse *p, const char *key, const struct gn_yaml_node *v,
		       const char *example, const char *if_empty,
		       int (*want_item)(struct parse *p, const char *key,
					const struct gn_yaml_node *it, const char **out),
		       const char ***out, size_t *n_out);
/* One entry of mirrors: or cc.mirrors: a URL, a template or oci://. */
int manifest_want_mirror(struct parse *p, const char *key, const struct gn_yaml_node *it,
			 const char **out);
/* insecure-registries: [host[:port], ...]: plain http allowed there. */
int manifest_want_registry(struct parse *p, const char *key, const struct gn_yaml_node *it,
			   const char **out);
/* signatures.gpg-fingerprints: 40 hex, spaces as gpg prints them dropped. */
int manifest_want_fingerprint(struct parse *p, const char *key, const struct gn_yaml_node *it,
			      const char **out);
/* "unknown key" with a "did you mean" when one valid key is a likely typo. */
int manifest_unknown_key(struct parse *p, const struct gn_yaml_node *k, const char *where,
			 const char *valid);
/* A pin names one artifact in a mirror folder: a bare file name. */
bool manifest_valid_file_name(const char *s, size_t len);
int manifest_want_bool(struct parse *p, const char *key, const struct gn_yaml_node *v, bool *out);
/* min..max dot-separated decimal numbers, no leading zeros ("0.11.0", "2.17"). */
bool manifest_dotted_numbers(const char *s, int min, int max);

/* ---- the keys and sections (manifest_sections.c); k is the key's node ---- */

/*
 * install: sync replaces that folder's contents.  Refused here, from the
 * text alone: a control character or a ':' (it breaks PATH), "/", and any
 * spelling of the manifest's folder or a folder above it (".", "..",
 * "a/../..").  project_open() refuses the rest by identity.
 */
int manifest_parse_install(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			   const struct gn_yaml_node *v);
int manifest_parse_go(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		      const struct gn_yaml_node *v);
int manifest_parse_checksums(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			     const struct gn_yaml_node *v);
/*
 * sumdb: "<name>+<hash>+<key> [URL]" as GOSUMDB writes it.  The key is
 * checked in full when the project opens (builder/note.c); here its shape.
 * "off" is refused: Go itself never skips the log for toolchains.
 */
int manifest_parse_sumdb(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v);
/* source: index (default) or proxy (golang.org/toolchain module zips). */
int manifest_parse_source(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			  const struct gn_yaml_node *v);
int manifest_parse_base(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			const struct gn_yaml_node *v);
int manifest_parse_hosts(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v);
int manifest_parse_platforms(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			     const struct gn_yaml_node *v);
int manifest_parse_index(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v);
int manifest_parse_mirrors(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			   const struct gn_yaml_node *v);
int manifest_parse_insecure(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			    const struct gn_yaml_node *v);
/* proxy: GOPROXY-style base URLs, asked for <proxy>/sumdb/<name>/. */
int manifest_parse_proxy(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			 const struct gn_yaml_node *v);
int manifest_parse_bootstrap(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			     const struct gn_yaml_node *v);
int manifest_parse_signatures(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
			      const struct gn_yaml_node *v);
int manifest_parse_cc(struct parse *p, struct manifest *m, const struct gn_yaml_node *k,
		      const struct gn_yaml_node *v);
/* cc.musl and cc.skip name targets: each must be one of platforms. */
int manifest_check_cc_platforms(struct parse *p, const struct manifest *m,
				const struct gn_yaml_node *cc_node);

/* ---- fields (manifest.c) ----------------------------------------------- */

/*
 * Each key of map through its field, in file order.  section names the map
 * in messages ("signatures"); NULL for the manifest itself.
 */
int manifest_parse_section(struct parse *p, struct manifest *m, const struct gn_yaml_node *map,
			   const char *section, const struct field *fields, size_t n_fields);

#endif
