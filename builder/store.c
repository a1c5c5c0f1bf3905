#include "builder/store.h"

#include "builder/statrec.h"
#include "builder/tree.h"
#include "gn/buf.h"
#include "gn/sha256.h"
#include "gn/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void
entry_paths(const struct cache *cache, const char *tree_id, char *dir, char *record)
{
	const char *hex = strncmp(tree_id, GN_TREE_ID_PREFIX, GN_TREE_ID_PREFIX_LEN) == 0
				  ? tree_id + GN_TREE_ID_PREFIX_LEN
				  : tree_id;

	/* cache_open() left CACHE_NAME_ROOM below the root, and a tree id is
	 * 64 hex digits, so this fits; if not, both are empty and every use of
	 * them fails with an error instead of reaching a cut path. */
	if (strlen(hex) > NAME_MAX - 8 ||
	    !gn_path_fmt(dir, GN_PATH_MAX, "%s/trees/%s", cache->root, hex) ||
	    !gn_path_fmt(record, GN_PATH_MAX, "%s/trees/%s.state", cache->root, hex)) {
		dir[0] = record[0] = '\0';
	}
}

/* The entry is a real folder and its record a real file: a link planted
 * in either place is not followed (statrec and store_clone take paths). */
static bool
entry_is_real(const struct cache *cache, const char *dir, const char *record)
{
	const char *name;
	struct stat st;
	int fd;

	return cache_locate(cache, dir, &fd, &name) &&
	       fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       cache_is_file(cache, record, false);
}

bool
store_lookup(const struct cache *cache, const char *tree_id, char out[GN_PATH_MAX])
{
	char record[GN_PATH_MAX];
	struct statrec_report report;

	cache_assert_locked(cache);
	entry_paths(cache, tree_id, out, record);
	if (!entry_is_real(cache, out, record)) {
		store_drop(cache, tree_id);
		return false;
	}
	statrec_check(out, record, tree_id, STATREC_CHECK_INODE, &report);
	if (report.status == STATREC_MATCH) {
		return true;
	}
	if (report.status != STATREC_MISSING) {
		/* Changed behind our back (an install edited a shared inode?). */
		store_drop(cache, tree_id);
	}
	return false;
}

void
store_drop(const struct cache *cache, const char *tree_id)
{
	char dir[GN_PATH_MAX], record[GN_PATH_MAX];

	cache_assert_locked(cache);
	entry_paths(cache, tree_id, dir, record);
	cache_unlink(cache, record);
	/* gn_rm_rf removes a link itself, never what it points to. */
	gn_rm_rf(dir, NULL);
}

const char *
store_method_name(enum store_method method)
{
	switch (method) {
	case STORE_REFLINK:
		return "reflink";
	case STORE_HARDLINK:
		return "hard links";
	case STORE_COPY:
		return "copy";
	}
	return "?";
}

/* Copy in to out; with h, hash the bytes on the way. */
static int
copy_data(int in, int out, struct gn_sha256 *h)
{
	static _Thread_local char buf[256 * 1024];

	if (!h) {
		for (;;) {
			ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
			if (n == 0) {
				return 0;
			}
			if (n > 0) {
				continue;
			}
			if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
			    errno != EOPNOTSUPP) {
				return -1;
			}
			break; /* no copy_file_range here: plain reads */
		}
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r == 0) {
			return 0;
		}
		if (r < 0 || write(out, buf, (size_t)r) != r) {
			return -1;
		}
		if (h) {
			gn_sha256_update(h, buf, (size_t)r);
		}
	}
}

/* Hash what is now at dst (after a reflink). */
static int
hash_fd(int fd, struct gn_sha256 *h)
{
	static _Thread_local char buf[256 * 1024];
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		gn_sha256_update(h, buf, (size_t)r);
	}
	return r < 0 ? -1 : 0;
}

/* One regular file, by the best method still believed to work; with tree,
 * hashed and recorded under rel. */
