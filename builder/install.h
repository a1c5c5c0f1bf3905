/*
 * builder/install.h - atomic install of a staged GOROOT, the install lock,
 * and the stat record kept beside (never inside) the GOROOT.
 *
 *   <install>            the GOROOT
 *   <install>.state      stat record: tree id + path/size/mode/mtime per entry
 *   <install>.flock      flock: one sync per install folder at a time; it
 *                        also lists the staging folders this gonative made
 *   <install>.stage-XXXX staging folder (also where the old tree goes to die)
 *
 * Ownership: sync replaces or removes only what gonative itself put there,
 * proven from the stat record (the device, inode and birth time of the tree
 * it was written for), never from a path alone.  See install_check_owner().
 */
#ifndef INSTALL_H
#define INSTALL_H

#include "builder/statrec.h"
#include "gn/error.h"
#include "gn/events.h"
#include "gn/fs.h"

#include <stdbool.h>
#include <stddef.h>

struct install {
	char root[GN_PATH_MAX];  /* absolute GOROOT path */
	char state[GN_PATH_MAX]; /* <root>.state */
	char flock[GN_PATH_MAX]; /* <root>.flock */
	char parent[GN_PATH_MAX];
	int lock_fd; /* -1 when not held */
	/* Its cancelled hook ends a wait for a busy lock (GN_E_INTERRUPTED).
	 * Set by the caller after install_init(); may stay NULL. */
	const struct gn_events *events;
};

/* Fill paths from the install folder (made absolute against cwd).  Touches
 * nothing on disk.  lock_fd = -1. */
int install_init(struct install *inst, const char *path, struct gn_error *err);

/*
 * Why path can never be an install folder (a static phrase such as "the
 * manifest's folder or a folder above it"), or NULL when it may be one.
 * Refused: /, manifest_dir or a folder above it, home or a folder above it,
 * cache_dir, a folder inside it or above it.  Symlinks and ".." are
 * resolved, and device+inode compared, so no spelling gets around it.
 * home and cache_dir may be NULL (not checked).
 */
const char *install_path_refusal(const char *path, const char *manifest_dir, const char *home,
				 const char *cache_dir);

/*
 * 0 when sync may replace what is at the install path: nothing, or a folder
 * gonative installed: its stat record names this folder's device, inode and
 * birth time, or (a record from an older gonative without them, a copy or
 * restore of the folder) the folder holds exactly the recorded entries.  <root>.state and
 * <root>.flock must be gonative's too when present (regular files of ours
 * with gonative's header; never a symlink).  Else GN_E_INSTALL naming the
 * path and what to do.  Reads only; no network, nothing written.
 */
int install_check_owner(const struct install *inst, struct gn_error *err);

/* Make the parent folder, then a blocking exclusive lock on <root>.flock
 * (never through a symlink); released by install_unlock(). */
int install_lock(struct install *inst, struct gn_error *err);
void install_unlock(struct install *inst);

/* Remove staging folders left by a killed sync: only those the lock file
 * lists whose name, device, inode and birth time still match.  Call with
 * the lock held. */
void install_cleanup_stale(struct install *inst);

/* The lock file lists staging folders (a sync was killed): cheap, no lock. */
bool install_has_stale(const struct install *inst);

/* Make an empty staging folder and list it in the lock file; its path into
 * out (GN_PATH_MAX).  Call with the lock held. */
int install_stage(struct install *inst, char *out, struct gn_error *err);

/*
 * Flush the staged tree, prove the install path is still gonative's, then
 * swap it in: rename(2) when nothing is installed, else
 * renameat2(RENAME_EXCHANGE) so the install path always holds a whole tree;
 * the old tree is then removed.  The stat record for tree_id is written
 * before the swap and names both the new and the old tree, so after a crash
 * at any point the install path is still provably gonative's; failing to
 * write it fails the commit with nothing swapped.  If the swap can't be
 * flushed, the previous tree is put back.  Call with the lock held.
 */
int install_commit(struct install *inst, const char *stage, const char *tree_id,
		   struct gn_error *err);

/* Compare the installed tree with its stat record and expected tree id
 * (one fstatat per entry; no file is read); a folder other than the one the
 * record was written for reads as CHANGED (".").  expected_tree may be NULL:
 * then only the stat comparison is made and the changed paths reported. */
void install_check(const struct install *inst, const char *expected_tree,
		   struct statrec_report *report);

#endif
