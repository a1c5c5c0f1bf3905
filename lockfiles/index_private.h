/*
 * lockfiles/index_private.h - what the parts of the release index reader
 * share.
 *
 * Only index*.c include this.  index.c reads the JSON; index_names.c
 * checks each entry's name; index_write.c (which needs none of this)
 * writes the index.
 */
#ifndef INDEX_PRIVATE_H
#define INDEX_PRIVATE_H

#include "lockfiles/index.h"
#include "lockfiles/jsonwalk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Filenames seen so far, for the duplicate check (open addressing). */
struct name_set {
	const char **slots;
	size_t cap;
	size_t n;
};

/* Whether an os/arch pair is a Go port in index spelling, per pair seen:
 * gn_platform_from_index() formats and searches the port list, and the
 * ~7,900 files of go.dev's full index share about 40 pairs. */
#define PORT_SLOTS 128
struct port_memo {
	const char *os, *arch; /* NULL: empty slot */
	bool port;
};

struct index_parser {
	struct json_walk w;
	struct json_vec releases;
	struct json_vec files;
	struct name_set names;
	struct port_memo ports[PORT_SLOTS];
	size_t n_ports;
};

/* FNV-1a of s: the slot of a name or an os/arch pair. */
uint64_t index_hash_name(const char *s);

/* Whether f's name must be the one go.dev gives it: an archive, installer
 * or source of a Go port (the source has no os/arch). */
bool index_name_must_agree(struct index_parser *p, const struct lock_index_file *f);

/* s for a message: printable ASCII as is, other bytes as \xNN, cut short. */
void index_quote_text(const char *s, char *out, size_t len);

/* The name check of one file entry (DESIGN: index text becomes a path and a
 * URL only after this). */
int index_check_file_name(struct index_parser *p, const struct lock_index_file *f,
			  const struct json_mark *name_mark, const struct json_mark *start);

#endif
