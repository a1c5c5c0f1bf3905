#include "builder/tree.h"

#include "gn/arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_DIR 040000
#define NO_NODE UINT32_MAX

/*
 * Every file, symlink and folder is a node, found by its full path in an
 * open-addressing hash table.  Children are only gathered and sorted once,
 * in tree_root(), so puts stay O(path length).
 */
struct tree_node {
	const char *path; /* full path, arena-owned; "" for the root */
	const char *name; /* last component, points into path */
	size_t name_len;
	uint32_t parent;
	uint32_t depth;
	uint32_t mode; /* TREE_FILE, TREE_EXEC, TREE_LINK or TREE_DIR */
	uint8_t id[GN_SHA256_LEN];
};

struct tree {
	struct gn_arena arena;
	struct tree_node *nodes;
	size_t n_nodes;
	size_t cap_nodes;
	uint32_t *slots; /* node index or NO_NODE */
	size_t n_slots;	 /* power of two */
	size_t n_files;
};

static uint64_t
hash_path(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint32_t
lookup(const struct tree *tree, const char *path, size_t len, size_t *slot)
{
	size_t mask = tree->n_slots - 1;
	size_t i = (size_t)hash_path(path, len) & mask;

	for (;;) {
		uint32_t n = tree->slots[i];
		if (n == NO_NODE) {
			*slot = i;
			return NO_NODE;
		}
		if (strncmp(tree->nodes[n].path, path, len) == 0 &&
		    tree->nodes[n].path[len] == '\0') {
			*slot = i;
			return n;
		}
		i = (i + 1) & mask;
	}
}

static int
grow_slots(struct tree *tree)
{
	size_t n_slots = tree->n_slots ? tree->n_slots * 2 : 1024;
	uint32_t *slots = malloc(n_slots * sizeof(*slots));

	if (!slots) {
		return -1;
	}
	memset(slots, 0xff, n_slots * sizeof(*slots));
	free(tree->slots);
	tree->slots = slots;
	tree->n_slots = n_slots;
	for (size_t n = 0; n < tree->n_nodes; n++) {
		size_t slot;
		const char *p = tree->nodes[n].path;
		(void)lookup(tree, p, strlen(p), &slot);
		slots[slot] = (uint32_t)n;
	}
	return 0;
}

/* Appends a node for path[0..len) under parent; NO_NODE on OOM. */
static uint32_t
add_node(struct tree *tree, const char *path, size_t len, uint32_t parent, uint32_t mode)
{
	struct tree_node *node;
	size_t slot;
	char *copy;

	if (tree->n_nodes >= UINT32_MAX - 1) {
		return NO_NODE;
	}
	if ((tree->n_nodes + 1) * 2 > tree->n_slots && grow_slots(tree) != 0) {
		return NO_NODE;
	}
	if (tree->n_nodes == tree->cap_nodes) {
		size_t cap = tree->cap_nodes ? tree->cap_nodes * 2 : 256;
		struct tree_node *grown = realloc(tree->nodes, cap * sizeof(*grown));
		if (!grown) {
			return NO_NODE;
		}
		tree->nodes = grown;
		tree->cap_nodes = cap;
	}
	copy = gn_arena_strndup(&tree->arena, path, len);
	if (!copy) {
		return NO_NODE;
	}
	(void)lookup(tree, copy, len, &slot);
	node = &tree->nodes[tree->n_nodes];
	memset(node, 0, sizeof(*node));
	node->path = copy;
	node->name = copy;
	node->name_len = len;
	for (size_t i = len; i > 0; i--) {
		if (copy[i - 1] == '/') {
			node->name = copy + i;
			node->name_len = len - i;
			break;
		}
	}
	node->parent = parent;
	node->depth = parent == NO_NODE ? 0 : tree->nodes[parent].depth + 1;
	node->mode = mode;
	tree->slots[slot] = (uint32_t)tree->n_nodes;
	return (uint32_t)tree->n_nodes++;
}

struct tree *
tree_new(void)
{
	struct tree *tree = calloc(1, sizeof(*tree));

	if (!tree) {
		return NULL;
	}
	gn_arena_init(&tree->arena);
	if (add_node(tree, "", 0, NO_NODE, TREE_DIR) != 0) {
		tree_free(tree);
		return NULL;
	}
	return tree;
}

void
tree_free(struct tree *tree)
{
	if (!tree) {
		return;
	}
	gn_arena_free(&tree->arena);
	free(tree->nodes);
	free(tree->slots);
	free(tree);
}

static bool
valid_path(const char *path)
{
	const char *p = path;

	if (!*p) {
		return false;
	}
	for (;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			return false;
		}
		if (!end) {
			return true;
		}
		p = end + 1;
	}
}

