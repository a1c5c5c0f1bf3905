#include "builder/statrec.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Version 2 adds "root" lines (the identity of the folder the record was
 * written for) and an optional "partial" line; version 1 records, written
 * by older gonative, are still read. */
#define STATREC_MAGIC "gonative-state 2\n"
#define STATREC_MAGIC_V1 "gonative-state 1\n"
#define STATREC_MAGIC_LEN 17
#define STATREC_MAX_BYTES (256 * 1024 * 1024)

static void
record_line(struct gn_buf *buf, char type, const struct stat *st, const char *rel)
{
	gn_buf_printf(buf, "%c %o %lld %lld.%09ld %s\n", type, (unsigned)(st->st_mode & 07777),
		      (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		      (long)st->st_mtim.tv_nsec, rel);
}

static int
name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Records a folder's own line, then its files and symlinks, then recurses
 * into its subfolders: entries of one folder stay together, so the check
 * can stat them relative to one open folder.  false: no usable record.
 */
static bool
walk(int dirfd, struct gn_buf *buf, struct gn_buf *rel, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0, base = rel->len;
	bool ok = true;
	DIR *dir;
	struct dirent *ent;
	int fd;

	if (depth > 256 || (fd = dup(dirfd)) < 0 || !(dir = fdopendir(fd))) {
		return false;
	}
	while ((ent = readdir(dir))) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
			continue;
		}
		if (strchr(ent->d_name, '\n')) {
			ok = false;
			break;
		}
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
			if (!grown) {
				ok = false;
				break;
			}
			names = grown;
		}
		if (!(names[n] = strdup(ent->d_name))) {
			ok = false;
			break;
		}
		n++;
	}
	closedir(dir);
	if (n > 1) {
		qsort(names, n, sizeof(*names), name_order);
	}
	/* Files and symlinks first, then folders. */
	for (int pass = 0; ok && pass < 2; pass++) {
		for (size_t i = 0; ok && i < n; i++) {
			struct stat st;
			bool is_dir;

			if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
				ok = false;
				break;
			}
			is_dir = S_ISDIR(st.st_mode);
			if (is_dir != (pass == 1)) {
				continue;
			}
			rel->len = base;
			if (base) {
				gn_buf_putc(rel, '/');
			}
			gn_buf_puts(rel, names[i]);
			if (S_ISREG(st.st_mode)) {
				record_line(buf, 'f', &st, rel->data);
			} else if (S_ISLNK(st.st_mode)) {
				record_line(buf, 'l', &st, rel->data);
			} else if (is_dir) {
				int sub = openat(dirfd, names[i],
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				record_line(buf, 'd', &st, rel->data);
				ok = sub >= 0 && walk(sub, buf, rel, depth + 1);
				if (sub >= 0) {
					close(sub);
				}
			} else {
				ok = false;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	rel->len = base;
	if (rel->data) {
		rel->data[base] = '\0';
	}
	return ok;
}

bool
statrec_id_of(const char *path, struct statrec_id *out)
{
	struct statx stx;
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (lstat(path, &st) != 0) {
		return false;
	}
	out->dev = (unsigned long long)st.st_dev;
	out->ino = (unsigned long long)st.st_ino;
	/* Birth time tells a reused inode apart; not every file system has it. */
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) == 0 &&
	    (stx.stx_mask & STATX_BTIME)) {
		out->btime_sec = stx.stx_btime.tv_sec;
		out->btime_nsec = (long)stx.stx_btime.tv_nsec;
	}
	return true;
}

bool
statrec_id_equal(const struct statrec_id *a, const struct statrec_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->btime_sec == b->btime_sec &&
	       a->btime_nsec == b->btime_nsec;
}

static void
id_line(struct gn_buf *buf, const struct statrec_id *id)
{
	gn_buf_printf(buf, "root %llu %llu %lld.%09ld\n", id->dev, id->ino, id->btime_sec,
		      id->btime_nsec);
}