static int
clone_file(int src_dir, int dst_dir, const char *name, const char *rel, const struct stat *st,
	   enum store_method *method, struct tree *tree, struct gn_error *err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	struct gn_sha256 h = { 0 };
	uint8_t id[GN_SHA256_LEN];
	int in, out, rc = 0;

	if (*method == STORE_HARDLINK) {
		if (linkat(src_dir, name, dst_dir, name, 0) == 0) {
			return 0;
		}
		if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
			return gn_error_set(err, GN_E_IO, "cannot link %s: %s", rel,
					    strerror(errno));
		}
		*method = STORE_COPY;
	}
	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", rel, strerror(errno));
	}
	out = openat(dst_dir, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot create %s: %s", rel, strerror(errno));
		close(in);
		return rc;
	}
	if (tree && tree_blob_begin(&h, (uint64_t)st->st_size) < 0) {
		rc = gn_error_nomem(err);
	} else if (*method == STORE_REFLINK && ioctl(out, FICLONE, in) == 0) {
		if (tree && hash_fd(out, &h) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot read %s: %s", rel, strerror(errno));
		}
	} else {
		/* Not a CoW file system: copies from now on. */
		*method = STORE_COPY;
		if (copy_data(in, out, tree ? &h : NULL) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot copy %s: %s", rel, strerror(errno));
		}
	}
	if (rc == 0 && (fchmod(out, st->st_mode & 07777) != 0 || futimens(out, times) != 0)) {
		rc = gn_error_set(err, GN_E_IO, "cannot set %s: %s", rel, strerror(errno));
	}
	if (rc == 0 && tree) {
		gn_sha256_final(&h, id);
		rc = tree_put(tree, rel, (st->st_mode & 0100) ? TREE_EXEC : TREE_FILE, id, err);
	}
	gn_sha256_dispose(&h);
	close(in);
	if (close(out) != 0 && rc == 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot write %s: %s", rel, strerror(errno));
	}
	return rc;
}

static int clone_dir(int src_dir, int dst_dir, struct gn_buf *rel, enum store_method *method,
		     struct tree *tree, const struct gn_events *events, struct gn_error *err);

/* The folder name (st) into dst_dir, filled, then its mode and times. */
static int
clone_subdir(int src_dir, int dst_dir, const char *name, const struct stat *st,
	     struct gn_buf *rel, enum store_method *method, struct tree *tree,
	     const struct gn_events *events, struct gn_error *err)
{
	int s = -1, d = -1, rc;

	if (mkdirat(dst_dir, name, 0700) != 0 ||
	    (s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot copy folder %s: %s", rel->data,
				  strerror(errno));
	} else {
		struct timespec times[2] = {st->st_atim, st->st_mtim};

		rc = clone_dir(s, d, rel, method, tree, events, err);
		/* Modes last: a read-only folder must first be filled. */
		if (rc == 0 && (fchmod(d, st->st_mode & 07777) != 0 || futimens(d, times) != 0)) {
			rc = gn_error_set(err, GN_E_IO, "cannot set %s: %s", rel->data,
					  strerror(errno));
		}
	}
	if (s >= 0) {
		close(s);
	}
	if (d >= 0) {
		close(d);
	}
	return rc;
}

/* The symlink name (st) into dst_dir, and into tree when given. */
static int
clone_link(int src_dir, int dst_dir, const char *name, const struct stat *st,
	   const char *rel, struct tree *tree, struct gn_error *err)
{
	char target[4096];
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);
	uint8_t id[GN_SHA256_LEN];

	if (n < 0 || (target[n] = '\0', symlinkat(target, dst_dir, name)) != 0 ||
	    utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
		return gn_error_set(err, GN_E_IO, "cannot copy link %s: %s", rel, strerror(errno));
	}
	if (!tree) {
		return 0;
	}
	tree_blob_id(target, (size_t)n, id);
	return tree_put(tree, rel, TREE_LINK, id, err);
}