/* Finds or creates the folders leading to path; the parent's index or -code. */
static int64_t
ensure_parents(struct tree *tree, const char *path, struct gn_error *err)
{
	uint32_t parent = 0;

	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		size_t len = (size_t)(p - path), slot;
		uint32_t n = lookup(tree, path, len, &slot);
		if (n == NO_NODE) {
			n = add_node(tree, path, len, parent, TREE_DIR);
			if (n == NO_NODE) {
				return gn_error_nomem(err);
			}
		} else if (tree->nodes[n].mode != TREE_DIR) {
			return gn_error_set(
			    err, GN_E_UNSAFE,
			    "'%s' needs '%.*s' to be a folder, but it is a file or symlink", path,
			    (int)len, path);
		}
		parent = n;
	}
	return parent;
}

static int
put_node(struct tree *tree, const char *path, uint32_t mode, const uint8_t *blob_id,
	 struct gn_error *err)
{
	int64_t parent;
	uint32_t n;
	size_t slot, len = strlen(path);

	if (!valid_path(path)) {
		return gn_error_set(err, GN_E_UNSAFE, "invalid path '%s'", path);
	}
	parent = ensure_parents(tree, path, err);
	if (parent < 0) {
		return (int)parent;
	}
	n = lookup(tree, path, len, &slot);
	if (n == NO_NODE) {
		n = add_node(tree, path, len, (uint32_t)parent, mode);
		if (n == NO_NODE) {
			return gn_error_nomem(err);
		}
		if (mode != TREE_DIR) {
			tree->n_files++;
		}
	} else if ((tree->nodes[n].mode == TREE_DIR) != (mode == TREE_DIR)) {
		return gn_error_set(err, GN_E_UNSAFE, "'%s' is both a file and a folder", path);
	} else {
		tree->nodes[n].mode = mode;
	}
	if (blob_id) {
		memcpy(tree->nodes[n].id, blob_id, GN_SHA256_LEN);
	}
	return 0;
}

int
tree_put(struct tree *tree, const char *path, enum tree_mode mode,
	 const uint8_t blob_id[GN_SHA256_LEN], struct gn_error *err)
{
	if (mode != TREE_FILE && mode != TREE_EXEC && mode != TREE_LINK) {
		return gn_error_set(err, GN_E_UNSAFE, "'%s': unsupported mode %o", path,
				    (unsigned int)mode);
	}
	return put_node(tree, path, (uint32_t)mode, blob_id, err);
}

int
tree_put_dir(struct tree *tree, const char *path, struct gn_error *err)
{
	return put_node(tree, path, TREE_DIR, NULL, err);
}

size_t
tree_count(const struct tree *tree)
{
	return tree->n_files;
}

/* git's base_name_compare: a folder sorts as if its name ended in '/'. */
static int
cmp_children(const void *a, const void *b, void *arg)
{
	const struct tree_node *nodes = arg;
	const struct tree_node *x = &nodes[*(const uint32_t *)a];
	const struct tree_node *y = &nodes[*(const uint32_t *)b];
	size_t len = x->name_len < y->name_len ? x->name_len : y->name_len;
	int cmp = memcmp(x->name, y->name, len);
	unsigned char c1, c2;

	if (cmp) {
		return cmp;
	}
	c1 = len < x->name_len ? (unsigned char)x->name[len] : 0;
	c2 = len < y->name_len ? (unsigned char)y->name[len] : 0;
	if (!c1 && x->mode == TREE_DIR) {
		c1 = '/';
	}
	if (!c2 && y->mode == TREE_DIR) {
		c2 = '/';
	}
	return (c1 > c2) - (c1 < c2);
}

static int
cmp_depth_desc(const void *a, const void *b, void *arg)
{
	const struct tree_node *nodes = arg;
	uint32_t x = nodes[*(const uint32_t *)a].depth;
	uint32_t y = nodes[*(const uint32_t *)b].depth;

	return (x < y) - (x > y);
}

static const char *
mode_text(uint32_t mode)
{
	switch (mode) {
	case TREE_EXEC:
		return "100755";
	case TREE_LINK:
		return "120000";
	case TREE_DIR:
		return "40000";
	default:
		return "100644";
	}
}

/* One folder's git tree object over its sorted, non-empty children, into
 * its node's id; empty[dir] says whether it holds nothing git records. */
static int
hash_folder(struct tree *tree, uint32_t dir, uint32_t *kids, size_t n_kids, bool *empty,
	    struct gn_error *err)
{
	uint64_t body = 0;
	struct gn_sha256 h;
	char head[64];
	int head_len;

