/*
 * tests/builder/test_statrec.c - the stat record (builder/statrec.c): what
 * a warm sync notices (size, mode, mtime, an added or removed entry, and in
 * format 3 the inode and the ctime of an edit whose mtime was set back),
 * what it must not mistake for a change (the root renamed into place, a
 * shared inode linked elsewhere), the two-thread split on a large tree,
 * older text records, and malformed records.
 */
#include "builder/statrec.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>

static char tmp[4096];

#define ID "git-sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void
put(const char *root, const char *rel, const char *text)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (util_write(path, text, strlen(text), 0644) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(99);
	}
}

static void
mkdir_in(const char *root, const char *rel)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755) != 0) {
		fprintf(stderr, "cannot mkdir %s: %s\n", path, strerror(errno));
		exit(99);
	}
}

/* A small tree: a file, a link, folders two deep. */
static void
make_tree(const char *root)
{
	if (mkdir(root, 0755) != 0) {
		exit(99);
	}
	put(root, "VERSION", "go1.21.5\n");
	mkdir_in(root, "src");
	mkdir_in(root, "src/fmt");
	put(root, "src/fmt/print.go", "package fmt\n");
	put(root, "src/fmt/scan.go", "package fmt // scan\n");
	mkdir_in(root, "pkg");
	put(root, "pkg/a.a", "archive");
	{
		char link[8192];
		snprintf(link, sizeof(link), "%s/pkg/link", root);
		if (symlink("../VERSION", link) != 0) {
			exit(99);
		}
	}
}

static enum statrec_status
check(const char *root, const char *record, unsigned flags, struct statrec_report *r)
{
	statrec_check(root, record, ID, flags, r);
	return r->status;
}

/* Sets path's mtime back to st's (keeping size): the edit only ctime shows. */
static void
restore_mtime(const char *path, const struct stat *st)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};

	if (utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0) {
		exit(99);
	}
}

static bool
reported(const struct statrec_report *r, const char *rel)
{
	for (size_t i = 0; i < r->n_changed && i < STATREC_REPORT_PATHS; i++) {
		if (strcmp(r->changed[i], rel) == 0) {
			return true;
		}
	}
	return false;
}

static void
rewrite(const char *root, const char *record)
{
	struct gn_error err;

	gn_error_clear(&err);
	if (statrec_write(root, record, ID, NULL, &err) != 0) {
		tap_ok(0, "statrec_write: %s", err.message);
	}
}

