#include "builder/install.h"

#include "builder/statrec.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int
install_init(struct install *inst, const char *path, struct gn_error *err)
{
	char cwd[INSTALL_PATH_MAX];
	int n;

	memset(inst, 0, sizeof(*inst));
	inst->lock_fd = -1;
	if (path[0] == '/') {
		n = snprintf(inst->root, sizeof(inst->root), "%s", path);
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			return gn_error_set(err, GN_E_IO, "cannot get the current folder: %s",
					    strerror(errno));
		}
		n = snprintf(inst->root, sizeof(inst->root), "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= sizeof(inst->root) - 32) {
		return gn_error_set(err, GN_E_IO, "install path too long: %s", path);
	}
	/* Trailing slashes would put .state inside the tree. */
	while (n > 1 && inst->root[n - 1] == '/') {
		inst->root[--n] = '\0';
	}
	snprintf(inst->state, sizeof(inst->state), "%s.state", inst->root);
	snprintf(inst->flock, sizeof(inst->flock), "%s.flock", inst->root);
	gn_dirname(inst->root, inst->parent, sizeof(inst->parent));
	return gn_mkdir_p(inst->parent, 0755, err);
}

int
install_lock(struct install *inst, struct gn_error *err)
{
	int fd;

	if (inst->lock_fd >= 0) {
		return 0;
	}
	fd = open(inst->flock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", inst->flock,
				    strerror(errno));
	}
	/* Blocks while another gonative holds it; a signal (no SA_RESTART)
	 * cuts the wait short with EINTR and the caller may ask to stop. */
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR && gn_cancelled(inst->events)) {
			close(fd);
			return gn_error_set(err, GN_E_INTERRUPTED,
					    "interrupted while waiting for the lock %s", inst->flock);
		}
		if (errno != EINTR) {
			int saved = errno;
			close(fd);
			return gn_error_set(err, GN_E_IO, "cannot lock %s: %s", inst->flock,
					    strerror(saved));
		}
	}
	inst->lock_fd = fd;
	return 0;
}

void
install_unlock(struct install *inst)
{
	if (inst->lock_fd >= 0) {
		close(inst->lock_fd);
		inst->lock_fd = -1;
	}
}

void
install_cleanup_stale(struct install *inst)
{
	const char *base = gn_basename(inst->root);
	size_t base_len = strlen(base);
	DIR *dir = opendir(inst->parent);
	struct dirent *ent;

	if (!dir) {
		return;
	}
	while ((ent = readdir(dir))) {
		char path[INSTALL_PATH_MAX + 256];
		if (strncmp(ent->d_name, base, base_len) != 0 ||
		    strncmp(ent->d_name + base_len, ".stage-", 7) != 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", inst->parent, ent->d_name);
		gn_rm_rf(path, NULL);
	}
	closedir(dir);
}

int
install_stage(struct install *inst, char *out, struct gn_error *err)
{
	snprintf(out, INSTALL_PATH_MAX, "%s.stage-XXXXXX", inst->root);
	if (!mkdtemp(out)) {
		return gn_error_set(err, GN_E_INSTALL, "cannot create a staging folder %s: %s", out,
				    strerror(errno));
	}
	chmod(out, 0755);
	return 0;
}

int
install_commit(struct install *inst, const char *stage, const char *tree_id, struct gn_error *err)
{
	int fd, rc;

	/* Data must reach the disk before the rename that publishes it. */
	fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		int saved = errno;
		if (fd >= 0) {
			close(fd);
		}
		return gn_error_set(err, GN_E_INSTALL, "cannot flush %s: %s", stage,
				    strerror(saved));
	}
	close(fd);
	if (unlink(inst->state) != 0 && errno != ENOENT) {
		return gn_error_set(err, GN_E_INSTALL, "cannot remove %s: %s", inst->state,
				    strerror(errno));
	}
	if (gn_path_exists(inst->root)) {
		if (renameat2(AT_FDCWD, stage, AT_FDCWD, inst->root, RENAME_EXCHANGE) != 0) {
			return gn_error_set(err, GN_E_INSTALL, "cannot swap %s into %s: %s", stage,
					    inst->root, strerror(errno));
		}
		/* stage now holds the previous tree.  If the swap can't be made
		 * durable, put the previous tree back: a failed sync changes nothing. */
		if ((rc = gn_fsync_dir(inst->parent, err)) < 0) {
			renameat2(AT_FDCWD, stage, AT_FDCWD, inst->root, RENAME_EXCHANGE);
			return rc;
		}
		gn_rm_rf(stage, NULL);
	} else {
		if (rename(stage, inst->root) != 0) {
			return gn_error_set(err, GN_E_INSTALL, "cannot move %s to %s: %s", stage,
					    inst->root, strerror(errno));
		}
		if ((rc = gn_fsync_dir(inst->parent, err)) < 0) {
			rename(inst->root, stage);
			return rc;
		}
	}
	/* The tree is in place and verified: a missing stat record only means
	 * the next sync checks the slow way, so it is no failure. */
	statrec_write(inst->root, inst->state, tree_id, NULL);
	return 0;
}

void
install_check(const struct install *inst, const char *expected_tree, struct statrec_report *report)
{
	statrec_check(inst->root, inst->state, expected_tree, report);
}
