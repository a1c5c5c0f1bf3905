/*
 * builder/statrec.h - a stat record of a tree, like git's index: path,
 * type, mode, size and mtime of every entry, plus the tree id it was made
 * for.  Comparing it costs one fstatat per entry and reads no file, so a
 * warm sync or a tree-store lookup is cheap; `verify` is the deep check.
 * Folders record their mtime, which changes when entries come or go.
 */
#ifndef STATREC_H
#define STATREC_H

#include "gn/error.h"

#include <stddef.h>

#define STATREC_REPORT_PATHS 8

enum statrec_status {
	STATREC_MISSING,    /* nothing at the tree's path */
	STATREC_UNKNOWN,    /* a tree, but no usable record */
	STATREC_MATCH,      /* the record says the tree is the expected one */
	STATREC_OTHER_TREE, /* the recorded tree id differs from the expected one */
	STATREC_CHANGED,    /* entries changed since the record was written */
};

struct statrec_report {
	enum statrec_status status;
	char recorded_tree[80];                   /* tree id in the record, or "" */
	size_t n_changed;                         /* entries whose stat differs */
	char changed[STATREC_REPORT_PATHS][512];  /* the first few, relative */
};

/* Walk root (not following symlinks) and write the record for tree_id to
 * record (atomically).  A tree with a name holding a newline, or a file
 * type other than folder, file or symlink, gets no record (0 is returned
 * and any old record removed), so it is always checked the slow way. */
int statrec_write(const char *root, const char *record, const char *tree_id,
		  struct gn_error *err);

/* Compare root with its record.  expected_tree may be NULL (only the stat
 * comparison is made).  Never fails: problems read as MISSING or UNKNOWN. */
void statrec_check(const char *root, const char *record, const char *expected_tree,
		   struct statrec_report *report);

#endif
