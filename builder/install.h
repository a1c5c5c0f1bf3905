/*
 * builder/install.h - atomic install of a staged GOROOT, the install lock,
 * and the stat record kept beside (never inside) the GOROOT.
 *
 *   <install>            the GOROOT
 *   <install>.state      stat record: tree id + path/size/mode/mtime per entry
 *   <install>.flock      flock: one sync per install folder at a time
 *   <install>.stage-XXXX staging folder (also where the old tree goes to die)
 */
#ifndef INSTALL_H
#define INSTALL_H

#include "builder/statrec.h"
#include "gn/error.h"
#include "gn/events.h"

#include <stdbool.h>
#include <stddef.h>

#define INSTALL_PATH_MAX 4096

struct install {
	char root[INSTALL_PATH_MAX];  /* absolute GOROOT path */
	char state[INSTALL_PATH_MAX]; /* <root>.state */
	char flock[INSTALL_PATH_MAX]; /* <root>.flock */
	char parent[INSTALL_PATH_MAX];
	int lock_fd; /* -1 when not held */
	/* Its cancelled hook ends a wait for a busy lock (GN_E_INTERRUPTED).
	 * Set by the caller after install_init(); may stay NULL. */
	const struct gn_events *events;
};

/* Fill paths from the install folder (made absolute against cwd). Makes
 * the parent folder.  lock_fd = -1. */
int install_init(struct install *inst, const char *path, struct gn_error *err);

/* Blocking exclusive lock on <root>.flock; released by install_unlock(). */
int install_lock(struct install *inst, struct gn_error *err);
void install_unlock(struct install *inst);

/* Remove staging folders left by a killed sync.  Call with the lock held. */
void install_cleanup_stale(struct install *inst);

/* Make an empty staging folder; its path into out (INSTALL_PATH_MAX). */
int install_stage(struct install *inst, char *out, struct gn_error *err);

/*
 * Flush the staged tree, then swap it in: rename(2) when nothing is
 * installed, else renameat2(RENAME_EXCHANGE) so the install path always
 * holds a whole tree; the old tree is then removed.  The stat record is
 * dropped before the swap and rewritten after it for tree_id (failing to
 * write it is not an error: the next sync then checks the slow way).  If
 * the swap can't be flushed, the previous tree is put back.
 */
int install_commit(struct install *inst, const char *stage, const char *tree_id,
		   struct gn_error *err);

/* Compare the installed tree with its stat record and expected tree id
 * (one fstatat per entry; no file is read).  expected_tree may be NULL:
 * then only the stat comparison is made and the changed paths reported. */
void install_check(const struct install *inst, const char *expected_tree,
		   struct statrec_report *report);

#endif
