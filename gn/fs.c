#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

int
gn_mkdir_p(const char *path, mode_t mode, struct gn_error *err)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp)) {
		return gn_error_set(err, GN_E_IO, "%s: path too long", path);
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
			return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp,
					    strerror(errno));
		}
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp, strerror(errno));
	}
	if (!gn_is_dir(tmp)) {
		return gn_error_set(err, GN_E_IO, "%s exists and is not a folder", tmp);
	}
	return 0;
}

static int rm_errno;
static char rm_failed[4096];

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int rc;

	(void)st;
	(void)ftw;
	if (type == FTW_DP) {
		rc = rmdir(path);
	} else {
		rc = unlink(path);
	}
	if (rc != 0 && errno != ENOENT) {
		rm_errno = errno;
		snprintf(rm_failed, sizeof(rm_failed), "%s", path);
		return 1;
	}
	return 0;
}

static int
rm_open_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && (st->st_mode & 0700) != 0700) {
		chmod(path, (st->st_mode & 07777) | 0700);
	}
	return 0;
}

int
gn_rm_rf(const char *path, struct gn_error *err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT) {
			return 0;
		}
		return gn_error_set(err, GN_E_IO, "cannot remove %s: %s", path, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) != 0 && errno != ENOENT) {
			return gn_error_set(err, GN_E_IO, "cannot remove %s: %s", path,
					    strerror(errno));
		}
		return 0;
	}
	rm_errno = 0;
	/* A folder without write permission (an archive may list 0555) can't
	 * be emptied, even by its owner: open them all up first. */
	nftw(path, rm_open_up, 32, FTW_PHYS);
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) != 0) {
		return gn_error_set(err, GN_E_IO, "cannot remove %s: %s", rm_failed,
				    strerror(rm_errno ? rm_errno : errno));
	}
	return 0;
}

static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode)) {
		return "a folder";
	}
	if (S_ISFIFO(mode)) {
		return "a FIFO";
	}
	if (S_ISCHR(mode)) {
		return "a character device";
	}
	if (S_ISBLK(mode)) {
		return "a block device";
	}
	if (S_ISSOCK(mode)) {
		return "a socket";
	}
	return "not a plain file";
}

int
gn_open_regular(const char *path, struct gn_error *err)
{
	struct stat st;
	int fd, flags;

	/* O_NONBLOCK: opening a FIFO with no writer would block right here. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;
		gn_error_set(err, GN_E_IO, "cannot open %s: %s", path, strerror(saved));
		errno = saved;
		return -GN_E_IO;
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		gn_error_set(err, GN_E_IO, "cannot stat %s: %s", path, strerror(saved));
		errno = saved;
		return -GN_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		gn_error_set(err, GN_E_USAGE, "%s is %s, not a regular file", path,
			     file_kind(st.st_mode));
		return -GN_E_USAGE;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		int saved = errno;
		close(fd);
		gn_error_set(err, GN_E_IO, "cannot read %s: %s", path, strerror(saved));
		errno = saved;
		return -GN_E_IO;
	}
	return fd;
}

/* The rest of gn_read_file once fd is open (closes fd). */
static int
read_fd(int fd, const char *path, size_t max_len, char **data, size_t *len, struct gn_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, used = 0;

	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot stat %s: %s", path, strerror(saved));
	}
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	if (cap > max_len + 1) {
		cap = max_len + 1;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return gn_error_set(err, GN_E_NOMEM, "out of memory reading %s", path);
	}
	for (;;) {
		ssize_t n;
		if (used == cap) {
			char *grown;
			if (cap > max_len) {
				break;
			}
			cap = cap * 2 > max_len + 1 ? max_len + 1 : cap * 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				close(fd);
				return gn_error_set(err, GN_E_NOMEM, "out of memory reading %s",
						    path);
			}
			buf = grown;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			int saved = errno;
			if (saved == EINTR) {
				continue;
			}
			free(buf);
			close(fd);
			return gn_error_set(err, GN_E_IO, "cannot read %s: %s", path,
					    strerror(saved));
		}
		if (n == 0) {
			break;
		}
		used += (size_t)n;
	}
	close(fd);
	if (used > max_len) {
		free(buf);
		return gn_error_set(err, GN_E_IO, "%s is larger than the limit of %zu bytes", path,
				    max_len);
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

int
gn_read_file(const char *path, size_t max_len, char **data, size_t *len, struct gn_error *err)
{
	int fd;

	*data = NULL;
	*len = 0;
	fd = gn_open_regular(path, err);
	if (fd < 0) {
		return fd;
	}
	return read_fd(fd, path, max_len, data, len, err);
}

int
gn_read_file_at(int dir, const char *rel, const char *shown, size_t max_len, char **data,
		size_t *len, struct gn_error *err)
{
	struct stat st;
	int fd, flags;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO with no writer would block the open. */
	fd = gn_openat_beneath(dir, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		if (errno == ELOOP) {
			return gn_error_set(err, GN_E_IO,
					    "cannot open %s: it is (or passes through) a symbolic "
					    "link, and links there are never followed",
					    shown);
		}
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", shown, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot stat %s: %s", shown, strerror(saved));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return gn_error_set(err, GN_E_IO, "%s is %s, not a regular file", shown,
				    file_kind(st.st_mode));
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		int saved = errno;
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", shown, strerror(saved));
	}
	return read_fd(fd, shown, max_len, data, len, err);
}

