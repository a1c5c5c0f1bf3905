/*
 * builder/statrec.c - statrec_check(): a tree against its stat record.
 *
 * Formats 1 and 2 (text lines, relative paths, opened folder by folder)
 * and format 3 (binary entries, stat'ed relative to folder descriptors, in
 * two threads past STATREC_PARALLEL_ENTRIES).  The record's bytes are
 * written and decoded in statrec_format.c.
 */
#include "builder/statrec_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
report_changed(struct statrec_report *report, const char *rel)
{
	if (report->n_changed < STATREC_REPORT_PATHS) {
		snprintf(report->changed[report->n_changed], sizeof(report->changed[0]), "%s",
			 rel);
	}
	report->n_changed++;
}

/* Adds one slice's findings (the first few paths, and the count) to report. */
static void
merge_changed(struct statrec_report *report, const struct statrec_report *part)
{
	for (size_t k = 0; k < part->n_changed && k < STATREC_REPORT_PATHS; k++) {
		report_changed(report, part->changed[k]);
	}
	if (part->n_changed > STATREC_REPORT_PATHS) {
		report->n_changed += part->n_changed - STATREC_REPORT_PATHS;
	}
}

/* ---------------------------------------------------------------------
 * Formats 1 and 2: text lines with relative paths.
 */

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

/* The text lines in [begin, end), NUL-separated: changed entries go to
 * report.  false: a malformed line. */
static bool
check_text(const char *root, char *begin, char *end, struct statrec_report *report)
{
	struct parent parent = {.fd = -1};
	struct stat st;
	bool ok = true;

	for (char *line = begin; line < end; line += strlen(line) + 1) {
		char type = 0;
		unsigned mode = 0;
		long long size = 0, sec = 0;
		long nsec = 0;
		int consumed = 0, dirfd;
		const char *rel, *base;
		bool same;

		if (!statrec_parse_line(line, &type, &mode, &size, &sec, &nsec, &consumed)) {
			ok = false;
			break;
		}
		rel = line + consumed;
		if (strcmp(rel, ".") == 0) {
			same = lstat(root, &st) == 0;
		} else {
			dirfd = parent_fd(root, &parent, rel, &base);
			same = dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
		}
		same = same && (st.st_mode & 07777) == mode && st.st_mtim.tv_sec == sec &&
		       st.st_mtim.tv_nsec == nsec &&
		       ((type == 'd' && S_ISDIR(st.st_mode)) ||
			(type == 'f' && S_ISREG(st.st_mode) && st.st_size == size) ||
			(type == 'l' && S_ISLNK(st.st_mode) && st.st_size == size));
		if (!same) {
			report_changed(report, rel);
		}
	}
	if (parent.fd >= 0) {
		close(parent.fd);
	}
	return ok;
}

/* ---------------------------------------------------------------------
 * Format 3: binary entries, checked relative to folder descriptors.
 */

/* What one thread checks: entries [begin, end) of the body. */
struct run {
	const char *root;
	const unsigned char *body;
	size_t begin, end;
	unsigned flags;
	/* The folders above the first entry: offsets of their entries
	 * (depth 1 up to start_depth - 1); the root is opened by path. */
	const size_t *chain;
	unsigned start_depth;
	struct statrec_report report;
};

static bool
same_stat(const struct entry *e, const struct stat *st, unsigned flags)
{
	if ((st->st_mode & 0177777) != (e->mode & 0177777) || st->st_mtim.tv_sec != e->mtime_sec ||
	    (uint32_t)st->st_mtim.tv_nsec != e->mtime_nsec) {
		return false;
	}
	if (!S_ISDIR(st->st_mode) && (uint64_t)st->st_size != e->size) {
		return false;
	}
	if ((flags & STATREC_CHECK_INODE) && (uint64_t)st->st_ino != e->ino) {
		return false;
	}
	if ((flags & STATREC_CHECK_CTIME) && ((e->mode >> 16) & STATREC_F_CTIME) &&
	    (st->st_ctim.tv_sec != e->ctime_sec || (uint32_t)st->st_ctim.tv_nsec != e->ctime_nsec)) {
		return false;
	}
	return true;
}

