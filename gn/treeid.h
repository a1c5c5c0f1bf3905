/*
 * gn/treeid.h - the one spelling of a tree id, "git-sha256:<64 hex>"
 * (docs/design.md, Tree hash): builder/tree.c makes it, the lock records
 * it, the stat record and the tree store are keyed by it.
 */
#ifndef GN_TREEID_H
#define GN_TREEID_H

#include "gn/sha256.h"

#define GN_TREE_ID_PREFIX "git-sha256:"
#define GN_TREE_ID_PREFIX_LEN (sizeof(GN_TREE_ID_PREFIX) - 1)
/* prefix + 64 hex + NUL: 76 */
#define GN_TREE_ID_TEXT (GN_TREE_ID_PREFIX_LEN + GN_SHA256_HEX)

#endif
