/*
 * builder/unpack_private.h - what builder/unpack.c and builder/unpack_reader.c
 * share: the state of one extraction.  Only they include it.
 */
#ifndef UNPACK_PRIVATE_H
#define UNPACK_PRIVATE_H

#include "builder/unpack.h"
#include "gn/buf.h"
#include "gn/sha256.h"

#include <archive.h>

#define READ_BUF (256 * 1024)

/* The archive as read: our own callbacks so the raw bytes can be hashed. */
struct source {
	int fd;
	bool hashing;
	struct gn_sha256 h;
	uint8_t *buf;
	int read_errno;
	struct inflate_stream *gz; /* ISA-L inflate of a .tar.gz; hashes as it reads */
	struct gn_error gz_err;
};

/* The extraction of one archive. */
struct unpacker {
	const struct unpack_opts *opts;
	const char *name;
	struct archive *ar;
	struct archive *aw; /* NULL in hash-only mode */
	struct source src;
	struct tree *tree;
	int dest_fd;
	char *dest; /* realpath of opts->dest */
	int64_t total;
	struct gn_buf full;	   /* dest + "/" + rel */
	struct gn_buf rel;	   /* pathname without go/ and trailing slash */
	struct gn_buf last_parent; /* last folder made sure of on disk */
	struct gn_buf data;	   /* file body when the size is not known */
};

/* builder/unpack_reader.c */
int unpack_open_reader(struct unpacker *u, struct gn_error *err);
int unpack_read_error(struct unpacker *u, struct gn_error *err);
int unpack_reader_finish(struct unpacker *u, int rc, struct gn_error *err);
void unpack_reader_close(struct unpacker *u);

#endif
