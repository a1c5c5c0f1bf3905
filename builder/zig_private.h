/*
 * builder/zig_private.h - what the parts of builder/zig.h share.
 *
 * Only zig*.c include this.  zig.c is the lock side (targets, the index,
 * the hosts' tarballs chosen); zig_install.c fetches, verifies, hashes and
 * installs them.
 */
#ifndef ZIG_PRIVATE_H
#define ZIG_PRIVATE_H

#include "builder/zig.h"

#include "gn/treeid.h"

#include <stdbool.h>

/* The tarball in the cache, its signature checked in this call; record:
 * the signer goes into h. */
int zig_prepare_tarball(struct zig_ctx *z, struct lock_cc_host *h, bool record,
			struct gn_error *err);

/* Unpack (dest) or only hash (dest NULL) the cached tarball. */
int zig_tarball_tree(struct zig_ctx *z, const struct lock_cc_host *h, const char *key,
		     const char *dest, char tree[GN_TREE_ID_TEXT], struct gn_error *err);

/* The index key the locked file was chosen for (checked against its name). */
const char *zig_host_key(const struct lock_cc_host *h, const char *zig);

#endif