/* One entry of src_dir, by its kind; rel names it (for messages, tree). */
static int
clone_entry(int src_dir, int dst_dir, const char *name, struct gn_buf *rel,
	    enum store_method *method, struct tree *tree, const struct gn_events *events,
	    struct gn_error *err)
{
	struct stat st;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		return gn_error_set(err, GN_E_IO, "cannot stat %s: %s", rel->data, strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		return clone_subdir(src_dir, dst_dir, name, &st, rel, method, tree, events, err);
	}
	if (S_ISLNK(st.st_mode)) {
		return clone_link(src_dir, dst_dir, name, &st, rel->data, tree, err);
	}
	if (S_ISREG(st.st_mode)) {
		return clone_file(src_dir, dst_dir, name, rel->data, &st, method, tree, err);
	}
	return gn_error_set(err, GN_E_IO, "%s is not a file, folder or link", rel->data);
}

static int
clone_dir(int src_dir, int dst_dir, struct gn_buf *rel, enum store_method *method,
	  struct tree *tree, const struct gn_events *events, struct gn_error *err)
{
	size_t base = rel->len;
	DIR *dir;
	struct dirent *ent;
	int fd = dup(src_dir), rc = 0;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0) {
			close(fd);
		}
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", rel->data ? rel->data : ".",
				    strerror(errno));
	}
	while (rc == 0 && (ent = readdir(dir))) {
		const char *name = ent->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			continue;
		}
		if (gn_cancelled(events)) {
			rc = gn_error_set(err, GN_E_INTERRUPTED, "interrupted while copying a tree");
			break;
		}
		rel->len = base;
		if (base) {
			gn_buf_putc(rel, '/');
		}
		gn_buf_puts(rel, name);
		rc = rel->failed ? gn_error_nomem(err)
				 : clone_entry(src_dir, dst_dir, name, rel, method, tree, events,
					       err);
	}
	closedir(dir);
	rel->len = base;
	if (rel->data) {
		rel->data[base] = '\0';
	}
	return rc;
}

int
store_clone(const char *src, const char *dst, enum store_method method, struct tree *tree,
	    enum store_method *used, const struct gn_events *events, struct gn_error *err)
{
	struct gn_buf rel;
	struct stat st;
	int s, d, rc;

	gn_buf_init(&rel);
	s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0 || fstat(s, &st) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot open %s or %s: %s", src, dst,
				  strerror(errno));
	} else {
		rc = clone_dir(s, d, &rel, &method, tree, events, err);
		if (rc == 0 && fchmod(d, st.st_mode & 07777) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot set %s: %s", dst, strerror(errno));
		}
	}
	if (s >= 0) {
		close(s);
	}
	if (d >= 0) {
		close(d);
	}
	gn_buf_free(&rel);
	if (used) {
		*used = method;
	}
	return rc;
}

int
store_put(const struct cache *cache, const char *tree_id, const char *src,
	  enum store_method method, struct gn_error *err)
{
	char dir[GN_PATH_MAX], record[GN_PATH_MAX], tmp[GN_PATH_MAX + 16];
	int rc;

	cache_assert_locked(cache);
	/* trees/ was opened (never through a link) with the cache, and mkdtemp
	 * does not follow a link at its last component. */
	entry_paths(cache, tree_id, dir, record);
	if (!gn_path_fmt(tmp, sizeof(tmp), "%s/trees/.new-XXXXXX", cache->root)) {
		return gn_error_set(err, GN_E_IO, "cache path too long: %s", cache->root);
	}
	if (!mkdtemp(tmp)) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp, strerror(errno));
	}
	rc = store_clone(src, tmp, method, NULL, NULL, cache->events, err);
	if (rc == 0) {
		cache_unlink(cache, record);
		gn_rm_rf(dir, NULL);
		if (cache_rename(cache, tmp, dir) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot move %s to %s: %s", tmp, dir,
					  strerror(errno));
		}
	}
	if (rc == 0) {
		rc = statrec_write(dir, record, tree_id, NULL, err);
	}
	if (rc < 0) {
		gn_rm_rf(tmp, NULL);
		cache_unlink(cache, record);
		gn_rm_rf(dir, NULL);
	}
	return rc;
}