int
statrec_write(const char *root, const char *record, const char *tree_id,
	      const struct statrec_id *also, struct gn_error *err)
{
	struct gn_buf buf, rel, entries;
	struct statrec_id id;
	struct stat st;
	int fd, rc = 0;
	bool ok;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0) {
			close(fd);
		}
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", root, strerror(saved));
	}
	if (!statrec_id_of(root, &id)) {
		close(fd);
		return gn_error_set(err, GN_E_IO, "cannot stat %s: %s", root, strerror(errno));
	}
	gn_buf_init(&buf);
	gn_buf_init(&rel);
	gn_buf_init(&entries);
	gn_buf_puts(&buf, STATREC_MAGIC);
	gn_buf_printf(&buf, "tree %s\n", tree_id);
	id_line(&buf, &id);
	if (also && !statrec_id_equal(also, &id)) {
		id_line(&buf, also);
	}
	record_line(&entries, 'd', &st, ".");
	ok = walk(fd, &entries, &rel, 0);
	close(fd);
	/* No usable entry list: keep the ids (the folder is still gonative's)
	 * but mark the record partial, so the tree is checked the slow way. */
	if (ok) {
		gn_buf_append(&buf, entries.data, entries.len);
	} else {
		gn_buf_puts(&buf, "partial\n");
	}
	if (buf.failed || rel.failed || entries.failed) {
		rc = gn_error_set(err, GN_E_NOMEM, "out of memory writing %s", record);
	} else {
		rc = gn_write_file_atomic(record, buf.data, buf.len, 0644, err);
	}
	gn_buf_free(&buf);
	gn_buf_free(&rel);
	gn_buf_free(&entries);
	return rc;
}

static bool
parse_id(const char *text, struct statrec_id *id)
{
	char *end;

	id->dev = strtoull(text, &end, 10);
	if (end == text || *end != ' ') {
		return false;
	}
	text = end + 1;
	id->ino = strtoull(text, &end, 10);
	if (end == text || *end != ' ') {
		return false;
	}
	text = end + 1;
	id->btime_sec = strtoll(text, &end, 10);
	if (end == text || *end != '.') {
		return false;
	}
	text = end + 1;
	id->btime_nsec = strtol(text, &end, 10);
	return end != text && *end == '\0';
}

/*
 * Split the header off a record held in data (len bytes, NUL-terminated):
 * lines become NUL-terminated.  Fills version, recorded_tree and ids; *body
 * points at the first entry line; *partial says the record has none.
 */
static bool
parse_header(char *data, size_t len, struct statrec_report *report, char **body, bool *partial)
{
	char *line, *nl, *end = data + len;

	*partial = false;
	if (len < STATREC_MAGIC_LEN) {
		return false;
	}
	if (memcmp(data, STATREC_MAGIC, STATREC_MAGIC_LEN) == 0) {
		report->version = 2;
	} else if (memcmp(data, STATREC_MAGIC_V1, STATREC_MAGIC_LEN) == 0) {
		report->version = 1;
	} else {
		return false;
	}
	line = data + STATREC_MAGIC_LEN;
	if (!(nl = memchr(line, '\n', (size_t)(end - line))) || strncmp(line, "tree ", 5) != 0) {
		return false;
	}
	*nl = '\0';
	snprintf(report->recorded_tree, sizeof(report->recorded_tree), "%s", line + 5);
	line = nl + 1;
	while (report->version == 2 && line < end &&
	       (nl = memchr(line, '\n', (size_t)(end - line)))) {
		if (strncmp(line, "root ", 5) == 0) {
			*nl = '\0';
			if (report->n_ids == STATREC_MAX_IDS ||
			    !parse_id(line + 5, &report->ids[report->n_ids])) {
				return false;
			}
			report->n_ids++;
		} else if (strncmp(line, "partial\n", 8) == 0) {
			*nl = '\0';
			*partial = true;
		} else {
			break;
		}
		line = nl + 1;
	}
	*body = line;
	return true;
}

