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

/* First line of <root>.flock; after it, one line per staging folder this
 * gonative made ("stage <name> <dev> <ino> <btime>"), so a leftover one is
 * removed only when it provably is one of them. */
#define FLOCK_MAGIC "gonative-flock 1\n"
#define STAGE_INFIX ".stage-"
#define STAGE_SUFFIX_LEN 6 /* mkdtemp's XXXXXX */

/* Whether strtok_r's rest holds another component. */
static bool
has_more(const char *rest)
{
	while (rest && *rest) {
		size_t n = strcspn(rest, "/");

		if (n > 0) {
			return true;
		}
		rest += strspn(rest, "/");
	}
	return false;
}

/*
 * path made absolute with every symlink and ".." resolved, as far as it
 * exists; the rest is appended as written (a folder that does not exist
 * holds no symlink, so ".." after it is plain text).  follow_last: also
 * resolve the last component when it is a symlink.
 */
static void
resolve(const char *path, char *out, size_t len, bool follow_last)
{
	char full[GN_PATH_MAX * 2], cwd[GN_PATH_MAX];
	char *save = NULL, *part;
	struct stat st;
	size_t n = 0;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		snprintf(full, sizeof(full), "%s", path);
	} else {
		snprintf(full, sizeof(full), "%s/%s", cwd, path);
	}
	out[0] = '\0';
	for (part = strtok_r(full, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0) {
			continue;
		}
		if (strcmp(part, "..") == 0) {
			/* out is already resolved: its lexical parent is its real one. */
			char *slash = strrchr(out, '/');
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = '\0';
			continue;
		}
		snprintf(out + n, len - n, "/%s", part);
		n = strlen(out);
		if (!follow_last && !has_more(save)) {
			break;
		}
		if (lstat(out, &st) == 0 && S_ISLNK(st.st_mode)) {
			char *real = realpath(out, NULL);
			if (real) {
				snprintf(out, len, "%s", strcmp(real, "/") == 0 ? "" : real);
				free(real);
				n = strlen(out);
			}
		}
	}
	if (!out[0]) {
		snprintf(out, len, "/");
	}
}

int
install_init(struct install *inst, const char *path, struct gn_error *err)
{
	size_t n;

	memset(inst, 0, sizeof(*inst));
	inst->lock_fd = -1;
	if (strlen(path) >= sizeof(inst->root) - 32) {
		return gn_error_set(err, GN_E_IO, "install path too long: %s", path);
	}
	/* The real folder it names (symlinks and ".." in the folders above it
	 * resolved, so "x/../go" makes no x), the last component as written:
	 * a symlink there is not followed, and is refused as not gonative's. */
	resolve(path, inst->root, sizeof(inst->root), false);
	n = strlen(inst->root);
	if (n >= sizeof(inst->root) - 32) {
		return gn_error_set(err, GN_E_IO, "install path too long: %s", path);
	}
	if (!gn_path_fmt(inst->state, sizeof(inst->state), "%s.state", inst->root) ||
	    !gn_path_fmt(inst->flock, sizeof(inst->flock), "%s.flock", inst->root)) {
		return gn_error_set(err, GN_E_IO, "install path too long: %s", path);
	}
	gn_dirname(inst->root, inst->parent, sizeof(inst->parent));
	return 0;
}

/* outer is inner or one of its parents: by resolved path, and by identity
 * (device and inode) where both exist, which also sees through bind mounts. */
static bool
contains(const char *outer, const char *inner)
{
	size_t n = strlen(outer);
	char walk[GN_PATH_MAX];
	struct stat o, st;

	if (strcmp(outer, "/") == 0 ||
	    (strncmp(outer, inner, n) == 0 && (inner[n] == '\0' || inner[n] == '/'))) {
		return true;
	}
	if (stat(outer, &o) != 0) {
		return false;
	}
	snprintf(walk, sizeof(walk), "%s", inner);
	for (;;) {
		char *slash;

		if (stat(walk, &st) == 0 && st.st_dev == o.st_dev && st.st_ino == o.st_ino) {
			return true;
		}
		if (strcmp(walk, "/") == 0 || !(slash = strrchr(walk, '/'))) {
			return false;
		}
		if (slash == walk) {
			slash[1] = '\0';
		} else {
			*slash = '\0';
		}
	}
}

