#include "builder/install.h"

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

#define STATE_MAGIC "gonative-state 1\n"
#define STATE_MAX_BYTES (256 * 1024 * 1024)

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
	while (flock(fd, LOCK_EX) != 0) {
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

/* The stat record: one line per entry, "<type> <mode> <size> <mtime> <path>". */
static struct gn_buf *state_out;
static size_t state_root_len;
static bool state_unusable;

static void
state_line(struct gn_buf *buf, char type, const struct stat *st, const char *rel)
{
	gn_buf_printf(buf, "%c %o %lld %lld.%09ld %s\n", type, (unsigned)(st->st_mode & 07777),
		      (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		      (long)st->st_mtim.tv_nsec, rel);
}

static int
state_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + state_root_len;
	char kind;

	(void)ftw;
	rel = *rel == '/' ? rel + 1 : rel;
	if (*rel == '\0') {
		rel = ".";
	}
	if (strchr(rel, '\n')) {
		state_unusable = true;
		return 0;
	}
	if (type == FTW_D || type == FTW_DP) {
		kind = 'd';
	} else if (type == FTW_SL || type == FTW_SLN) {
		kind = 'l';
	} else if (type == FTW_F) {
		kind = 'f';
	} else {
		state_unusable = true;
		return 0;
	}
	/* Folders record mtime, which changes when entries are added or removed. */
	state_line(state_out, kind, st, rel);
	return 0;
}

static int
state_write(struct install *inst, const char *tree_id, struct gn_error *err)
{
	struct gn_buf buf;
	int rc = 0;

	gn_buf_init(&buf);
	gn_buf_puts(&buf, STATE_MAGIC);
	gn_buf_printf(&buf, "tree %s\n", tree_id);
	state_out = &buf;
	state_root_len = strlen(inst->root);
	state_unusable = false;
	if (nftw(inst->root, state_visit, 64, FTW_PHYS) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot walk %s: %s", inst->root, strerror(errno));
	} else if (buf.failed) {
		rc = gn_error_set(err, GN_E_NOMEM, "out of memory writing %s", inst->state);
	} else if (!state_unusable) {
		rc = gn_write_file_atomic(inst->state, buf.data, buf.len, 0644, err);
	}
	state_out = NULL;
	gn_buf_free(&buf);
	return rc;
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
		/* stage now holds the previous tree. */
		if ((rc = gn_fsync_dir(inst->parent, err)) < 0) {
			return rc;
		}
		gn_rm_rf(stage, NULL);
	} else {
		if (rename(stage, inst->root) != 0) {
			return gn_error_set(err, GN_E_INSTALL, "cannot move %s to %s: %s", stage,
					    inst->root, strerror(errno));
		}
		if ((rc = gn_fsync_dir(inst->parent, err)) < 0) {
			return rc;
		}
	}
	return state_write(inst, tree_id, err);
}

static void
report_changed(struct install_report *report, const char *rel)
{
	if (report->n_changed < INSTALL_REPORT_PATHS) {
		snprintf(report->changed[report->n_changed], sizeof(report->changed[0]), "%s", rel);
	}
	report->n_changed++;
}

int
install_check(const struct install *inst, const char *expected_tree, struct install_report *report,
	      struct gn_error *err)
{
	char *data = NULL, *line, *next;
	size_t len;
	struct stat st;

	memset(report, 0, sizeof(*report));
	if (lstat(inst->root, &st) != 0) {
		report->status = INSTALL_MISSING;
		return 0;
	}
	report->status = INSTALL_UNKNOWN;
	if (gn_read_file(inst->state, STATE_MAX_BYTES, &data, &len, NULL) < 0) {
		return 0;
	}
	if (strncmp(data, STATE_MAGIC, strlen(STATE_MAGIC)) != 0 ||
	    strncmp(data + strlen(STATE_MAGIC), "tree ", 5) != 0) {
		free(data);
		return 0;
	}
	line = data + strlen(STATE_MAGIC) + 5;
	next = strchr(line, '\n');
	if (!next) {
		free(data);
		return 0;
	}
	*next = '\0';
	snprintf(report->recorded_tree, sizeof(report->recorded_tree), "%s", line);
	for (line = next + 1; *line; line = next) {
		char type, path[INSTALL_PATH_MAX + 512];
		unsigned mode;
		long long size, sec;
		long nsec;
		int consumed = 0;
		bool same;

		next = strchr(line, '\n');
		if (!next) {
			break;
		}
		*next++ = '\0';
		if (sscanf(line, "%c %o %lld %lld.%ld %n", &type, &mode, &size, &sec, &nsec,
			   &consumed) != 5 ||
		    consumed == 0) {
			report->status = INSTALL_UNKNOWN;
			free(data);
			return 0;
		}
		snprintf(path, sizeof(path), "%s/%s", inst->root, line + consumed);
		if (strcmp(line + consumed, ".") == 0) {
			snprintf(path, sizeof(path), "%s", inst->root);
		}
		same = lstat(path, &st) == 0 && (st.st_mode & 07777) == mode &&
		       st.st_mtim.tv_sec == sec && st.st_mtim.tv_nsec == nsec &&
		       ((type == 'd' && S_ISDIR(st.st_mode)) ||
			(type == 'f' && S_ISREG(st.st_mode) && st.st_size == size) ||
			(type == 'l' && S_ISLNK(st.st_mode) && st.st_size == size));
		if (!same) {
			report_changed(report, line + consumed);
		}
	}
	free(data);
	if (report->n_changed > 0) {
		report->status = INSTALL_CHANGED;
	} else if (expected_tree && strcmp(report->recorded_tree, expected_tree) != 0) {
		report->status = INSTALL_OTHER_TREE;
	} else {
		report->status = INSTALL_MATCH;
	}
	(void)err;
	return 0;
}