	qsort_r(kids, n_kids, sizeof(*kids), cmp_children, tree->nodes);
	for (size_t k = 0; k < n_kids; k++) {
		const struct tree_node *c = &tree->nodes[kids[k]];

		if (!empty[kids[k]]) {
			body += strlen(mode_text(c->mode)) + 1 + c->name_len + 1 + GN_SHA256_LEN;
		}
	}
	/* Folders with nothing in them are not recorded (git tracks no empty dirs). */
	empty[dir] = body == 0;
	if (empty[dir] && dir != 0) {
		return 0;
	}
	if (gn_sha256_init(&h) != 0) {
		return gn_error_nomem(err);
	}
	head_len = snprintf(head, sizeof(head), "tree %" PRIu64, body);
	gn_sha256_update(&h, head, (size_t)head_len + 1);
	for (size_t k = 0; k < n_kids; k++) {
		const struct tree_node *c = &tree->nodes[kids[k]];
		const char *mode = mode_text(c->mode);

		if (empty[kids[k]]) {
			continue;
		}
		gn_sha256_update(&h, mode, strlen(mode));
		gn_sha256_update(&h, " ", 1);
		gn_sha256_update(&h, c->name, c->name_len);
		gn_sha256_update(&h, "", 1);
		gn_sha256_update(&h, c->id, GN_SHA256_LEN);
	}
	gn_sha256_final(&h, tree->nodes[dir].id);
	return 0;
}

int
tree_root(struct tree *tree, uint8_t out[GN_SHA256_LEN], struct gn_error *err)
{
	size_t n = tree->n_nodes, n_dirs = 0;
	size_t *first = NULL, *fill = NULL;
	uint32_t *children = NULL, *dirs = NULL;
	bool *empty = NULL;
	int rc = 0;

	/* CSR layout: children of node p are children[first[p] .. first[p+1]). */
	first = calloc(n + 1, sizeof(*first));
	fill = calloc(n + 1, sizeof(*fill));
	children = malloc((n ? n : 1) * sizeof(*children));
	dirs = malloc((n ? n : 1) * sizeof(*dirs));
	empty = calloc(n, sizeof(*empty));
	if (!first || !fill || !children || !dirs || !empty) {
		rc = gn_error_nomem(err);
		goto out;
	}
	for (size_t i = 1; i < n; i++) {
		first[tree->nodes[i].parent + 1]++;
	}
	for (size_t i = 0; i < n; i++) {
		first[i + 1] += first[i];
		fill[i] = first[i];
		if (tree->nodes[i].mode == TREE_DIR) {
			dirs[n_dirs++] = (uint32_t)i;
		}
	}
	for (size_t i = 1; i < n; i++) {
		children[fill[tree->nodes[i].parent]++] = (uint32_t)i;
	}
	/* Deepest folders first, so every subtree id is known when its parent is hashed. */
	qsort_r(dirs, n_dirs, sizeof(*dirs), cmp_depth_desc, tree->nodes);
	for (size_t d = 0; rc == 0 && d < n_dirs; d++) {
		rc = hash_folder(tree, dirs[d], children + first[dirs[d]],
				 first[dirs[d] + 1] - first[dirs[d]], empty, err);
	}
	if (rc == 0) {
		memcpy(out, tree->nodes[0].id, GN_SHA256_LEN);
	}
out:
	free(first);
	free(fill);
	free(children);
	free(dirs);
	free(empty);
	return rc;
}

int
tree_blob_begin(struct gn_sha256 *h, uint64_t size)
{
	char head[64];
	int len;

	if (gn_sha256_init(h) != 0) {
		return -GN_E_NOMEM;
	}
	len = snprintf(head, sizeof(head), "blob %" PRIu64, size);
	gn_sha256_update(h, head, (size_t)len + 1);
	return 0;
}

void
tree_blob_id(const void *data, size_t len, uint8_t out[GN_SHA256_LEN])
{
	struct gn_sha256 h;

	if (tree_blob_begin(&h, len) != 0) {
		memset(out, 0, GN_SHA256_LEN);
		return;
	}
	gn_sha256_update(&h, data, len);
	gn_sha256_final(&h, out);
}

void
tree_format_id(const uint8_t id[GN_SHA256_LEN], char out[GN_TREE_ID_TEXT])
{
	memcpy(out, GN_TREE_ID_PREFIX, GN_TREE_ID_PREFIX_LEN);
	gn_hex_encode(id, GN_SHA256_LEN, out + GN_TREE_ID_PREFIX_LEN);
}

/* Walking a folder on disk. */

#define HASH_BUF (256 * 1024)