const char *
install_path_refusal(const char *root, const char *manifest_dir, const char *home,
		     const char *cache_dir)
{
	char r[GN_PATH_MAX], other[GN_PATH_MAX];

	resolve(root, r, sizeof(r), true);
	if (strcmp(r, "/") == 0) {
		return "the root folder /";
	}
	resolve(manifest_dir, other, sizeof(other), true);
	if (contains(r, other)) {
		return "the manifest's folder or a folder above it";
	}
	if (home && home[0]) {
		resolve(home, other, sizeof(other), true);
		if (contains(r, other)) {
			return "$HOME or a folder above it";
		}
	}
	if (cache_dir && cache_dir[0]) {
		resolve(cache_dir, other, sizeof(other), true);
		if (contains(r, other)) {
			return "the cache folder or a folder above it";
		}
		if (contains(other, r)) {
			return "inside the cache folder";
		}
	}
	return NULL;
}

/* A regular file (never a symlink) owned by whoever runs gonative. */
static bool
plain_own_file(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid();
}

/* The lock file is gonative's: a regular file of ours, empty (older
 * gonative) or starting with FLOCK_MAGIC.  Absent is fine too. */
static int
check_flock(const struct install *inst, struct gn_error *err)
{
	char head[sizeof(FLOCK_MAGIC) - 1];
	struct stat st;
	ssize_t got;
	int fd;

	if (lstat(inst->flock, &st) != 0) {
		return 0;
	}
	if (!plain_own_file(&st)) {
		return gn_error_set(err, GN_E_INSTALL,
				    "%s is not gonative's lock file (%s): gonative will not "
				    "touch it; remove it yourself or point install: at another "
				    "folder",
				    inst->flock,
				    S_ISLNK(st.st_mode)	  ? "a symlink"
				    : S_ISREG(st.st_mode) ? "owned by another user"
							  : "not a regular file");
	}
	if (st.st_size == 0) {
		return 0;
	}
	fd = open(inst->flock, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	got = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
	if (fd >= 0) {
		close(fd);
	}
	if (got != (ssize_t)sizeof(head) || memcmp(head, FLOCK_MAGIC, sizeof(head)) != 0) {
		return gn_error_set(err, GN_E_INSTALL,
				    "%s is not gonative's lock file (it does not start with "
				    "\"gonative-flock\"): gonative will not touch it; remove it "
				    "yourself or point install: at another folder",
				    inst->flock);
	}
	return 0;
}

int
install_check_owner(const struct install *inst, struct gn_error *err)
{
	struct statrec_report header, full;
	struct statrec_id id;
	struct stat st;
	bool have_record = false, ours = false;
	int rc;

	memset(&header, 0, sizeof(header));

	if (lstat(inst->state, &st) == 0) {
		if (!plain_own_file(&st) || !statrec_read_header(inst->state, &header)) {
			return gn_error_set(err, GN_E_INSTALL,
					    "%s is not a stat record gonative wrote (%s): gonative "
					    "will not replace it; remove it yourself or point "
					    "install: at another folder",
					    inst->state,
					    S_ISLNK(st.st_mode)	     ? "it is a symlink"
					    : !S_ISREG(st.st_mode)   ? "it is not a regular file"
					    : st.st_uid != geteuid() ? "another user owns it"
								     : "no gonative-state header");
		}
		have_record = true;
	}
	if ((rc = check_flock(inst, err)) < 0) {
		return rc;
	}
	if (lstat(inst->root, &st) != 0) {
		return 0; /* nothing installed: nothing to replace */
	}
	if (S_ISDIR(st.st_mode) && st.st_uid == geteuid() && have_record &&
	    statrec_id_of(inst->root, &id)) {
		for (size_t i = 0; i < header.n_ids; i++) {
			ours = ours || statrec_id_equal(&header.ids[i], &id);
		}
		if (!ours) {
			/* No identity to go by (a record from an older gonative), or
			 * another folder (a copy, a restore from a CI cache): ours
			 * only if it holds exactly the recorded entries, mtimes to
			 * the nanosecond (folder mtimes change when entries come or
			 * go). */
			statrec_check(inst->root, inst->state, NULL, 0, &full);
			ours = (full.status == STATREC_MATCH || full.status == STATREC_OTHER_TREE);
		}
	}
	if (!ours) {
		return gn_error_set(err, GN_E_INSTALL,
				    "%s exists and gonative did not install it (%s): sync only "
				    "replaces a folder it installed itself. Move it away or delete "
				    "it yourself, or point install: at another folder",
				    inst->root,
				    S_ISLNK(st.st_mode)	     ? "it is a symlink"
				    : !S_ISDIR(st.st_mode)   ? "it is not a folder"
				    : st.st_uid != geteuid() ? "another user owns it"
				    : !have_record	     ? "no stat record beside it"
				    : header.version < 2
					    ? "its stat record, from an older gonative, no longer "
					      "matches it exactly"
					    : "its stat record was written for another folder, "
					      "whose entries it does not hold exactly");
	}
	return 0;
}

int
install_lock(struct install *inst, struct gn_error *err)
{
	struct stat st;
	int fd, rc;

	if (inst->lock_fd >= 0) {
		return 0;
	}
	if ((rc = check_flock(inst, err)) < 0) {
		return rc;
	}
	if ((rc = gn_mkdir_p(inst->parent, 0755, err)) < 0) {
		return rc;
	}
	/* Never through a symlink: a planted one would make us create or lock
	 * a file elsewhere. */
	fd = open(inst->flock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		return gn_error_set(err, GN_E_INSTALL, "cannot open %s: %s", inst->flock,
				    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !plain_own_file(&st)) {
		close(fd);
		return gn_error_set(err, GN_E_INSTALL,
				    "%s is not gonative's lock file: gonative will not touch it",
				    inst->flock);
	}
	/* Blocks while another gonative holds it; a signal may end the wait. */
	if ((rc = gn_flock_wait(fd, inst->flock, inst->events, err)) < 0) {
		close(fd);
		return rc;
	}
	/* Re-check under the lock: another sync may have written it meanwhile. */
	if (fstat(fd, &st) == 0 && st.st_size == 0 &&
	    pwrite(fd, FLOCK_MAGIC, strlen(FLOCK_MAGIC), 0) != (ssize_t)strlen(FLOCK_MAGIC)) {
		int saved = errno;
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot write %s: %s", inst->flock,
				    strerror(saved));
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

/* Note in the lock file that the staging folder path (named by us) holds
 * the folder with identity id.  Call with the lock held. */
static int
journal_add(struct install *inst, const char *path, const struct statrec_id *id,
	    struct gn_error *err)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "stage %s %llu %llu %lld.%09ld\n", gn_basename(path),
		     id->dev, id->ino, id->btime_sec, id->btime_nsec);
	if (n < 0 || (size_t)n >= sizeof(line) || inst->lock_fd < 0 ||
	    lseek(inst->lock_fd, 0, SEEK_END) < 0 || write(inst->lock_fd, line, (size_t)n) != n) {
		return gn_error_set(err, GN_E_IO, "cannot write %s: %s", inst->flock,
				    strerror(errno));
	}
	return 0;
}

/* No staging folder of ours is left: forget them all. */
static void
journal_clear(struct install *inst)
{
	if (inst->lock_fd >= 0 && ftruncate(inst->lock_fd, (off_t)strlen(FLOCK_MAGIC)) != 0) {
		return; /* the next cleanup finds nothing under those names */
	}
}

bool
install_has_stale(const struct install *inst)
{
	struct stat st;

	return lstat(inst->flock, &st) == 0 && S_ISREG(st.st_mode) &&
	       (size_t)st.st_size > strlen(FLOCK_MAGIC);
}

/* name is <base>.stage-XXXXXX, as install_stage makes them. */
static bool
stage_name(const char *name, const char *base, size_t base_len)
{
	size_t infix = strlen(STAGE_INFIX);

	return strncmp(name, base, base_len) == 0 &&
	       strncmp(name + base_len, STAGE_INFIX, infix) == 0 &&
	       strlen(name + base_len + infix) == STAGE_SUFFIX_LEN &&
	       !strchr(name + base_len + infix, '/');
}

void
install_cleanup_stale(struct install *inst)
{
	const char *base = gn_basename(inst->root);
	size_t base_len = strlen(base);
	char *journal = NULL, *line, *save = NULL;
	struct stat st;
	ssize_t got;

	if (inst->lock_fd < 0 || fstat(inst->lock_fd, &st) != 0 ||
	    (size_t)st.st_size <= strlen(FLOCK_MAGIC) || st.st_size > (1 << 20) ||
	    !(journal = malloc((size_t)st.st_size + 1))) {
		return;
	}
	got = pread(inst->lock_fd, journal, (size_t)st.st_size, 0);
	journal[got > 0 ? got : 0] = '\0';
	for (line = strtok_r(journal, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[512], path[GN_PATH_MAX + 512];
		struct statrec_id want, have;

		if (sscanf(line, "stage %511s %llu %llu %lld.%ld", name, &want.dev, &want.ino,
			   &want.btime_sec, &want.btime_nsec) != 5 ||
		    !stage_name(name, base, base_len)) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", inst->parent, name);
		/* Ours only if it is still the very folder we made (or moved
		 * there), a real folder of ours and not a symlink. */
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    !statrec_id_of(path, &have) || !statrec_id_equal(&want, &have)) {
			continue;
		}
		gn_rm_rf(path, NULL);
	}
	free(journal);
	/* Every line is dealt with: what was not removed was not ours. */
	journal_clear(inst);
}

int
install_stage(struct install *inst, char *out, struct gn_error *err)
{
	struct statrec_id id;
	int rc;

	if (!gn_path_fmt(out, GN_PATH_MAX, "%s" STAGE_INFIX "XXXXXX", inst->root)) {
		return gn_error_set(err, GN_E_IO, "install path too long: %s", inst->root);
	}
	if (!mkdtemp(out)) {
		return gn_error_set(err, GN_E_INSTALL, "cannot create a staging folder %s: %s", out,
				    strerror(errno));
	}
	chmod(out, 0755);
	if (!statrec_id_of(out, &id)) {
		rc = gn_error_set(err, GN_E_INSTALL, "cannot stat %s: %s", out, strerror(errno));
	} else {
		rc = journal_add(inst, out, &id, err);
	}
	if (rc < 0) {
		rmdir(out);
	}
	return rc;
}

int
install_commit(struct install *inst, const char *stage, const char *tree_id, struct gn_error *err)
{
	struct statrec_id old_id;
	bool have_old;
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
	/* Proven again under the lock, right before anything is replaced. */
	if ((rc = install_check_owner(inst, err)) < 0) {
		return rc;
	}
	have_old = statrec_id_of(inst->root, &old_id);
	/* The record goes first and names both trees: whichever one the
	 * install path holds after a crash, it is provably gonative's.  No
	 * record, no swap: without it the next sync would refuse the folder. */
	if ((rc = statrec_write(stage, inst->state, tree_id, have_old ? &old_id : NULL, err)) < 0) {
		return rc;
	}
	if (have_old) {
		/* After the exchange the staging path holds the previous tree. */
		if ((rc = journal_add(inst, stage, &old_id, err)) < 0) {
			return rc;
		}
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
		if (gn_rm_rf(stage, NULL) == 0) {
			journal_clear(inst);
		}
	} else {
		if (rename(stage, inst->root) != 0) {
			return gn_error_set(err, GN_E_INSTALL, "cannot move %s to %s: %s", stage,
					    inst->root, strerror(errno));
		}
		if ((rc = gn_fsync_dir(inst->parent, err)) < 0) {
			rename(inst->root, stage);
			return rc;
		}
		journal_clear(inst);
	}
	return 0;
}

void
install_check(const struct install *inst, const char *expected_tree, struct statrec_report *report)
{
	struct statrec_id now;

	statrec_check(inst->root, inst->state, expected_tree, STATREC_CHECK_ALL, report);
	/* The record is written before the swap: until then the install path
	 * holds the previous tree, which is never the recorded one. */
	if ((report->status == STATREC_MATCH || report->status == STATREC_OTHER_TREE) &&
	    report->n_ids > 0 &&
	    (!statrec_id_of(inst->root, &now) || !statrec_id_equal(&now, &report->ids[0]))) {
		snprintf(report->changed[0], sizeof(report->changed[0]), ".");
		report->n_changed = 1;
		report->status = STATREC_CHANGED;
	}
}
