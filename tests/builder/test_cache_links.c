/*
 * tests/builder/test_cache_links.c - builder/cache.c and gn_openat_beneath:
 * nothing inside the cache is followed when it is a link (issue 10).  Each case plants a link at a
 * place the cache uses and checks that the link's target is untouched.
 */
#include "builder/cache.h"
#include "util.h"
#include "tap.h"

#include <errno.h>
#include <pwd.h>

static char tmp[4096];

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

static bool
holds(const char *path, const char *text)
{
	char *data = NULL;
	size_t len = 0;
	bool same;

	if (gn_read_file(path, 1 << 20, &data, &len, NULL) < 0) {
		return false;
	}
	same = len == strlen(text) && memcmp(data, text, len) == 0;
	free(data);
	return same;
}

static bool
is_link(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static void
test_beneath(void)
{
	char dir[4200], path[4300];
	int (*fns[2])(int, const char *, int, mode_t) = { gn_openat_beneath,
							  gn_openat_beneath_walk };
	const char *fn_names[2] = { "openat2 or walk", "walk" };
	int dfd, fd;

	snprintf(dir, sizeof(dir), "%s/beneath", tmp);
	gn_mkdir_p(dir, 0700, NULL);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sub/f", dir);
	put(path, "inside\n");
	snprintf(path, sizeof(path), "%s/outside", tmp);
	put(path, "outside\n");
	snprintf(path, sizeof(path), "%s/ln", dir);
	symlink("sub", path);
	snprintf(path, sizeof(path), "%s/fl", dir);
	symlink("../outside", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 2; i++) {
		fd = fns[i](dfd, "sub/f", O_RDONLY, 0);
		TAP_OK(fd >= 0, "%s: a plain path opens", fn_names[i]);
		if (fd >= 0) {
			close(fd);
		}
		errno = 0;
		fd = fns[i](dfd, "ln/f", O_RDONLY, 0);
		TAP_OK(fd < 0 && errno == ELOOP, "%s: a link in the middle is refused (ELOOP)",
		       fn_names[i]);
		errno = 0;
		fd = fns[i](dfd, "fl", O_RDWR | O_CREAT, 0600);
		TAP_OK(fd < 0 && errno == ELOOP, "%s: a link at the end is refused, O_CREAT too",
		       fn_names[i]);
		errno = 0;
		fd = fns[i](dfd, "../outside", O_RDONLY, 0);
		TAP_OK(fd < 0, "%s: .. is refused", fn_names[i]);
	}
	errno = 0;
	fd = gn_openat_beneath(dfd, "/etc/hostname", O_RDONLY, 0);
	TAP_OK(fd < 0 && errno == EXDEV, "an absolute path is refused (EXDEV)");
	fd = gn_openat_replace(dfd, "fl", O_RDWR | O_CREAT | O_TRUNC, 0600);
	TAP_OK(fd >= 0 && !is_link(path), "replace: the link is removed and a file created");
	if (fd >= 0) {
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/outside", tmp);
	TAP_OK(holds(path, "outside\n"), "replace: the link's target is unchanged");
	close(dfd);
}

static void
test_cache_links(void)
{
	char root[4200], outside[4200], path[4300], sub[4300];
	const char *subs[] = { "archives", "index", "tmp", "trees" };
	struct cache cache;
	struct gn_error err;
	struct stat st;
	char *data = NULL;
	size_t len;
	int fd, rc;

	snprintf(root, sizeof(root), "%s/cache", tmp);
	snprintf(outside, sizeof(outside), "%s/elsewhere", tmp);
	mkdir(outside, 0700);
	snprintf(path, sizeof(path), "%s/sentinel", outside);
	put(path, "sentinel\n");
	/* A new cache: every folder 0700. */
	gn_error_clear(&err);
	rc = cache_open(&cache, root, &err);
	TAP_OK(rc == 0, "cache_open on a new folder: %s", err.message);
	TAP_OK(stat(root, &st) == 0 && (st.st_mode & 07777) == 0700, "the root is 0700");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", root, subs[i]);
		TAP_OK(lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
		       "%s/ is a folder of mode 0700", subs[i]);
	}
	cache_close(&cache);

	/* Subfolders planted as links: replaced, never written through. */
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", root, subs[i]);
		gn_rm_rf(sub, NULL);
		symlink(outside, sub);
	}
	gn_error_clear(&err);
	rc = cache_open(&cache, root, &err);
	TAP_OK(rc == 0, "cache_open with links for subfolders: %s", err.message);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", root, subs[i]);
		TAP_OK(lstat(sub, &st) == 0 && S_ISDIR(st.st_mode), "%s/ link replaced by a folder",
		       subs[i]);
	}
	TAP_OK(holds(path, "sentinel\n"), "the subfolder links' target is unchanged");

	/* lock, a part, an archive, an index copy. */
	snprintf(sub, sizeof(sub), "%s/lock", root);
	symlink(path, sub);
	gn_error_clear(&err);
	TAP_OK(cache_lock(&cache, &err) == 0 && !is_link(sub), "lock: the link is replaced");
	cache_unlock(&cache);
	cache_tmp_path(&cache, "x.part", sub);
	symlink(path, sub);
	fd = cache_open_file(&cache, sub, O_RDWR | O_CREAT, 0600);
	TAP_OK(fd >= 0 && write(fd, "bytes", 5) == 5 && !is_link(sub),
	       "a part: the link is replaced and written");
	if (fd >= 0) {
		close(fd);
	}
	/* A hard link to a file outside: a second name, not ours to write. */
	cache_tmp_path(&cache, "y.part", sub);
	TAP_OK(link(path, sub) == 0, "setup: hard link");
	fd = cache_open_file(&cache, sub, O_RDWR | O_CREAT, 0600);
	TAP_OK(fd >= 0 && write(fd, "bytes", 5) == 5 && stat(sub, &st) == 0 && st.st_nlink == 1,
	       "a part that is a hard link: replaced by a file of its own");
	if (fd >= 0) {
		close(fd);
	}
	cache_archive_path(&cache, "aa", sub);
	symlink(path, sub);
	TAP_OK(!cache_has_archive(&cache, "aa", -1), "an archive link is no archive");
	/* eviction needs the lock (cache_assert_locked) */
	cache_lock(&cache, &err);
	cache_evict_archive(&cache, "aa");
	cache_unlock(&cache);
	TAP_OK(lstat(sub, &st) != 0, "evicting it removes the link");
	cache_index_path(&cache, "https://example.invalid/i.json", sub);
	symlink(path, sub);
	gn_error_clear(&err);
	rc = cache_read_file(&cache, sub, 1 << 20, &data, &len, &err);
	TAP_OK(rc < 0 && strstr(err.message, "symbolic link"),
	       "reading an index copy link is refused: %s", err.message);
	free(data);
	TAP_OK(!cache_is_file(&cache, sub, true) && lstat(sub, &st) != 0,
	       "cache_is_file(evict) drops the link");
	TAP_OK(holds(path, "sentinel\n"), "the file links' target is unchanged");

	/* Paths outside the cache are not cache paths. */
	{
		const char *name;
		int dir;

		TAP_OK(!cache_locate(&cache, path, &dir, &name), "a path outside is refused");
		snprintf(sub, sizeof(sub), "%s/tmp/a/b", root);
		TAP_OK(!cache_locate(&cache, sub, &dir, &name), "a deeper path is refused");
		snprintf(sub, sizeof(sub), "%s/tmp/..", root);
		TAP_OK(!cache_locate(&cache, sub, &dir, &name), "tmp/.. is refused");
		snprintf(sub, sizeof(sub), "%s/tmp/x", root);
		TAP_OK(cache_locate(&cache, sub, &dir, &name) && strcmp(name, "x") == 0 &&
			       dir == cache_dir_fd(&cache, CACHE_TMP),
		       "tmp/x is tmp's fd and x");
	}
	cache_close(&cache);
}

static void
test_foreign_root(void)
{
	char root[4200];
	struct passwd *nobody = getpwnam("nobody");
	struct cache cache;
	struct gn_error err;
	int rc;

	if (geteuid() != 0 || !nobody) {
		printf("ok %d - # SKIP needs root and a user nobody\n", ++tap_count);
		return;
	}
	snprintf(root, sizeof(root), "%s/shared", tmp);
	mkdir(root, 0777);
	if (chown(root, nobody->pw_uid, nobody->pw_gid) != 0 || chmod(root, 0777) != 0) {
		perror(root);
		exit(99);
	}
	gn_error_clear(&err);
	rc = cache_open(&cache, root, &err);
	TAP_OK(rc == -GN_E_IO && strstr(err.message, "bad permissions"),
	       "another user's 0777 root is refused: %s", err.message);
	TAP_OK(rmdir(root) == 0, "nothing was created in it");
	cache_close(&cache);
}

int
main(void)
{
	util_tmpdir(tmp, sizeof(tmp), "cache");
	umask(022);
	test_beneath();
	test_cache_links();
	test_foreign_root();
	gn_rm_rf(tmp, NULL);
	return tap_done();
}
