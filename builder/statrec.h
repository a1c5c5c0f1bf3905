/*
 * builder/statrec.h - a stat record of a tree, like git's index: name,
 * type, mode, size, mtime, ctime and inode of every entry, plus the tree id
 * it was made for.  Comparing it costs one fstatat per entry and reads no
 * file, so a warm sync or a tree-store lookup is cheap; `verify` is the
 * deep check.  Folders record their mtime, which changes when entries come
 * or go.  Format 3 (binary entries) is written; formats 1 and 2 (text, no
 * inode or ctime) are still read.
 */
#ifndef STATREC_H
#define STATREC_H

#include "gn/error.h"
#include "gn/treeid.h"

#include <stdbool.h>
#include <stddef.h>

#define STATREC_REPORT_PATHS 8

enum statrec_status {
	STATREC_MISSING,    /* nothing at the tree's path */
	STATREC_UNKNOWN,    /* a tree, but no usable record */
	STATREC_MATCH,      /* the record says the tree is the expected one */
	STATREC_OTHER_TREE, /* the recorded tree id differs from the expected one */
	STATREC_CHANGED,    /* entries changed since the record was written */
};

/* Which folder a record was written for: device, inode and birth time
 * (0 where the file system has none), so a folder made later at the same
 * path, even on a reused inode, is told apart. */
struct statrec_id {
	unsigned long long dev, ino;
	long long btime_sec;
	long btime_nsec;
};

#define STATREC_MAX_IDS 2

struct statrec_report {
	enum statrec_status status;
	/* tree id in the record, or ""; room for more than a valid id, so a
	 * longer one never matches once cut */
	char recorded_tree[GN_TREE_ID_TEXT + 4];
	int version;                              /* 1: no ids (older gonative); 2, 3 */
	size_t n_ids;                             /* root ids in the record */
	struct statrec_id ids[STATREC_MAX_IDS];
	size_t n_changed;                         /* entries whose stat differs */
	char changed[STATREC_REPORT_PATHS][512];  /* the first few, relative */
};

/* Identity of the folder at path (not following a symlink).  false when
 * there is nothing there. */
bool statrec_id_of(const char *path, struct statrec_id *out);
bool statrec_id_equal(const struct statrec_id *a, const struct statrec_id *b);

/* Walk root (not following symlinks) and write the record for tree_id to
 * record (atomically), with root's identity and, when also is not NULL,
 * that one too (the tree root is about to replace).  A tree with a name
 * holding a newline, or a file type other than folder, file or symlink,
 * gets a record with the identities but no entries (marked partial), so it
 * is always checked the slow way yet still known to be gonative's. */
int statrec_write(const char *root, const char *record, const char *tree_id,
		  const struct statrec_id *also, struct gn_error *err);

/* Read only the record's header: version, tree id and root ids.  false
 * when record is not a regular file beginning with a stat record header
 * (a symlink is never followed). */
bool statrec_read_header(const char *record, struct statrec_report *report);

/* What statrec_check compares besides type, mode, size and mtime (format 3
 * records only; older ones hold neither). */
#define STATREC_CHECK_INODE 1u /* each entry's inode: a file replaced, not edited */
/* each entry's ctime, where the file had a single link when recorded: an
 * edit whose mtime was set back.  Never the root's (renamed into place
 * after its record is written). */
#define STATREC_CHECK_CTIME 2u
#define STATREC_CHECK_ALL (STATREC_CHECK_INODE | STATREC_CHECK_CTIME)

/* Compare root with its record.  expected_tree may be NULL (only the stat
 * comparison is made).  flags: STATREC_CHECK_*; 0 compares only what a
 * copy of the tree keeps (type, mode, size, mtime).  Never fails: problems
 * read as MISSING or UNKNOWN. */
void statrec_check(const char *root, const char *record, const char *expected_tree, unsigned flags,
		   struct statrec_report *report);

#endif
