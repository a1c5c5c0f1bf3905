/*
 * builder/statrec_private.h - what the parts of builder/statrec.h share.
 *
 * Only statrec*.c include this.  statrec_format.c writes a record and
 * decodes its header, lines and entries; statrec.c checks a tree against
 * it.
 *
 * Format 3 (written since issue 14): the text header of format 2 ("tree",
 * "root" lines, an optional "partial" line), then "entries <n>\n" and n
 * binary entries, so a warm sync compares without parsing text:
 *
 *   0  u32 mode: st_mode (type and permissions), STATREC_F_* flags << 16
 *   4  u16 length of the name
 *   6  u16 depth: 0 for the root, 1 for its entries, ...
 *   8  u64 size         16 i64 mtime seconds    24 u32 mtime nanoseconds
 *  28  u32 ctime ns     32 i64 ctime seconds    40 u64 inode
 *  48  the name (one component, no '/'), then 1-8 NUL bytes up to a
 *      multiple of 8
 *
 * Little-endian.  Entries come in walk order: a folder, then its files and
 * links, then each subfolder (itself first), so an entry's folder is the
 * last folder seen one level up and the check stats it relative to that
 * folder's descriptor.  Formats 1 (no ids) and 2 (text lines "<type>
 * <octal mode> <size> <sec>.<nsec> <relative path>") are still read.
 */
#ifndef STATREC_PRIVATE_H
#define STATREC_PRIVATE_H

#include "builder/statrec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATREC_MAGIC "gonative-state 3\n"
#define STATREC_MAGIC_V2 "gonative-state 2\n"
#define STATREC_MAGIC_V1 "gonative-state 1\n"
#define STATREC_MAGIC_LEN 17
#define STATREC_MAX_BYTES (256 * 1024 * 1024)
#define STATREC_MAX_DEPTH 256
#define ENTRY_FIXED 48
/* The entry's ctime is worth comparing: the file had one link when the
 * record was written.  Linking a shared inode elsewhere (the tree store's
 * hard-link mode) changes its ctime, not its bytes. */
#define STATREC_F_CTIME 1u

/* What a record's header says besides the report's fields. */
struct header {
	size_t body;    /* offset of the first entry (line or binary) */
	size_t entries; /* format 3: how many binary entries follow */
	bool partial;
};

struct entry {
	uint32_t mode; /* st_mode bits, flags above */
	uint16_t depth;
	const char *name; /* NUL-terminated inside the record */
	size_t name_len;
	uint64_t size, ino;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
};

/*
 * Parses the text header of a record in data (len bytes; not changed).
 * Fills version, recorded_tree and ids, and hdr.
 */
bool statrec_parse_header(const char *data, size_t len, struct statrec_report *report,
			  struct header *hdr);

/* "<type> <octal mode> <size> <sec>.<nsec> " of a format 1 or 2 line. */
bool statrec_parse_line(const char *line, char *type, unsigned *mode, long long *size,
			long long *sec, long *nsec, int *consumed);

/* Bytes of a format 3 entry with a name of name_len bytes: at least one
 * NUL after the name (the check uses it in place), a multiple of 8. */
size_t statrec_entry_size(size_t name_len);

/* One format 3 entry at p (ENTRY_FIXED bytes and the name). */
void statrec_read_entry(const unsigned char *p, struct entry *e);

/*
 * Checks the shape of a format 3 body before anything is stat'ed: every
 * entry whole, the root first and only there, each entry at most one level
 * below the folder before it, names single components.  Also finds where
 * a second thread can start (*split, *split_chain, *split_depth).
 * false: malformed.
 */
bool statrec_validate(const unsigned char *body, size_t len, size_t count, size_t *split,
		      size_t split_chain[STATREC_MAX_DEPTH + 2], unsigned *split_depth);

/* The whole record, NUL-terminated, into *data (the caller frees it); a
 * symlink is never followed. */
bool statrec_read_record(const char *record, char **data, size_t *len);

#endif