bool
statrec_read_header(const char *record, struct statrec_report *report)
{
	char data[4096];
	struct stat st;
	ssize_t got;
	size_t len = 0;
	char *body, *last;
	bool partial;
	int fd;

	memset(report, 0, sizeof(*report));
	report->status = STATREC_UNKNOWN;
	fd = open(record, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	while (len < sizeof(data) - 1 && (got = read(fd, data + len, sizeof(data) - 1 - len)) > 0) {
		len += (size_t)got;
	}
	close(fd);
	data[len] = '\0';
	/* Only whole lines: cut after the last newline read. */
	if (!(last = memrchr(data, '\n', len))) {
		return false;
	}
	len = (size_t)(last + 1 - data);
	data[len] = '\0';
	return parse_header(data, len, report, &body, &partial);
}

static void
report_changed(struct statrec_report *report, const char *rel)
{
	if (report->n_changed < STATREC_REPORT_PATHS) {
		snprintf(report->changed[report->n_changed], sizeof(report->changed[0]), "%s",
			 rel);
	}
	report->n_changed++;
}

/* An open folder of the tree, reused while consecutive entries share it. */
struct parent {
	int fd;
	char path[4096];
	size_t len;
};

static int
parent_fd(const char *root, struct parent *p, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	char full[8192];

	*base = slash ? slash + 1 : rel;
	if (p->fd >= 0 && p->len == len && strncmp(p->path, rel, len) == 0) {
		return p->fd;
	}
	if (p->fd >= 0) {
		close(p->fd);
	}
	p->fd = -1;
	if (len >= sizeof(p->path)) {
		return -1;
	}
	memcpy(p->path, rel, len);
	p->path[len] = '\0';
	p->len = len;
	snprintf(full, sizeof(full), "%s%s%s", root, len ? "/" : "", p->path);
	p->fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return p->fd;
}

/* "<type> <octal mode> <size> <sec>.<nsec> " (sscanf was a third of the
 * warm-sync time). */
static bool
parse_line(const char *line, char *type, unsigned *mode, long long *size, long long *sec,
	   long *nsec, int *consumed)
{
	const char *p = line;
	char *end;

	if (!p[0] || p[1] != ' ') {
		return false;
	}
	*type = p[0];
	p += 2;
	*mode = (unsigned)strtoul(p, &end, 8);
	if (end == p || *end != ' ') {
		return false;
	}
	p = end + 1;
	*size = strtoll(p, &end, 10);
	if (end == p || *end != ' ') {
		return false;
	}
	p = end + 1;
	*sec = strtoll(p, &end, 10);
	if (end == p || *end != '.') {
		return false;
	}
	p = end + 1;
	*nsec = strtol(p, &end, 10);
	if (end == p || *end != ' ') {
		return false;
	}
	*consumed = (int)(end + 1 - line);
	return true;
}

/* One slice of the record's lines, checked by one thread. */
struct slice {
	const char *root;
	char *begin, *end; /* whole lines, NUL-separated after the split */
	struct statrec_report report;
	bool malformed;
};

static void *
check_slice(void *arg)
{
	struct slice *sl = arg;
	struct parent parent = {.fd = -1};
	struct stat st;

	for (char *line = sl->begin; line < sl->end; line += strlen(line) + 1) {
		char type = 0;
		unsigned mode = 0;
		long long size = 0, sec = 0;
		long nsec = 0;
		int consumed = 0, dirfd;
		const char *rel, *base;
		bool same;

		if (!parse_line(line, &type, &mode, &size, &sec, &nsec, &consumed)) {
			sl->malformed = true;
			break;
		}
		rel = line + consumed;
		if (strcmp(rel, ".") == 0) {
			same = lstat(sl->root, &st) == 0;
		} else {
			dirfd = parent_fd(sl->root, &parent, rel, &base);
			same = dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
		}
		same = same && (st.st_mode & 07777) == mode && st.st_mtim.tv_sec == sec &&
		       st.st_mtim.tv_nsec == nsec &&
		       ((type == 'd' && S_ISDIR(st.st_mode)) ||
			(type == 'f' && S_ISREG(st.st_mode) && st.st_size == size) ||
			(type == 'l' && S_ISLNK(st.st_mode) && st.st_size == size));
		if (!same) {
			report_changed(&sl->report, rel);
		}
	}
	if (parent.fd >= 0) {
		close(parent.fd);
	}
	return NULL;
}

/* Below this many bytes of record one thread is quicker than two. */
#define STATREC_PARALLEL_BYTES (64 * 1024)

void
statrec_check(const char *root, const char *record, const char *expected_tree,
	      struct statrec_report *report)
{
	struct slice slices[2] = {{0}};
	size_t n_slices = 1;
	char *data = NULL, *body, *mid, *end;
	size_t len;
	struct stat st;
	pthread_t helper;
	bool threaded = false, partial;
	struct statrec_report header;

	memset(report, 0, sizeof(*report));
	if (lstat(root, &st) != 0) {
		report->status = STATREC_MISSING;
		return;
	}
	report->status = STATREC_UNKNOWN;
	if (gn_read_file(record, STATREC_MAX_BYTES, &data, &len, NULL) < 0) {
		return;
	}
	memset(&header, 0, sizeof(header));
	if (len == 0 || data[len - 1] != '\n' ||
	    !parse_header(data, len, &header, &body, &partial)) {
		free(data);
		return;
	}
	memcpy(report->recorded_tree, header.recorded_tree, sizeof(report->recorded_tree));
	report->version = header.version;
	report->n_ids = header.n_ids;
	memcpy(report->ids, header.ids, sizeof(report->ids));
	if (partial) {
		free(data);
		return;
	}
	end = data + len;
	for (char *c = body; c < end; c++) {
		if (*c == '\n') {
			*c = '\0';
		}
	}
	/* Two cores halve a warm sync: the time is all fstatat calls. */
	slices[0] = (struct slice){.root = root, .begin = body, .end = end};
	if ((size_t)(end - body) > STATREC_PARALLEL_BYTES) {
		mid = body + (end - body) / 2;
		while (mid < end && *mid) {
			mid++;
		}
		mid = mid < end ? mid + 1 : end;
		slices[0].end = mid;
		slices[1] = (struct slice){.root = root, .begin = mid, .end = end};
		n_slices = 2;
		threaded = pthread_create(&helper, NULL, check_slice, &slices[1]) == 0;
	}
	check_slice(&slices[0]);
	if (n_slices == 2) {
		if (threaded) {
			pthread_join(helper, NULL);
		} else {
			check_slice(&slices[1]);
		}
	}
	for (size_t i = 0; i < n_slices; i++) {
		if (slices[i].malformed) {
			free(data);
			report->n_changed = 0;
			memset(report->changed, 0, sizeof(report->changed));
			report->status = STATREC_UNKNOWN;
			return;
		}
		for (size_t k = 0; k < slices[i].report.n_changed && k < STATREC_REPORT_PATHS; k++) {
			report_changed(report, slices[i].report.changed[k]);
		}
		/* Count the ones past the first few too. */
		if (slices[i].report.n_changed > STATREC_REPORT_PATHS) {
			report->n_changed += slices[i].report.n_changed - STATREC_REPORT_PATHS;
		}
	}
	if (report->n_changed > 0) {
		report->status = STATREC_CHANGED;
	} else if (expected_tree && strcmp(report->recorded_tree, expected_tree) != 0) {
		report->status = STATREC_OTHER_TREE;
	} else {
		report->status = STATREC_MATCH;
	}
	free(data);
}
