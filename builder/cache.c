#include "builder/cache.h"

#include "gn/fs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int
default_root(char *out, size_t len, struct gn_error *err)
{
	if (cache_default_dir(getenv("GONATIVE_CACHE"), getenv("XDG_CACHE_HOME"), getenv("HOME"),
			      out, len)) {
		return 0;
	}
	return gn_error_set(err, GN_E_IO,
			    "no cache folder: set GONATIVE_CACHE, XDG_CACHE_HOME or HOME, or "
			    "pass --cache-dir");
}

int
cache_open(struct cache *cache, const char *dir, struct gn_error *err)
{
	char sub[CACHE_PATH_MAX + 16];
	int rc;

	cache->lock_fd = -1;
	cache->lock_depth = 0;
	if (dir && dir[0]) {
		snprintf(cache->root, sizeof(cache->root), "%s", dir);
	} else if ((rc = default_root(cache->root, sizeof(cache->root), err)) < 0) {
		return rc;
	}
	snprintf(sub, sizeof(sub), "%s/archives", cache->root);
	if ((rc = gn_mkdir_p(sub, 0755, err)) < 0) {
		return rc;
	}
	/* Absolute, so paths handed to child processes (make.bash) hold. */
	{
		char *abs = realpath(cache->root, NULL);

		if (!abs) {
			return gn_error_set(err, GN_E_IO, "cannot resolve %s: %s", cache->root,
					    strerror(errno));
		}
		snprintf(cache->root, sizeof(cache->root), "%s", abs);
		free(abs);
	}
	snprintf(sub, sizeof(sub), "%s/tmp", cache->root);
	if ((rc = gn_mkdir_p(sub, 0755, err)) < 0) {
		return rc;
	}
	snprintf(sub, sizeof(sub), "%s/index", cache->root);
	return gn_mkdir_p(sub, 0755, err);
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
}

int
cache_lock(struct cache *cache, struct gn_error *err)
{
	char path[CACHE_PATH_MAX + 8];
	int fd;

	if (cache->lock_depth > 0) {
		/* flock on a second fd of the same file would wait for ourselves. */
		cache->lock_depth++;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/lock", cache->root);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", path, strerror(errno));
	}
	/* Blocks while another gonative holds it; a signal (no SA_RESTART)
	 * cuts the wait short with EINTR and the caller may ask to stop. */
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR && gn_cancelled(cache->events)) {
			close(fd);
			return gn_error_set(err, GN_E_INTERRUPTED,
					    "interrupted while waiting for the lock %s", path);
		}
		if (errno != EINTR) {
			int saved = errno;
			close(fd);
			return gn_error_set(err, GN_E_IO, "cannot lock %s: %s", path,
					    strerror(saved));
		}
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
	assert(cache_locked(cache) && "the caller must hold the cache lock (builder/cache.h)");
	/* Also with NDEBUG: writing the cache unlocked races other processes. */
	if (!cache_locked(cache)) {
		abort();
	}
}

void
cache_archive_path(const struct cache *cache, const char *sha256_hex, char *out)
{
	snprintf(out, CACHE_PATH_MAX, "%s/archives/%s", cache->root, sha256_hex);
}

void
cache_index_path(const struct cache *cache, const char *url, char *out)
{
	uint8_t digest[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX];

	gn_sha256(url, strlen(url), digest);
	gn_hex_encode(digest, sizeof(digest), hex);
	snprintf(out, CACHE_PATH_MAX, "%s/index/%s", cache->root, hex);
}

void
cache_tmp_path(const struct cache *cache, const char *name, char *out)
{
	snprintf(out, CACHE_PATH_MAX, "%s/tmp/%s", cache->root, name);
}

bool
cache_has_archive(const struct cache *cache, const char *sha256_hex, long long size)
{
	char path[CACHE_PATH_MAX];
	struct stat st;

	cache_archive_path(cache, sha256_hex, path);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size < 0 || st.st_size == size);
}

void
cache_evict_archive(const struct cache *cache, const char *sha256_hex)
{
	char path[CACHE_PATH_MAX];

	cache_assert_locked(cache);
	cache_archive_path(cache, sha256_hex, path);
	unlink(path);
}
