/*
 * builder/unpack.h - secure extraction of Go distributions with libarchive.
 *
 * Every entry must live under "go/"; the prefix is stripped.  Refused with
 * -GN_E_UNSAFE (exit 4), naming the archive and the entry: "..", absolute
 * paths, names outside go/, hard links, devices, FIFOs, sockets, symlinks
 * that are absolute or climb out of the tree, expansion past max_bytes, and
 * more than UNPACK_MAX_ENTRIES entries.
 */
#ifndef UNPACK_H
#define UNPACK_H

#include "builder/tree.h"
#include "gn/error.h"
#include "gn/events.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Entries per archive (folders included), checked before each one is made:
 * a Go distribution has 10,000-16,000, so this leaves room for growth while
 * a tiny archive of empty files can't create millions of inodes. */
#define UNPACK_MAX_ENTRIES 200000

struct unpack_entry {
	const char *path;    /* relative to the GOROOT ("pkg/linux_arm64/net.a") */
	enum tree_mode mode; /* TREE_FILE, TREE_EXEC or TREE_LINK */
	int64_t size;
	time_t mtime;
};

/* Should this entry be taken?  path is relative; is_dir for folders. */
typedef bool (*unpack_want_fn)(void *user, const char *path, bool is_dir);
/* Called after each file or symlink is written (or hashed). */
typedef void (*unpack_wrote_fn)(void *user, const struct unpack_entry *entry);

struct unpack_opts {
	const char *archive; /* path of the verified archive (.tar.gz or .zip) */
	const char *name;    /* artifact file name, for messages */
	const char *dest;    /* folder to write into (exists); NULL = hash only */
	/* When set (64 hex), the archive bytes are hashed as they are read and
	 * must match, else -GN_E_INTEGRITY: a cache file changed after caching. */
	const char *expect_sha256;
	int64_t max_bytes;   /* uncompressed total allowed; 0 = no limit */
	unpack_want_fn want; /* NULL = every entry */
	unpack_wrote_fn wrote;
	void *user;
	struct tree *tree; /* receives every file and symlink; may be NULL */
	/* dest holds nothing but what tree records (a fresh staging folder), so
	 * the tree's own checks already refuse writing through a symlink and
	 * libarchive's per-component symlink walk (a third of the extraction
	 * time) can be skipped.  Leave false for a dest with other content. */
	bool fresh_dest;
	/* Only its cancelled hook is used, polled before every entry: when it
	 * says stop, -GN_E_INTERRUPTED (dest may hold a partial tree). */
	const struct gn_events *events;
};

/*
 * Extract (or only hash).  Files keep the archive's mode and mtime; folders
 * the archive does not list are created 0755.  Blob ids are computed while
 * the bytes are written.  0 or -code; on error dest may hold a partial tree
 * (the caller removes its staging folder).
 */
int unpack_archive(const struct unpack_opts *opts, struct gn_error *err);

/*
 * The entry validator (also a fuzz target).  pathname as stored in the
 * archive; filetype is the AE_IF* type; symlink target or NULL; hardlink
 * target or NULL.  On success *rel points into pathname past "go/" ("" for
 * the go/ folder itself).  0 or -GN_E_UNSAFE with a message naming pathname.
 */
int unpack_check_entry(const char *pathname, unsigned int filetype, const char *symlink,
		       const char *hardlink, const char **rel, struct gn_error *err);

#endif