struct walk {
	struct tree *tree;
	const char *root;
	char path[4096]; /* relative to root */
	uint8_t *buf;
};

static int
io_error(struct walk *w, struct gn_error *err, const char *what, int errnum)
{
	return gn_error_set(err, GN_E_IO, "cannot %s %s/%s: %s", what, w->root, w->path,
			    strerror(errnum));
}

static int
hash_file(struct walk *w, int dfd, const char *name, const struct stat *st,
	  uint8_t id[GN_SHA256_LEN], struct gn_error *err)
{
	struct gn_sha256 h;
	uint64_t total = 0;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		return io_error(w, err, "open", errno);
	}
	if (tree_blob_begin(&h, (uint64_t)st->st_size) != 0) {
		close(fd);
		return gn_error_nomem(err);
	}
	for (;;) {
		ssize_t n = read(fd, w->buf, HASH_BUF);
		if (n < 0) {
			int saved = errno;
			if (saved == EINTR) {
				continue;
			}
			gn_sha256_dispose(&h);
			close(fd);
			return io_error(w, err, "read", saved);
		}
		if (n == 0) {
			break;
		}
		gn_sha256_update(&h, w->buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	if (total != (uint64_t)st->st_size) {
		gn_sha256_dispose(&h);
		return gn_error_set(err, GN_E_IO, "%s/%s changed while it was hashed", w->root,
				    w->path);
	}
	gn_sha256_final(&h, id);
	return 0;
}

static int
hash_link(struct walk *w, int dfd, const char *name, const struct stat *st,
	  uint8_t id[GN_SHA256_LEN], struct gn_error *err)
{
	size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;

	for (;;) {
		char *target = malloc(cap);
		ssize_t n;
		if (!target) {
			return gn_error_nomem(err);
		}
		n = readlinkat(dfd, name, target, cap);
		if (n < 0) {
			int saved = errno;
			free(target);
			return io_error(w, err, "read link", saved);
		}
		if ((size_t)n < cap) {
			tree_blob_id(target, (size_t)n, id);
			free(target);
			return 0;
		}
		free(target);
		cap *= 2;
	}
}

static int
walk_dir(struct walk *w, int fd, size_t path_len, struct gn_error *err)
{
	DIR *dir = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!dir) {
		int saved = errno;
		close(fd);
		return io_error(w, err, "open folder", saved);
	}
	for (;;) {
		struct stat st;
		uint8_t id[GN_SHA256_LEN];
		size_t name_len;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno) {
				rc = io_error(w, err, "read folder", errno);
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		name_len = strlen(de->d_name);
		if (path_len + name_len + 2 > sizeof(w->path)) {
			rc = gn_error_set(err, GN_E_IO, "%s/%s/%s: path too long", w->root, w->path,
					  de->d_name);
			break;
		}
		if (path_len) {
			w->path[path_len] = '/';
			memcpy(w->path + path_len + 1, de->d_name, name_len + 1);
		} else {
			memcpy(w->path, de->d_name, name_len + 1);
		}
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = io_error(w, err, "stat", errno);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub =
			    openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = io_error(w, err, "open folder", errno);
				break;
			}
			rc = walk_dir(w, sub, strlen(w->path), err);
		} else if (S_ISREG(st.st_mode)) {
			rc = hash_file(w, fd, de->d_name, &st, id, err);
			if (rc == 0) {
				rc = tree_put(w->tree, w->path,
					      (st.st_mode & 0100) ? TREE_EXEC : TREE_FILE, id, err);
			}
		} else if (S_ISLNK(st.st_mode)) {
			rc = hash_link(w, fd, de->d_name, &st, id, err);
			if (rc == 0) {
				rc = tree_put(w->tree, w->path, TREE_LINK, id, err);
			}
		} else {
			rc = gn_error_set(err, GN_E_IO, "%s/%s is not a file, folder or symlink",
					  w->root, w->path);
		}
		if (rc != 0) {
			break;
		}
	}
	w->path[path_len] = '\0';
	closedir(dir);
	return rc;
}

int
tree_hash_dir(const char *dir, uint8_t out[GN_SHA256_LEN], struct gn_error *err)
{
	struct walk w = {.root = dir};
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open folder %s: %s", dir,
				    strerror(errno));
	}
	w.tree = tree_new();
	w.buf = malloc(HASH_BUF);
	if (!w.tree || !w.buf) {
		close(fd);
		tree_free(w.tree);
		free(w.buf);
		return gn_error_nomem(err);
	}
	rc = walk_dir(&w, fd, 0, err);
	if (rc == 0) {
		rc = tree_root(w.tree, out, err);
	}
	tree_free(w.tree);
	free(w.buf);
	return rc;
}