static void
test_changes(void)
{
	char root[4200], record[4300], path[8192], moved[4300];
	struct statrec_report r;
	struct stat st;
	struct gn_error err;

	snprintf(root, sizeof(root), "%s/tree", tmp);
	snprintf(record, sizeof(record), "%s/tree.state", tmp);
	make_tree(root);
	gn_error_clear(&err);
	TAP_EQ_INT(statrec_write(root, record, ID, NULL, &err), 0, "write a record");
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH, "fresh record matches");
	TAP_EQ_INT(r.version, 3, "format 3 is written");
	TAP_EQ_INT(r.n_ids, 1, "with the root's identity");
	statrec_check(root, record, "git-sha256:22", STATREC_CHECK_ALL, &r);
	TAP_EQ_INT(r.status, STATREC_OTHER_TREE, "another expected tree: OTHER_TREE");
	TAP_OK(statrec_read_header(record, &r) && r.version == 3 && strcmp(r.recorded_tree, ID) == 0 &&
		       r.n_ids == 1,
	       "read_header reads format 3");

	/* Same size, mtime set back: only the ctime tells. */
	snprintf(path, sizeof(path), "%s/src/fmt/scan.go", root);
	lstat(path, &st);
	put(root, "src/fmt/scan.go", "package fmt // SCAN\n");
	restore_mtime(path, &st);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_CHANGED,
		   "an edit keeping size and mtime is noticed (ctime)");
	TAP_OK(r.n_changed == 1 && reported(&r, "src/fmt/scan.go"), "and named: %s",
	       r.n_changed ? r.changed[0] : "");
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_MATCH,
		   "without STATREC_CHECK_CTIME it is not (what a copy keeps)");
	rewrite(root, record);

	/* Replaced by rename: same size and mtime, another inode (the
	 * folder's mtime set back too). */
	{
		char dir[8192];
		struct stat dst;

		snprintf(dir, sizeof(dir), "%s/pkg", root);
		snprintf(path, sizeof(path), "%s/pkg/a.a", root);
		snprintf(moved, sizeof(moved), "%s/pkg/.new", root);
		lstat(dir, &dst);
		lstat(path, &st);
		put(root, "pkg/.new", "ARCHIVE");
		restore_mtime(moved, &st);
		rename(moved, path);
		restore_mtime(dir, &dst);
	}
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_MATCH,
		   "(type, mode, size and mtimes alone cannot see it)");
	TAP_EQ_INT(check(root, record, STATREC_CHECK_INODE, &r), STATREC_CHANGED,
		   "a file replaced by another inode is noticed");
	TAP_OK(reported(&r, "pkg/a.a"), "and named");
	rewrite(root, record);

	/* Mode, size, an added and a removed entry. */
	snprintf(path, sizeof(path), "%s/VERSION", root);
	chmod(path, 0600);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_CHANGED, "chmod is noticed");
	TAP_OK(reported(&r, "VERSION"), "and named");
	chmod(path, 0644);
	rewrite(root, record);
	put(root, "src/fmt/print.go", "package fmt // longer\n");
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_CHANGED, "a size change is noticed");
	rewrite(root, record);
	put(root, "src/fmt/extra.go", "package fmt\n");
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_CHANGED, "an added file is noticed");
	TAP_OK(reported(&r, "src/fmt"), "through its folder");
	rewrite(root, record);
	snprintf(path, sizeof(path), "%s/src/fmt/extra.go", root);
	unlink(path);
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_CHANGED, "a removed file is noticed");
	TAP_OK(reported(&r, "src/fmt/extra.go"), "and named");
	rewrite(root, record);

	/* A folder swapped for a link to a folder. */
	snprintf(path, sizeof(path), "%s/src/fmt", root);
	snprintf(moved, sizeof(moved), "%s/fmt-real", tmp);
	rename(path, moved);
	if (symlink(moved, path) != 0) {
		exit(99);
	}
	TAP_EQ_INT(check(root, record, 0, &r), STATREC_CHANGED,
		   "a folder replaced by a symlink is noticed");
	TAP_OK(reported(&r, "src/fmt") && reported(&r, "src/fmt/print.go"),
	       "the folder and what it held are named");
	unlink(path);
	rename(moved, path);
	rewrite(root, record);

	/* Not changes: the root renamed (the install's swap), a shared inode
	 * linked once more (the tree store's hard-link mode). */
	snprintf(moved, sizeof(moved), "%s/tree-moved", tmp);
	rename(root, moved);
	TAP_EQ_INT(check(moved, record, STATREC_CHECK_ALL, &r), STATREC_MATCH,
		   "the root renamed after its record: still a match");
	rename(moved, root);
	snprintf(path, sizeof(path), "%s/pkg/a.a", root);
	snprintf(moved, sizeof(moved), "%s/a.a-link1", tmp);
	if (link(path, moved) != 0) {
		exit(99);
	}
	rewrite(root, record);
	snprintf(moved, sizeof(moved), "%s/a.a-link2", tmp);
	if (link(path, moved) != 0) {
		exit(99);
	}
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH,
		   "a shared file linked once more: still a match");
	rewrite(root, record);

	/* Names a text record could not hold. */
	put(root, "new\nline", "x");
	rewrite(root, record);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH,
		   "a name holding a newline is recorded");
	snprintf(path, sizeof(path), "%s/new\nline", root);
	unlink(path);
	rewrite(root, record);

	/* A FIFO: partial record, ids kept, always checked the slow way. */
	snprintf(path, sizeof(path), "%s/fifo", root);
	mkfifo(path, 0644);
	rewrite(root, record);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_UNKNOWN,
		   "a FIFO in the tree: partial record, UNKNOWN");
	TAP_OK(statrec_read_header(record, &r) && r.n_ids == 1, "partial record keeps the id");
	unlink(path);
	rewrite(root, record);
}

/* The record's bytes, its body's offset (after "entries N\n"). */
static char *
slurp(const char *record, size_t *len, size_t *body)
{
	struct gn_error err;
	char *data, *e;

	if (gn_read_file(record, 64 << 20, &data, len, &err) != 0 ||
	    !(e = strstr(data, "\nentries "))) {
		exit(99);
	}
	*body = (size_t)(strchr(e + 1, '\n') + 1 - data);
	return data;
}

static void
spoil(const char *root, const char *record, const char *what, size_t at, const void *bytes,
      size_t n, size_t cut)
{
	struct statrec_report r;
	size_t len, body;
	char *data = slurp(record, &len, &body);
	struct gn_error err;

	memcpy(data + body + at, bytes, n);
	gn_error_clear(&err);
	gn_write_file_atomic(record, data, len - cut, 0644, &err);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_UNKNOWN, "%s: UNKNOWN", what);
	free(data);
	rewrite(root, record);
}

static void
test_malformed(void)
{
	char root[4200], record[4300];
	struct statrec_report r;
	uint16_t depth = 9;
	char zero = 0;

	snprintf(root, sizeof(root), "%s/tree", tmp);
	snprintf(record, sizeof(record), "%s/tree.state", tmp);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH, "before spoiling");
	/* The root entry is 56 bytes; the next entry's name is at 56 + 48. */
	spoil(root, record, "a name with a slash", 56 + 48, "/", 1, 0);
	spoil(root, record, "a folder depth that skips a level", 56 + 6, &depth, 2, 0);
	spoil(root, record, "a name without its NUL", 56 + 4, "\xff", 1, 0);
	spoil(root, record, "a truncated body", 0, &zero, 0, 8);
	spoil(root, record, "a root entry that is not a folder", 0, "\xa4\x81", 2, 0);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH, "rewritten: match again");
}