#ifdef SYS_openat2
static int
openat2_beneath(int dir, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};

	return (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
}
#endif

int
gn_openat_beneath_walk(int dir, const char *path, int flags, mode_t mode)
{
	char comp[256];
	const char *p = path;
	int cur = dir, fd;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || n >= sizeof(comp) || (n == 2 && p[0] == '.' && p[1] == '.')) {
			errno = n >= sizeof(comp) ? ENAMETOOLONG : EXDEV;
			fd = -1;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!slash) {
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			break;
		}
		fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOTDIR) {
			struct stat st;

			/* O_DIRECTORY wins over O_NOFOLLOW: say "link" as openat2 does. */
			if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				errno = ELOOP;
			} else {
				errno = ENOTDIR;
			}
		}
		if (cur != dir) {
			int saved = errno;
			close(cur);
			errno = saved;
		}
		if (fd < 0) {
			return -1;
		}
		cur = fd;
		p = slash + 1;
	}
	if (cur != dir) {
		int saved = errno;
		close(cur);
		errno = saved;
	}
	return fd;
}

int
gn_openat_beneath(int dir, const char *path, int flags, mode_t mode)
{
	if (path[0] == '\0' || path[0] == '/' || dir == AT_FDCWD) {
		errno = EXDEV;
		return -1;
	}
#ifdef SYS_openat2
	{
		static int no_openat2;
		int fd;

		if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
			fd = openat2_beneath(dir, path, flags, mode);
			if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) {
				return fd;
			}
			/* Too old a kernel, or a seccomp filter that denies it. */
			__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
		}
	}
#endif
	return gn_openat_beneath_walk(dir, path, flags, mode);
}

int
gn_openat_replace(int dir, const char *name, int flags, mode_t mode)
{
	bool writes = (flags & O_ACCMODE) != O_RDONLY;
	struct stat st;
	int fd;

	if (dir != AT_FDCWD && strchr(name, '/')) {
		errno = EXDEV;
		return -1;
	}
	for (int tries = 0; tries < 2; tries++) {
		fd = dir == AT_FDCWD ? openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
				     : gn_openat_beneath(dir, name, flags, mode);
		if (fd >= 0) {
			/* A second name of another file (a hard link) or a FIFO is
			 * a link by other means when we mean to write. */
			if (!(flags & O_CREAT) || !writes ||
			    (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink <= 1)) {
				return fd;
			}
			close(fd);
		} else if (errno != ELOOP || !(flags & O_CREAT)) {
			return -1;
		} else if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			   !S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		/* Drop the link itself, never its target, and start a new file. */
		if (unlinkat(dir, name, 0) != 0 && errno != ENOENT) {
			return -1;
		}
		flags |= O_EXCL;
	}
	errno = EEXIST;
	return -1;
}

