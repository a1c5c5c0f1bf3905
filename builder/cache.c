#include "builder/cache.h"

#include "gn/fs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const dir_names[CACHE_N_DIRS] = {
	[CACHE_ROOT] = ".",  [CACHE_ARCHIVES] = "archives", [CACHE_INDEX] = "index",
	[CACHE_TMP] = "tmp", [CACHE_TREES] = "trees",
};

bool
cache_default_dir(const char *gonative_cache, const char *xdg_cache_home, const char *home,
		  char *out, size_t len)
{
	if (gonative_cache && gonative_cache[0]) {
		snprintf(out, len, "%s", gonative_cache);
	} else if (xdg_cache_home && xdg_cache_home[0] == '/') {
		snprintf(out, len, "%s/gonative", xdg_cache_home);
	} else if (home && home[0]) {
		snprintf(out, len, "%s/.cache/gonative", home);
	} else {
		return false;
	}
	return true;
}

/* ssh's rule for key files: another user's folder that others may write is
 * no place for files we later trust (anyone could plant one, or a link). */
static int
check_folder(int fd, const char *path, struct gn_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		return gn_error_set(err, GN_E_IO, "cannot stat %s: %s", path, strerror(errno));
	}
	if (st.st_uid != geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		return gn_error_set(
			err, GN_E_IO,
			"bad permissions on the cache folder %s: it belongs to uid %u, "
			"not to you (uid %u), and %s may write to it, so another user "
			"could plant files or links in your cache; use a folder of your "
			"own (--cache-dir, GONATIVE_CACHE) or make it not writable by "
			"others (chmod go-w)",
			path, (unsigned)st.st_uid, (unsigned)geteuid(),
			(st.st_mode & S_IWOTH) ? "every user" : "its group");
	}
	return 0;
}

/* root/name as a folder of ours: created 0700 when missing; a link in its
 * place is removed (never followed) and replaced. */
static int
open_subdir(int root_fd, const char *root, const char *name, struct gn_error *err)
{
	char shown[GN_PATH_MAX + 16];
	struct stat st;

	snprintf(shown, sizeof(shown), "%s/%s", root, name);
	for (int tries = 0; tries < 3; tries++) {
		int fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			int rc = check_folder(fd, shown, err);

			if (rc < 0) {
				close(fd);
				return rc;
			}
			return fd;
		}
		if (errno == ENOENT) {
			if (mkdirat(root_fd, name, 0700) != 0 && errno != EEXIST) {
				return gn_error_set(err, GN_E_IO, "cannot create %s: %s", shown,
						    strerror(errno));
			}
			continue;
		}
		if (fstatat(root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			if (unlinkat(root_fd, name, 0) != 0 && errno != ENOENT) {
				return gn_error_set(
					err, GN_E_IO,
					"%s is a symbolic link and cannot be removed: %s", shown,
					strerror(errno));
			}
			continue;
		}
		return gn_error_set(err, GN_E_IO, "%s exists and is not a folder", shown);
	}
	return gn_error_set(err, GN_E_IO, "%s keeps changing under us", shown);
}

static void
close_dirs(struct cache *cache)
{
	for (int i = 0; i < CACHE_N_DIRS; i++) {
		if (cache->dir_fd[i] >= 0) {
			close(cache->dir_fd[i]);
		}
		cache->dir_fd[i] = -1;
	}
}