/* A format 2 (or 1) text record for root, the way older gonative wrote it. */
static void
text_lines(int dirfd, const char *rel, FILE *out)
{
	struct dirent **names;
	int n = scandirat(dirfd, ".", &names, NULL, alphasort);

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			const char *name = names[i]->d_name;
			char sub[4096];
			struct stat st;

			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
			    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    S_ISDIR(st.st_mode) != (pass == 1)) {
				continue;
			}
			snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
			fprintf(out, "%c %o %lld %lld.%09ld %s\n",
				S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f',
				(unsigned)(st.st_mode & 07777), (long long)st.st_size,
				(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, sub);
			if (S_ISDIR(st.st_mode)) {
				int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
				text_lines(fd, sub, out);
				close(fd);
			}
		}
	}
	for (int i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
}

static void
write_text_record(const char *root, const char *record, int version)
{
	FILE *out = fopen(record, "w");
	struct statrec_id id;
	struct stat st;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	statrec_id_of(root, &id);
	fstat(fd, &st);
	fprintf(out, "gonative-state %d\ntree %s\n", version, ID);
	if (version == 2) {
		fprintf(out, "root %llu %llu %lld.%09ld\n", id.dev, id.ino, id.btime_sec,
			id.btime_nsec);
	}
	fprintf(out, "d %o %lld %lld.%09ld .\n", (unsigned)(st.st_mode & 07777),
		(long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	text_lines(fd, "", out);
	close(fd);
	fclose(out);
}

static void
test_text_formats(void)
{
	char root[4200], record[4300];
	struct statrec_report r;

	snprintf(root, sizeof(root), "%s/tree", tmp);
	snprintf(record, sizeof(record), "%s/tree.state", tmp);
	for (int version = 1; version <= 2; version++) {
		write_text_record(root, record, version);
		TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH,
			   "format %d record still read: match", version);
		TAP_EQ_INT(r.version, version, "format %d reported", version);
		TAP_EQ_INT(r.n_ids, version == 2 ? 1 : 0, "format %d ids", version);
		put(root, "src/fmt/print.go", version == 1 ? "package fmt // v1 edit\n"
							   : "package fmt // v2 edit!\n");
		TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_CHANGED,
			   "format %d: a change is noticed", version);
		TAP_OK(reported(&r, "src/fmt/print.go"), "format %d: and named", version);
	}
	rewrite(root, record);
}

/* Past the two-thread threshold: changes in either half are found and
 * named with their whole path. */
static void
test_large(void)
{
	char root[4200], record[4300], rel[256], path[8192];
	struct statrec_report r;
	struct stat st;
	struct gn_error err;

	snprintf(root, sizeof(root), "%s/large", tmp);
	snprintf(record, sizeof(record), "%s/large.state", tmp);
	mkdir(root, 0755);
	for (int a = 0; a < 6; a++) {
		snprintf(rel, sizeof(rel), "d%d", a);
		mkdir_in(root, rel);
		for (int b = 0; b < 6; b++) {
			snprintf(rel, sizeof(rel), "d%d/e%d", a, b);
			mkdir_in(root, rel);
			for (int c = 0; c < 100; c++) {
				snprintf(rel, sizeof(rel), "d%d/e%d/f%03d", a, b, c);
				put(root, rel, rel);
			}
		}
	}
	gn_error_clear(&err);
	TAP_EQ_INT(statrec_write(root, record, ID, NULL, &err), 0, "record of 3,600 files");
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_MATCH, "large tree matches");
	snprintf(path, sizeof(path), "%s/d0/e1/f007", root);
	lstat(path, &st);
	put(root, "d0/e1/f007", "D0/E1/F007");
	restore_mtime(path, &st);
	snprintf(path, sizeof(path), "%s/d5/e4/f093", root);
	lstat(path, &st);
	put(root, "d5/e4/f093", "D5/E4/F093");
	restore_mtime(path, &st);
	TAP_EQ_INT(check(root, record, STATREC_CHECK_ALL, &r), STATREC_CHANGED,
		   "edits in both halves are noticed");
	TAP_EQ_INT(r.n_changed, 2, "exactly two entries");
	TAP_OK(reported(&r, "d0/e1/f007") && reported(&r, "d5/e4/f093"), "both named: %s, %s",
	       r.changed[0], r.changed[1]);
}

int
main(void)
{
	char *const rm[] = {"rm", "-rf", tmp, NULL};

	util_tmpdir(tmp, sizeof(tmp), "statrec");
	test_changes();
	test_malformed();
	test_text_formats();
	test_large();
	util_run(rm);
	return tap_done();
}
