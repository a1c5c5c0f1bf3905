/*
 * tests/builder/test_cache.c - the counted cache lock, and the store
 * functions that refuse to run without it.
 */
#include "builder/cache.h"
#include "builder/store.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <sys/file.h>

static char tmp[4096];

/* Can another process take <root>/lock right now?  1 yes, 0 no, -1 error. */
static int
other_process_can_lock(const char *root)
{
	char path[GN_PATH_MAX + 8];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/lock", root);
	pid = fork();
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			_exit(2);
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			_exit(0);
		}
		_exit(errno == EWOULDBLOCK ? 1 : 2);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 2) {
		return -1;
	}
	return WEXITSTATUS(status) == 0;
}

static void
test_counted(void)
{
	struct cache cache;
	struct gn_error err;
	char dir[4200], root[GN_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/counted", tmp);
	gn_error_clear(&err);
	if (cache_open(&cache, dir, &err) < 0) {
		tap_ok(0, "cache_open: %s", err.message);
		return;
	}
	/* cache_close() forgets the root: keep it for the last check */
	snprintf(root, sizeof(root), "%s", cache.root);
	TAP_EQ_INT(other_process_can_lock(root), 1, "unlocked: another process can lock");
	TAP_OK(!cache_locked(&cache), "cache_locked: no");
	TAP_EQ_INT(cache_lock(&cache, &err), 0, "first cache_lock");
	TAP_EQ_INT(other_process_can_lock(root), 0, "held: another process cannot lock");
	TAP_EQ_INT(cache_lock(&cache, &err), 0, "nested cache_lock (does not wait for itself)");
	cache_unlock(&cache);
	TAP_OK(cache_locked(&cache), "inner unlock: still held here");
	TAP_EQ_INT(other_process_can_lock(root), 0,
		   "inner unlock: still held against other processes");
	cache_unlock(&cache);
	TAP_OK(!cache_locked(&cache), "outer unlock: released");
	TAP_EQ_INT(other_process_can_lock(root), 1, "outer unlock: another process can lock");
	cache_unlock(&cache);
	TAP_OK(!cache_locked(&cache), "an extra unlock is harmless");
	TAP_EQ_INT(cache_lock(&cache, &err), 0, "lock again");
	TAP_EQ_INT(cache_lock(&cache, &err), 0, "and nested");
	cache_close(&cache);
	TAP_EQ_INT(other_process_can_lock(root), 1, "cache_close releases at any depth");
}

/* Runs store_put in a child without the lock: it must abort. */
static void
test_store_needs_lock(void)
{
	struct cache cache;
	struct gn_error err;
	char dir[4200], src[4200], file[4300], found[GN_PATH_MAX];
	const char *id =
		"git-sha256:0000000000000000000000000000000000000000000000000000000000000000";
	int status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/store", tmp);
	snprintf(src, sizeof(src), "%s/tree", tmp);
	snprintf(file, sizeof(file), "%s/VERSION", src);
	gn_error_clear(&err);
	if (cache_open(&cache, dir, &err) < 0 || gn_mkdir_p(src, 0755, &err) < 0 ||
	    gn_write_file_atomic(file, "go1.21.5", 8, 0644, &err) < 0) {
		tap_ok(0, "setup: %s", err.message);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2); /* the assertion's message */
		_exit(store_put(&cache, id, src, STORE_REFLINK, &err) == 0 ? 0 : 3);
	}
	TAP_OK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		       WTERMSIG(status) == SIGABRT,
	       "store_put without the cache lock aborts (it would race other processes)");
	TAP_EQ_INT(cache_lock(&cache, &err), 0, "lock");
	TAP_EQ_INT(store_put(&cache, id, src, STORE_REFLINK, &err), 0, "store_put under the lock");
	TAP_OK(store_lookup(&cache, id, found), "store_lookup finds it");
	cache_unlock(&cache);
	cache_close(&cache);
}

int
main(void)
{
	char *const rm[] = { "rm", "-rf", tmp, NULL };

	util_tmpdir(tmp, sizeof(tmp), "cache");
	test_counted();
	test_store_needs_lock();
	util_run(rm);
	return tap_done();
}