int
cache_open(struct cache *cache, const char *dir, struct gn_error *err)
{
	char given[GN_PATH_MAX], *abs;
	int rc;

	cache->lock_fd = -1;
	cache->lock_depth = 0;
	/* the caller may set it after cache_open(); never garbage before */
	cache->events = NULL;
	cache->root[0] = '\0';
	for (int i = 0; i < CACHE_N_DIRS; i++) {
		cache->dir_fd[i] = -1;
	}
	/* The default folder is the caller's to find (cache_default_dir()):
	 * the core reads no environment. */
	if (!dir || !dir[0]) {
		return gn_error_set(err, GN_E_IO,
				    "no cache folder: set GONATIVE_CACHE, XDG_CACHE_HOME or HOME, "
				    "or pass --cache-dir");
	}
	/* Room for <root>/tmp/<name> and the other paths below the root, so
	 * cache_*_path() never have to cut. */
	if (strlen(dir) > GN_PATH_MAX - CACHE_NAME_ROOM ||
	    !gn_path_fmt(given, sizeof(given), "%s", dir)) {
		return gn_error_set(err, GN_E_IO, "cache folder path too long: %s", dir);
	}
	if ((rc = gn_mkdir_p(given, 0700, err)) < 0) {
		return rc;
	}
	/* The root is the user's choice and may be reached through their own
	 * links: resolve it once.  Absolute, too, so paths handed to child
	 * processes (make.bash) hold. */
	abs = realpath(given, NULL);
	if (!abs) {
		return gn_error_set(err, GN_E_IO, "cannot resolve %s: %s", given, strerror(errno));
	}
	if (strlen(abs) > GN_PATH_MAX - CACHE_NAME_ROOM) {
		rc = gn_error_set(err, GN_E_IO, "cache folder path too long: %s", abs);
		free(abs);
		return rc;
	}
	gn_path_fmt(given, sizeof(given), "%s", abs);
	free(abs);
	cache->dir_fd[CACHE_ROOT] = open(given, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cache->dir_fd[CACHE_ROOT] < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", given, strerror(errno));
	}
	rc = check_folder(cache->dir_fd[CACHE_ROOT], given, err);
	for (int i = CACHE_ROOT + 1; rc == 0 && i < CACHE_N_DIRS; i++) {
		rc = open_subdir(cache->dir_fd[CACHE_ROOT], given, dir_names[i], err);
		cache->dir_fd[i] = rc;
		rc = rc < 0 ? rc : 0;
	}
	if (rc < 0) {
		close_dirs(cache);
		return rc;
	}
	gn_path_fmt(cache->root, sizeof(cache->root), "%s", given);
	return 0;
}

static void
release(struct cache *cache)
{
	if (cache->lock_fd >= 0) {
		close(cache->lock_fd);
	}
	cache->lock_fd = -1;
	cache->lock_depth = 0;
}

void
cache_close(struct cache *cache)
{
	release(cache);
	if (cache->root[0]) {
		close_dirs(cache);
		cache->root[0] = '\0';
	}
}

