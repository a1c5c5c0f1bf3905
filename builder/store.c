#include "builder/store.h"

#include "builder/statrec.h"
#include "gn/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_PREFIX_LEN 11 /* "git-sha256:" */

static void
entry_paths(const struct cache *cache, const char *tree_id, char *dir, char *record)
{
	const char *hex = strncmp(tree_id, "git-sha256:", TREE_PREFIX_LEN) == 0
				  ? tree_id + TREE_PREFIX_LEN
				  : tree_id;

	snprintf(dir, CACHE_PATH_MAX, "%s/trees/%s", cache->root, hex);
	snprintf(record, CACHE_PATH_MAX, "%s/trees/%s.state", cache->root, hex);
}

bool
store_lookup(const struct cache *cache, const char *tree_id, char out[CACHE_PATH_MAX])
{
	char record[CACHE_PATH_MAX];
	struct statrec_report report;

	entry_paths(cache, tree_id, out, record);
	statrec_check(out, record, tree_id, &report);
	if (report.status == STATREC_MATCH) {
		return true;
	}
	if (report.status != STATREC_MISSING) {
		/* Changed behind our back (an install edited a shared inode?). */
		unlink(record);
		gn_rm_rf(out, NULL);
	}
	return false;
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

static int
copy_data(int in, int out)
{
	char buf[128 * 1024];

	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0) {
			return 0;
		}
		if (n > 0) {
			continue;
		}
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
			return -1;
		}
		/* No copy_file_range here: plain reads. */
		for (;;) {
			ssize_t r = read(in, buf, sizeof(buf));
			if (r == 0) {
				return 0;
			}
			if (r < 0 || write(out, buf, (size_t)r) != r) {
				return -1;
			}
		}
	}
}

/* One regular file, by the best method still believed to work. */
static int
clone_file(int src_dir, int dst_dir, const char *name, const struct stat *st,
	   enum store_method *method)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	int in, out;

	if (*method == STORE_HARDLINK) {
		if (linkat(src_dir, name, dst_dir, name, 0) == 0) {
			return 0;
		}
		if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
			return -1;
		}
		*method = STORE_COPY;
	}
	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		return -1;
	}
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	if (*method == STORE_REFLINK && ioctl(out, FICLONE, in) != 0) {
		/* Not a CoW file system: hard links from now on. */
		close(out);
		close(in);
		unlinkat(dst_dir, name, 0);
		*method = STORE_HARDLINK;
		return clone_file(src_dir, dst_dir, name, st, method);
	}
	if ((*method == STORE_COPY && copy_data(in, out) != 0) ||
	    fchmod(out, st->st_mode & 07777) != 0 || futimens(out, times) != 0) {
		int saved = errno;
		close(out);
		close(in);
		errno = saved;
		return -1;
	}
	close(in);
	return close(out);
}

static int
clone_dir(int src_dir, int dst_dir, const char *where, enum store_method *method,
	  struct gn_error *err)
{
	DIR *dir;
	struct dirent *ent;
	int fd = dup(src_dir), rc = 0;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0) {
			close(fd);
		}
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", where, strerror(errno));
	}
	while (rc == 0 && (ent = readdir(dir))) {
		const char *name = ent->d_name;
		struct stat st;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			continue;
		}
		if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot stat %s/%s: %s", where, name,
					  strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			int s = -1, d = -1;
			if (mkdirat(dst_dir, name, 0700) != 0 ||
			    (s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							       O_CLOEXEC)) < 0 ||
			    (d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
				rc = gn_error_set(err, GN_E_IO, "cannot copy folder %s/%s: %s",
						  where, name, strerror(errno));
			} else {
				char sub[4096];
				struct timespec times[2] = {st.st_atim, st.st_mtim};

				snprintf(sub, sizeof(sub), "%s/%s", where, name);
				rc = clone_dir(s, d, sub, method, err);
				/* Modes last: a read-only folder must first be filled. */
				if (rc == 0 && (fchmod(d, st.st_mode & 07777) != 0 ||
						futimens(d, times) != 0)) {
					rc = gn_error_set(err, GN_E_IO, "cannot set %s: %s", sub,
							  strerror(errno));
				}
			}
			if (s >= 0) {
				close(s);
			}
			if (d >= 0) {
				close(d);
			}
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			struct timespec times[2] = {st.st_atim, st.st_mtim};
			ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);

			if (n < 0 || (target[n] = '\0', symlinkat(target, dst_dir, name)) != 0 ||
			    utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
				rc = gn_error_set(err, GN_E_IO, "cannot copy link %s/%s: %s", where,
						  name, strerror(errno));
			}
		} else if (S_ISREG(st.st_mode)) {
			if (clone_file(src_dir, dst_dir, name, &st, method) != 0) {
				rc = gn_error_set(err, GN_E_IO, "cannot copy %s/%s: %s", where,
						  name, strerror(errno));
			}
		} else {
			rc = gn_error_set(err, GN_E_IO, "%s/%s is not a file, folder or link",
					  where, name);
		}
	}
	closedir(dir);
	return rc;
}

int
store_clone(const char *src, const char *dst, enum store_method *used, struct gn_error *err)
{
	enum store_method method = STORE_REFLINK;
	struct stat st;
	int s, d, rc;

	s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0 || fstat(s, &st) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot open %s or %s: %s", src, dst,
				  strerror(errno));
	} else {
		rc = clone_dir(s, d, src, &method, err);
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
	if (used) {
		*used = method;
	}
	return rc;
}

int
store_put(const struct cache *cache, const char *tree_id, const char *src, struct gn_error *err)
{
	char dir[CACHE_PATH_MAX], record[CACHE_PATH_MAX], tmp[CACHE_PATH_MAX + 16];
	int rc;

	entry_paths(cache, tree_id, dir, record);
	snprintf(tmp, sizeof(tmp), "%s/trees/.new-XXXXXX", cache->root);
	gn_dirname(tmp, record, sizeof(record));
	if ((rc = gn_mkdir_p(record, 0755, err)) < 0) {
		return rc;
	}
	entry_paths(cache, tree_id, dir, record);
	if (!mkdtemp(tmp)) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp, strerror(errno));
	}
	rc = store_clone(src, tmp, NULL, err);
	if (rc == 0) {
		unlink(record);
		gn_rm_rf(dir, NULL);
		if (rename(tmp, dir) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot move %s to %s: %s", tmp, dir,
					  strerror(errno));
		}
	}
	if (rc == 0) {
		rc = statrec_write(dir, record, tree_id, err);
	}
	if (rc < 0) {
		gn_rm_rf(tmp, NULL);
		unlink(record);
		gn_rm_rf(dir, NULL);
	}
	return rc;
}
