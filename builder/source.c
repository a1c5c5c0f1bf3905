#include "builder/source.h"

#include "builder/unpack.h"
#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
source_find_bootstrap(const char *bootstrap, const char *manifest_dir, const char *env,
		      char *out, size_t len, struct gn_error *err)
{
	char go[4096 + 8];

	if (bootstrap && bootstrap[0]) {
		if (!gn_path_join(out, len, strcmp(manifest_dir, ".") == 0 ? "" : manifest_dir,
				  bootstrap)) {
			return gn_error_set(err, GN_E_USAGE, "bootstrap path too long");
		}
	} else if (env && env[0]) {
		snprintf(out, len, "%s", env);
	} else {
		return gn_error_set(err, GN_E_USAGE,
				    "base: source needs a bootstrap Go toolchain: set bootstrap: in "
				    "the manifest or GOROOT_BOOTSTRAP");
	}
	snprintf(go, sizeof(go), "%s/bin/go", out);
	if (access(go, X_OK) != 0) {
		return gn_error_set(err, GN_E_USAGE, "bootstrap %s has no bin/go", out);
	}
	return 0;
}

/* The last non-empty line of the log, for the error message. */
static void
last_line(const char *log, char *out, size_t len)
{
	char *data = NULL, *end;
	size_t n = 0;

	out[0] = '\0';
	if (gn_read_file(log, 64 * 1024 * 1024, &data, &n, NULL) < 0) {
		return;
	}
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) {
		data[--n] = '\0';
	}
	end = strrchr(data, '\n');
	snprintf(out, len, "%s", end ? end + 1 : data);
	free(data);
}

static int
run_make(const struct source_build *b, const char *log, struct gn_error *err)
{
	char src[4096 + 8], env_bootstrap[4200], env_cache[4200], env_path[8192], env_home[4200];
	const char *path = b->path, *home = b->home;
	char *const argv[] = {"bash", "make.bash", NULL};
	char *envp[] = {env_path,
			env_home,
			env_bootstrap,
			env_cache,
			"GOROOT_FINAL=" SOURCE_GOROOT_FINAL,
			"GOTOOLCHAIN=local",
			"LC_ALL=C",
			NULL};
	int status, fd;
	pid_t pid;

	snprintf(src, sizeof(src), "%s/src", b->dest);
	snprintf(env_path, sizeof(env_path), "PATH=%s", path ? path : "/usr/bin:/bin");
	snprintf(env_home, sizeof(env_home), "HOME=%s", home ? home : b->work);
	snprintf(env_bootstrap, sizeof(env_bootstrap), "GOROOT_BOOTSTRAP=%s", b->bootstrap);
	snprintf(env_cache, sizeof(env_cache), "GOCACHE=%s/gocache", b->work);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", log, strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot start make.bash: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    chdir(src) != 0) {
			_exit(127);
		}
		execve("/bin/bash", argv, envp);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return gn_error_set(err, GN_E_IO, "waiting for make.bash: %s",
					    strerror(errno));
		}
		if (gn_cancelled(b->events)) {
			/* Stop the build too, and wait for it: it writes into the stage. */
			kill(pid, SIGTERM);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
			}
			return gn_error_set(err, GN_E_INTERRUPTED,
					    "interrupted while make.bash was running");
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[512];
		int rc;

		last_line(log, line, sizeof(line));
		rc = gn_error_set(err, GN_E_INSTALL, "make.bash failed (%s %d); see %s: %s",
				  WIFEXITED(status) ? "exit" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log,
				  line);
		gn_error_file(err, b->file);
		return rc;
	}
	return 0;
}

int
source_build(const struct source_build *b, struct gn_error *err)
{
	struct unpack_opts uo = {
		.archive = b->archive,
		.name = b->file,
		.dest = b->dest,
		.expect_sha256 = b->sha256,
		.max_bytes = b->size * 12 + 64 * 1024 * 1024,
		.events = b->events,
	};
	char log[4096 + 16], cache[4096 + 16], make[4096 + 32];
	int rc;

	if ((rc = unpack_archive(&uo, err)) < 0) {
		return rc;
	}
	snprintf(make, sizeof(make), "%s/src/make.bash", b->dest);
	if (access(make, R_OK) != 0) {
		return gn_error_set(err, GN_E_INTEGRITY, "%s has no src/make.bash", b->file);
	}
	snprintf(log, sizeof(log), "%s/make.log", b->work);
	snprintf(cache, sizeof(cache), "%s/gocache", b->work);
	gn_emitf(b->events, GN_EV_INFO, "building the host toolchain from %s with make.bash "
		 "(bootstrap %s; log %s)", b->file, b->bootstrap, log);
	rc = run_make(b, log, err);
	/* The build cache is scratch; the GOROOT must not depend on it. */
	gn_rm_rf(cache, NULL);
	return rc;
}