int
cache_lock(struct cache *cache, struct gn_error *err)
{
	char path[GN_PATH_MAX + 8];
	int fd, rc;

	if (cache->lock_depth > 0) {
		/* flock on a second fd of the same file would wait for ourselves. */
		cache->lock_depth++;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/lock", cache->root);
	fd = gn_openat_replace(cache->dir_fd[CACHE_ROOT], "lock", O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", path, strerror(errno));
	}
	/* Blocks while another gonative holds it; a signal may end the wait. */
	if ((rc = gn_flock_wait(fd, path, cache->events, err)) < 0) {
		close(fd);
		return rc;
	}
	cache->lock_fd = fd;
	cache->lock_depth = 1;
	return 0;
}

void
cache_unlock(struct cache *cache)
{
	if (cache->lock_depth > 1) {
		cache->lock_depth--;
		return;
	}
	release(cache);
}

bool
cache_locked(const struct cache *cache)
{
	return cache->lock_depth > 0 && cache->lock_fd >= 0;
}

void
cache_assert_locked(const struct cache *cache)
{
	/* A caller without the lock is a bug in gonative, not bad input. */
	assert(cache_locked(cache) && "the caller must hold the cache lock (builder/cache.h)");
}

/* cache_open() left CACHE_NAME_ROOM below the root and names are one
 * component (cache.h), so this always fits; if it ever did not, out is
 * empty: every open of it fails with an error, none writes a cut path. */
static void
below_root(char *out, const struct cache *cache, const char *dir, const char *name)
{
	if (strlen(name) > NAME_MAX ||
	    !gn_path_fmt(out, GN_PATH_MAX, "%s/%s/%s", cache->root, dir, name)) {
		out[0] = '\0';
	}
}

void
cache_archive_path(const struct cache *cache, const char *sha256_hex, char *out)
{
	below_root(out, cache, "archives", sha256_hex);
}

void
cache_index_path(const struct cache *cache, const char *url, char *out)
{
	uint8_t digest[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX];

	gn_sha256(url, strlen(url), digest);
	gn_hex_encode(digest, sizeof(digest), hex);
	below_root(out, cache, "index", hex);
}

void
cache_tmp_path(const struct cache *cache, const char *name, char *out)
{
	below_root(out, cache, "tmp", name);
}

int
cache_dir_fd(const struct cache *cache, enum cache_dir dir)
{
	return cache->dir_fd[dir];
}

bool
cache_locate(const struct cache *cache, const char *path, int *dir_fd, const char **name)
{
	size_t root_len = strlen(cache->root);
	const char *rel = path, *slash;

	if (!cache->root[0]) {
		return false;
	}
	if (strncmp(path, cache->root, root_len) == 0 && path[root_len] == '/') {
		rel = path + root_len + 1;
	} else if (path[0] == '/') {
		return false;
	}
	slash = strchr(rel, '/');
	if (!slash) {
		if (!rel[0] || strcmp(rel, ".") == 0 || strcmp(rel, "..") == 0) {
			return false;
		}
		*dir_fd = cache->dir_fd[CACHE_ROOT];
		*name = rel;
		return true;
	}
	if (strchr(slash + 1, '/') || !slash[1] || strcmp(slash + 1, "..") == 0 ||
	    strcmp(slash + 1, ".") == 0) {
		return false;
	}
	for (int i = CACHE_ROOT + 1; i < CACHE_N_DIRS; i++) {
		size_t n = strlen(dir_names[i]);

		if ((size_t)(slash - rel) == n && strncmp(rel, dir_names[i], n) == 0) {
			*dir_fd = cache->dir_fd[i];
			*name = slash + 1;
			return true;
		}
	}
	return false;
}

int
cache_open_file(const struct cache *cache, const char *path, int flags, mode_t mode)
{
	const char *name;
	int dir;

	if (!cache_locate(cache, path, &dir, &name)) {
		errno = EXDEV;
		return -1;
	}
	return gn_openat_replace(dir, name, flags, mode);
}

int
cache_rename(const struct cache *cache, const char *from, const char *to)
{
	const char *from_name, *to_name;
	int from_dir, to_dir;

	if (!cache_locate(cache, from, &from_dir, &from_name) ||
	    !cache_locate(cache, to, &to_dir, &to_name)) {
		errno = EXDEV;
		return -1;
	}
	/* renameat moves or replaces a link itself, never what it points to. */
	return renameat(from_dir, from_name, to_dir, to_name);
}

int
cache_unlink(const struct cache *cache, const char *path)
{
	const char *name;
	int dir;

	if (!cache_locate(cache, path, &dir, &name)) {
		errno = EXDEV;
		return -1;
	}
	return unlinkat(dir, name, 0);
}

bool
cache_is_file(const struct cache *cache, const char *path, bool evict)
{
	const char *name;
	struct stat st;
	int dir;

	if (!cache_locate(cache, path, &dir, &name) ||
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		return false;
	}
	if (S_ISREG(st.st_mode)) {
		return true;
	}
	if (evict) {
		unlinkat(dir, name, 0);
	}
	return false;
}

int
cache_read_file(const struct cache *cache, const char *path, size_t max_len, char **data,
		size_t *len, struct gn_error *err)
{
	const char *name;
	int dir;

	if (!cache_locate(cache, path, &dir, &name)) {
		*data = NULL;
		*len = 0;
		return gn_error_set(err, GN_E_IO, "%s is not a file in the cache", path);
	}
	return gn_read_file_at(dir, name, path, max_len, data, len, err);
}

bool
cache_has_archive(const struct cache *cache, const char *sha256_hex, long long size)
{
	struct stat st;

	return fstatat(cache->dir_fd[CACHE_ARCHIVES], sha256_hex, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && (size < 0 || st.st_size == size);
}

void
cache_evict_archive(const struct cache *cache, const char *sha256_hex)
{
	cache_assert_locked(cache);
	unlinkat(cache->dir_fd[CACHE_ARCHIVES], sha256_hex, 0);
}