int
gn_fsync_dir(const char *path, struct gn_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", path, strerror(errno));
	}
	if (fsync(fd) != 0 && errno != EINVAL) {
		int saved = errno;
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot sync %s: %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

int
gn_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		     struct gn_error *err)
{
	char tmp[4096], dir[4096];
	const char *p = data;
	size_t left = len;
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		return gn_error_set(err, GN_E_IO, "%s: path too long", path);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp, strerror(errno));
	}
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		goto fail;
	}
	gn_dirname(path, dir, sizeof(dir));
	return gn_fsync_dir(dir, err);
fail : {
	int saved = errno;
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	return gn_error_set(err, GN_E_IO, "cannot write %s: %s", path, strerror(saved));
}
}

bool
gn_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool
gn_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
gn_dirname(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		return gn_path_fmt(out, len, ".");
	}
	if (slash == path) {
		return gn_path_fmt(out, len, "/");
	}
	return gn_path_fmt(out, len, "%.*s", (int)(slash - path), path);
}

char *
gn_dirname_dup(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		return strdup(".");
	}
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

const char *
gn_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool
gn_path_join(char *out, size_t len, const char *a, const char *b)
{
	int n;

	if (b[0] == '/' || a[0] == '\0') {
		n = snprintf(out, len, "%s", b);
	} else if (a[strlen(a) - 1] == '/') {
		n = snprintf(out, len, "%s%s", a, b);
	} else {
		n = snprintf(out, len, "%s/%s", a, b);
	}
	return n >= 0 && (size_t)n < len;
}

int
gn_flock_wait(int fd, const char *path, const struct gn_events *events, struct gn_error *err)
{
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR && gn_cancelled(events)) {
			return gn_error_set(err, GN_E_INTERRUPTED,
					    "interrupted while waiting for the lock %s", path);
		}
		if (errno != EINTR) {
			return gn_error_set(err, GN_E_IO, "cannot lock %s: %s", path,
					    strerror(errno));
		}
	}
	return 0;
}

bool
gn_path_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

void
gn_text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* cut to fit on purpose: see gn/fs.h */
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int
gn_copy_file(const char *from, const char *to, mode_t mode, struct gn_error *err)
{
	char tmp[4096];
	struct stat st;
	int in, out, n;
	off_t left;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", to);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		return gn_error_set(err, GN_E_IO, "%s: path too long", to);
	}
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) != 0) {
		int saved = errno;
		if (in >= 0) {
			close(in);
		}
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", from, strerror(saved));
	}
	out = mkstemp(tmp);
	if (out < 0) {
		int saved = errno;
		close(in);
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tmp, strerror(saved));
	}
	for (left = st.st_size; left > 0;) {
		ssize_t copied = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (copied <= 0) {
			/* Fall back to plain reads where copy_file_range can't help. */
			char buf[65536];
			ssize_t r = read(in, buf, sizeof(buf));
			if (r <= 0 || write(out, buf, (size_t)r) != r) {
				goto fail;
			}
			copied = r;
		}
		left -= copied;
	}
	if (fchmod(out, mode) != 0 || fsync(out) != 0) {
		goto fail;
	}
	close(in);
	if (close(out) != 0) {
		out = -1;
		in = -1;
		goto fail;
	}
	if (rename(tmp, to) != 0) {
		in = out = -1;
		goto fail;
	}
	return 0;
fail : {
	int saved = errno;
	if (in >= 0) {
		close(in);
	}
	if (out >= 0) {
		close(out);
	}
	unlink(tmp);
	return gn_error_set(err, GN_E_IO, "cannot copy %s to %s: %s", from, to, strerror(saved));
}
}