/* The path of entry e for a report: its folders' names, then its own. */
static void
report_entry(struct statrec_report *report, const struct entry *e, const char *const *names)
{
	char rel[512];
	size_t used = 0;

	if (report->n_changed >= STATREC_REPORT_PATHS) {
		report->n_changed++;
		return;
	}
	if (e->depth == 0) {
		report_changed(report, ".");
		return;
	}
	rel[0] = '\0';
	for (unsigned d = 1; d <= e->depth; d++) {
		const char *name = d == e->depth ? e->name : names[d];
		int n = snprintf(rel + used, sizeof(rel) - used, "%s%s", d > 1 ? "/" : "", name);
		if (n < 0 || (size_t)n >= sizeof(rel) - used) {
			break;
		}
		used += (size_t)n;
	}
	report_changed(report, rel);
}

static void *
check_run(void *arg)
{
	struct run *r = arg;
	int fds[STATREC_MAX_DEPTH + 2];
	const char *names[STATREC_MAX_DEPTH + 2];
	int top = -1; /* fds[0..top] belong to the folders above the next entry */
	size_t off = r->begin;
	struct stat st;
	struct entry e;

	/* A run that starts inside the tree opens the folders above it. */
	if (r->start_depth > 0) {
		fds[0] = open(r->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		top = 0;
		for (unsigned d = 1; d < r->start_depth; d++) {
			statrec_read_entry(r->body + r->chain[d], &e);
			names[d] = e.name;
			fds[d] = fds[d - 1] >= 0 ? openat(fds[d - 1], e.name,
							  O_PATH | O_DIRECTORY | O_NOFOLLOW |
								  O_CLOEXEC)
						 : -1;
			top = (int)d;
		}
	}
	while (off < r->end) {
		int parent, fd;
		bool same;

		statrec_read_entry(r->body + off, &e);
		off += statrec_entry_size(e.name_len);
		/* Leaving folders: close what lies at this depth and below. */
		while (top >= (int)e.depth) {
			if (fds[top] >= 0) {
				close(fds[top]);
			}
			top--;
		}
		if (e.depth == 0) {
			fd = open(r->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			same = fd >= 0 && fstat(fd, &st) == 0 && same_stat(&e, &st, 0);
		} else {
			parent = fds[e.depth - 1];
			if (S_ISDIR(e.mode)) {
				fd = parent >= 0 ? openat(parent, e.name,
							  O_PATH | O_DIRECTORY | O_NOFOLLOW |
								  O_CLOEXEC)
						 : -1;
				same = fd >= 0 && fstat(fd, &st) == 0 && same_stat(&e, &st, r->flags);
			} else {
				fd = -1;
				same = parent >= 0 &&
				       fstatat(parent, e.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				       same_stat(&e, &st, r->flags);
			}
		}
		if (!same) {
			report_entry(&r->report, &e, names);
		}
		if (S_ISDIR(e.mode)) {
			fds[e.depth] = fd;
			names[e.depth] = e.name;
			top = e.depth;
		}
	}
	while (top >= 0) {
		if (fds[top] >= 0) {
			close(fds[top]);
		}
		top--;
	}
	return NULL;
}

/* Below this many entries one thread is quicker than two. */
#ifndef STATREC_PARALLEL_ENTRIES
#define STATREC_PARALLEL_ENTRIES 2000
#endif

/* false: malformed. */
static bool
check_binary(const char *root, const unsigned char *body, size_t len, size_t count,
	     unsigned flags, struct statrec_report *report)
{
	size_t chain[STATREC_MAX_DEPTH + 2], split;
	unsigned split_depth;
	struct run runs[2];
	pthread_t helper;
	bool threaded = false;

	if (!statrec_validate(body, len, count, &split, chain, &split_depth)) {
		return false;
	}
	runs[0] = (struct run){.root = root, .body = body, .begin = 0, .end = len, .flags = flags};
	if (count >= STATREC_PARALLEL_ENTRIES && split) {
		runs[0].end = split;
		runs[1] = (struct run){.root = root,
				       .body = body,
				       .begin = split,
				       .end = len,
				       .flags = flags,
				       .chain = chain,
				       .start_depth = split_depth};
		threaded = pthread_create(&helper, NULL, check_run, &runs[1]) == 0;
		if (!threaded) {
			check_run(&runs[1]);
		}
	}
	check_run(&runs[0]);
	if (threaded) {
		pthread_join(helper, NULL);
	}
	merge_changed(report, &runs[0].report);
	if (runs[0].end != len) {
		merge_changed(report, &runs[1].report);
	}
	return true;
}

/* One half of a format 1 or 2 record's lines, for one thread. */
struct text_run {
	const char *root;
	char *begin, *end;
	struct statrec_report report;
	bool ok;
};

static void *
text_run(void *arg)
{
	struct text_run *r = arg;

	r->ok = check_text(r->root, r->begin, r->end, &r->report);
	return NULL;
}

/* The lines of a format 1 or 2 record, in two threads when there are
 * many.  false: malformed. */
static bool
check_lines(const char *root, char *body, char *end, struct statrec_report *report)
{
	struct text_run runs[2];
	char *mid = end;
	pthread_t helper;
	bool threaded = false;

	for (char *c = body; c < end; c++) {
		if (*c == '\n') {
			*c = '\0';
		}
	}
	if ((size_t)(end - body) > 64 * 1024) {
		mid = body + (end - body) / 2;
		while (mid < end && *mid) {
			mid++;
		}
		mid = mid < end ? mid + 1 : end;
	}
	memset(runs, 0, sizeof(runs));
	runs[0] = (struct text_run){.root = root, .begin = body, .end = mid};
	runs[1] = (struct text_run){.root = root, .begin = mid, .end = end, .ok = true};
	if (mid < end) {
		threaded = pthread_create(&helper, NULL, text_run, &runs[1]) == 0;
		if (!threaded) {
			text_run(&runs[1]);
		}
	}
	text_run(&runs[0]);
	if (threaded) {
		pthread_join(helper, NULL);
	}
	merge_changed(report, &runs[0].report);
	merge_changed(report, &runs[1].report);
	return runs[0].ok && runs[1].ok;
}

void
statrec_check(const char *root, const char *record, const char *expected_tree, unsigned flags,
	      struct statrec_report *report)
{
	char *data = NULL;
	size_t len;
	struct stat st;
	struct header hdr;
	struct statrec_report header;
	bool ok;

	memset(report, 0, sizeof(*report));
	if (lstat(root, &st) != 0) {
		report->status = STATREC_MISSING;
		return;
	}
	report->status = STATREC_UNKNOWN;
	if (!statrec_read_record(record, &data, &len)) {
		return;
	}
	memset(&header, 0, sizeof(header));
	if (!statrec_parse_header(data, len, &header, &hdr)) {
		free(data);
		return;
	}
	memcpy(report->recorded_tree, header.recorded_tree, sizeof(report->recorded_tree));
	report->version = header.version;
	report->n_ids = header.n_ids;
	memcpy(report->ids, header.ids, sizeof(report->ids));
	if (hdr.partial) {
		free(data);
		return;
	}
	if (header.version == 3) {
		ok = check_binary(root, (const unsigned char *)data + hdr.body, len - hdr.body,
				  hdr.entries, flags, report);
	} else {
		ok = len > 0 && data[len - 1] == '\n' &&
		     check_lines(root, data + hdr.body, data + len, report);
	}
	free(data);
	if (!ok) {
		report->n_changed = 0;
		memset(report->changed, 0, sizeof(report->changed));
		report->status = STATREC_UNKNOWN;
		return;
	}
	if (report->n_changed > 0) {
		report->status = STATREC_CHANGED;
	} else if (expected_tree && strcmp(report->recorded_tree, expected_tree) != 0) {
		report->status = STATREC_OTHER_TREE;
	} else {
		report->status = STATREC_MATCH;
	}
}
