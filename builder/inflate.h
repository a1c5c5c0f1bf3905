/*
 * builder/inflate.h - streaming gzip decompression with Intel ISA-L
 * (igzip measured 4x faster than zlib here), hashing the compressed bytes
 * as they are read so the archive's sha256 costs no second pass.
 *
 * Built only when libisal is found (INFLATE_HAVE_ISAL); otherwise unpack
 * lets libarchive inflate with zlib.
 */
#ifndef INFLATE_H
#define INFLATE_H

#include "gn/error.h"
#include "gn/sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct inflate_stream;

/* True when this build has ISA-L. */
bool inflate_available(void);

/*
 * Start decompressing the gzip data read from fd (not closed by the
 * stream).  When hash is given, every compressed byte read is fed to it.
 * name is used in messages.  Returns NULL with err set (GN_E_NOMEM).
 * Free with inflate_close().
 */
struct inflate_stream *inflate_open(int fd, struct gn_sha256 *hash, const char *name,
				    struct gn_error *err);

/*
 * The next block of decompressed bytes: *out points at it (owned by the
 * stream, valid until the next call or inflate_close).  Returns its length,
 * 0 at the end of the last gzip member, or -1 with err set: GN_E_INTEGRITY
 * for corrupt data (bad header, bad deflate stream, CRC or length
 * mismatch), GN_E_IO for a failed read.  Concatenated gzip members are read
 * as one stream.  The first call starts a thread that reads, hashes and
 * inflates up to a few MiB ahead; the hash given to inflate_open belongs to
 * that thread until inflate_drain or inflate_close returns.
 */
ssize_t inflate_next(struct inflate_stream *s, const void **out, struct gn_error *err);

/* Stop reading ahead, then read and hash whatever compressed bytes remain
 * (so the hash covers the whole file even when the reader stopped early).
 * 0 or -GN_E_IO. */
int inflate_drain(struct inflate_stream *s, struct gn_error *err);

/* Stops the read-ahead thread and frees s (NULL is fine). */
void inflate_close(struct inflate_stream *s);

#endif
