#include "builder/statrec.h"

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

/*
 * Format 3 (written since issue 14): the text header of format 2 ("tree",
 * "root" lines, an optional "partial" line), then "entries <n>\n" and n
 * binary entries, so a warm sync compares without parsing text:
 *
 *   0  u32 mode: st_mode (type and permissions), STATREC_F_* flags << 16
 *   4  u16 length of the name
 *   6  u16 depth: 0 for the root, 1 for its entries, ...
 *   8  u64 size         16 i64 mtime seconds    24 u32 mtime nanoseconds
 *  28  u32 ctime ns     32 i64 ctime seconds    40 u64 inode
 *  48  the name (one component, no '/'), then 1-8 NUL bytes up to a
 *      multiple of 8
 *
 * Little-endian.  Entries come in walk order: a folder, then its files and
 * links, then each subfolder (itself first), so an entry's folder is the
 * last folder seen one level up and the check stats it relative to that
 * folder's descriptor.  Formats 1 (no ids) and 2 (text lines "<type>
 * <octal mode> <size> <sec>.<nsec> <relative path>") are still read.
 */
#define STATREC_MAGIC "gonative-state 3\n"
#define STATREC_MAGIC_V2 "gonative-state 2\n"
#define STATREC_MAGIC_V1 "gonative-state 1\n"
#define STATREC_MAGIC_LEN 17
#define STATREC_MAX_BYTES (256 * 1024 * 1024)
#define STATREC_MAX_DEPTH 256
#define ENTRY_FIXED 48
/* The entry's ctime is worth comparing: the file had one link when the
 * record was written.  Linking a shared inode elsewhere (the tree store's
 * hard-link mode) changes its ctime, not its bytes. */
#define STATREC_F_CTIME 1u

static void
put16(struct gn_buf *buf, uint16_t v)
{
	v = htole16(v);
	gn_buf_append(buf, &v, sizeof(v));
}

static void
put32(struct gn_buf *buf, uint32_t v)
{
	v = htole32(v);
	gn_buf_append(buf, &v, sizeof(v));
}

static void
put64(struct gn_buf *buf, uint64_t v)
{
	v = htole64(v);
	gn_buf_append(buf, &v, sizeof(v));
}

static uint16_t
get16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static size_t
entry_size(size_t name_len)
{
	/* At least one NUL after the name: the check uses it in place. */
	return ENTRY_FIXED + ((name_len + 8) & ~(size_t)7);
}

static void
put_entry(struct gn_buf *buf, const struct stat *st, const char *name, size_t name_len,
	  unsigned depth, unsigned flags)
{
	static const char zeros[8];
	size_t pad = entry_size(name_len) - ENTRY_FIXED - name_len;

	put32(buf, (uint32_t)(st->st_mode & 0177777) | (uint32_t)flags << 16);
	put16(buf, (uint16_t)name_len);
	put16(buf, (uint16_t)depth);
	put64(buf, (uint64_t)st->st_size);
	put64(buf, (uint64_t)st->st_mtim.tv_sec);
	put32(buf, (uint32_t)st->st_mtim.tv_nsec);
	put32(buf, (uint32_t)st->st_ctim.tv_nsec);
	put64(buf, (uint64_t)st->st_ctim.tv_sec);
	put64(buf, (uint64_t)st->st_ino);
	gn_buf_append(buf, name, name_len);
	gn_buf_append(buf, zeros, pad);
}

/* One entry of a folder being recorded. */
struct child {
	size_t name; /* offset into the folder's name arena */
	size_t len;
	struct stat st;
};

static int
child_order(const void *a, const void *b, void *names)
{
	const struct child *x = a, *y = b;
	return strcmp((const char *)names + x->name, (const char *)names + y->name);
}

/*
 * Records the entries of the folder open as dirfd at depth (its own entry
 * is already written): files and symlinks first, then each subfolder and
 * what it holds.  One fstatat per entry.  false: no usable record.
 */
static bool
walk(int dirfd, struct gn_buf *buf, unsigned depth, size_t *count)
{
	struct gn_buf names;
	struct child *kids = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;
	DIR *dir;
	struct dirent *ent;
	int fd;

	if (depth > STATREC_MAX_DEPTH || (fd = dup(dirfd)) < 0 || !(dir = fdopendir(fd))) {
		return false;
	}
	gn_buf_init(&names);
	while ((ent = readdir(dir))) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
			continue;
		}
		if (n == cap) {
			struct child *grown = realloc(kids, (cap = cap ? cap * 2 : 64) * sizeof(*kids));
			if (!grown) {
				ok = false;
				break;
			}
			kids = grown;
		}
		kids[n].name = names.len;
		kids[n].len = strlen(ent->d_name);
		gn_buf_append(&names, ent->d_name, kids[n].len + 1);
		if (fstatat(dirfd, ent->d_name, &kids[n].st, AT_SYMLINK_NOFOLLOW) != 0) {
			ok = false;
			break;
		}
		n++;
	}
	closedir(dir);
	ok = ok && !names.failed;
	if (ok && n > 1) {
		qsort_r(kids, n, sizeof(*kids), child_order, names.data);
	}
	for (int pass = 0; ok && pass < 2; pass++) {
		for (size_t i = 0; ok && i < n; i++) {
			const struct stat *st = &kids[i].st;
			const char *name = names.data + kids[i].name;
			bool is_dir = S_ISDIR(st->st_mode);
			int sub;

			if (is_dir != (pass == 1)) {
				continue;
			}
			if (!is_dir && !S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode)) {
				ok = false;
				break;
			}
			put_entry(buf, st, name, kids[i].len, depth + 1,
				  is_dir || st->st_nlink == 1 ? STATREC_F_CTIME : 0);
			(*count)++;
			if (!is_dir) {
				continue;
			}
			sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			ok = sub >= 0 && walk(sub, buf, depth + 1, count);
			if (sub >= 0) {
				close(sub);
			}
		}
	}
	free(kids);
	gn_buf_free(&names);
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
	struct gn_buf buf, entries;
	struct statrec_id id;
	struct stat st;
	size_t count = 1;
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
	gn_buf_init(&entries);
	gn_buf_puts(&buf, STATREC_MAGIC);
	gn_buf_printf(&buf, "tree %s\n", tree_id);
	id_line(&buf, &id);
	if (also && !statrec_id_equal(also, &id)) {
		id_line(&buf, also);
	}
	/* The root's ctime changes when the stage is renamed into place. */
	put_entry(&entries, &st, "", 0, 0, 0);
	ok = walk(fd, &entries, 0, &count);
	close(fd);
	/* No usable entry list: keep the ids (the folder is still gonative's)
	 * but mark the record partial, so the tree is checked the slow way. */
	if (ok) {
		gn_buf_printf(&buf, "entries %zu\n", count);
		gn_buf_append(&buf, entries.data, entries.len);
	} else {
		gn_buf_puts(&buf, "partial\n");
	}
	if (buf.failed || entries.failed) {
		rc = gn_error_set(err, GN_E_NOMEM, "out of memory writing %s", record);
	} else {
		rc = gn_write_file_atomic(record, buf.data, buf.len, 0644, err);
	}
	gn_buf_free(&buf);
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

/* What a record's header says besides the report's fields. */
struct header {
	size_t body;    /* offset of the first entry (line or binary) */
	size_t entries; /* format 3: how many binary entries follow */
	bool partial;
};

/*
 * Parses the text header of a record in data (len bytes; not changed).
 * Fills version, recorded_tree and ids, and hdr.
 */
static bool
parse_header(const char *data, size_t len, struct statrec_report *report, struct header *hdr)
{
	const char *line, *nl, *end = data + len;
	char text[160];
	size_t n;

	memset(hdr, 0, sizeof(*hdr));
	if (len < STATREC_MAGIC_LEN) {
		return false;
	}
	if (memcmp(data, STATREC_MAGIC, STATREC_MAGIC_LEN) == 0) {
		report->version = 3;
	} else if (memcmp(data, STATREC_MAGIC_V2, STATREC_MAGIC_LEN) == 0) {
		report->version = 2;
	} else if (memcmp(data, STATREC_MAGIC_V1, STATREC_MAGIC_LEN) == 0) {
		report->version = 1;
	} else {
		return false;
	}
	line = data + STATREC_MAGIC_LEN;
	if (!(nl = memchr(line, '\n', (size_t)(end - line))) || (size_t)(nl - line) < 5 ||
	    memcmp(line, "tree ", 5) != 0) {
		return false;
	}
	n = (size_t)(nl - line - 5);
	if (n >= sizeof(report->recorded_tree)) {
		n = sizeof(report->recorded_tree) - 1;
	}
	memcpy(report->recorded_tree, line + 5, n);
	report->recorded_tree[n] = '\0';
	line = nl + 1;
	while (report->version >= 2 && line < end &&
	       (nl = memchr(line, '\n', (size_t)(end - line)))) {
		n = (size_t)(nl - line);
		if (n >= sizeof(text)) {
			break;
		}
		memcpy(text, line, n);
		text[n] = '\0';
		if (strncmp(text, "root ", 5) == 0) {
			if (report->n_ids == STATREC_MAX_IDS ||
			    !parse_id(text + 5, &report->ids[report->n_ids])) {
				return false;
			}
			report->n_ids++;
		} else if (strcmp(text, "partial") == 0) {
			hdr->partial = true;
		} else if (report->version == 3 && strncmp(text, "entries ", 8) == 0) {
			char *stop;

			errno = 0;
			hdr->entries = strtoul(text + 8, &stop, 10);
			if (stop == text + 8 || *stop || errno || hdr->entries == 0) {
				return false;
			}
			line = nl + 1;
			break;
		} else {
			break;
		}
		line = nl + 1;
	}
	hdr->body = (size_t)(line - data);
	/* Format 3 says where its entries start, or that it has none. */
	return report->version < 3 || hdr->partial || hdr->entries > 0;
}

bool
statrec_read_header(const char *record, struct statrec_report *report)
{
	char data[4096];
	struct stat st;
	struct header hdr;
	ssize_t got;
	size_t len = 0;
	char *last;
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
	while (len < sizeof(data) && (got = read(fd, data + len, sizeof(data) - len)) > 0) {
		len += (size_t)got;
	}
	close(fd);
	/* Only whole lines: cut after the last newline read. */
	if (!(last = memrchr(data, '\n', len))) {
		return false;
	}
	len = (size_t)(last + 1 - data);
	return parse_header(data, len, report, &hdr);
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

		if (!parse_line(line, &type, &mode, &size, &sec, &nsec, &consumed)) {
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

struct entry {
	uint32_t mode; /* st_mode bits, flags above */
	uint16_t depth;
	const char *name; /* NUL-terminated inside the record */
	size_t name_len;
	uint64_t size, ino;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
};

static void
read_entry(const unsigned char *p, struct entry *e)
{
	e->mode = get32(p);
	e->name_len = get16(p + 4);
	e->depth = get16(p + 6);
	e->size = get64(p + 8);
	e->mtime_sec = (int64_t)get64(p + 16);
	e->mtime_nsec = get32(p + 24);
	e->ctime_nsec = get32(p + 28);
	e->ctime_sec = (int64_t)get64(p + 32);
	e->ino = get64(p + 40);
	e->name = (const char *)p + ENTRY_FIXED;
}

/*
 * Checks the shape of a format 3 body before anything is stat'ed: every
 * entry whole, the root first and only there, each entry at most one level
 * below the folder before it, names single components.  Also finds where
 * a second thread can start: the first folder past the middle, and the
 * folders above it (*split_chain, offsets; depth of the split at
 * *split_depth).  false: malformed.
 */
static bool
validate(const unsigned char *body, size_t len, size_t count, size_t *split,
	 size_t split_chain[STATREC_MAX_DEPTH + 2], unsigned *split_depth)
{
	size_t chain[STATREC_MAX_DEPTH + 2];
	size_t off = 0, i;
	int folder_depth = -1; /* depth of the innermost open folder */

	*split = 0;
	*split_depth = 0;
	for (i = 0; i < count; i++) {
		struct entry e;
		size_t size;

		if (len - off < ENTRY_FIXED) {
			return false;
		}
		read_entry(body + off, &e);
		size = entry_size(e.name_len);
		if (len - off < size || e.name[e.name_len] != '\0' ||
		    memchr(e.name, '\0', e.name_len) || memchr(e.name, '/', e.name_len) ||
		    e.depth > STATREC_MAX_DEPTH + 1 || (int)e.depth > folder_depth + 1) {
			return false;
		}
		if (i == 0) {
			if (e.depth != 0 || e.name_len != 0 || !S_ISDIR(e.mode)) {
				return false;
			}
		} else if (e.depth == 0 || e.name_len == 0 || strcmp(e.name, ".") == 0 ||
			   strcmp(e.name, "..") == 0 ||
			   (!S_ISDIR(e.mode) && !S_ISREG(e.mode) && !S_ISLNK(e.mode))) {
			return false;
		}
		if (S_ISDIR(e.mode)) {
			if (i > 0 && !*split && i >= count / 2 && e.depth > 0) {
				*split = off;
				*split_depth = e.depth;
				memcpy(split_chain, chain, sizeof(chain[0]) * e.depth);
			}
			chain[e.depth] = off;
			folder_depth = e.depth;
		} else {
			folder_depth = e.depth - 1;
		}
		off += size;
	}
	return off == len;
}

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
			read_entry(r->body + r->chain[d], &e);
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

		read_entry(r->body + off, &e);
		off += entry_size(e.name_len);
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

	if (!validate(body, len, count, &split, chain, &split_depth)) {
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

/* The whole record, NUL-terminated; a symlink is never followed. */
static bool
read_record(const char *record, char **data, size_t *len)
{
	struct stat st;
	size_t cap, used = 0;
	ssize_t got;
	char *buf;
	int fd;

	*data = NULL;
	*len = 0;
	fd = open(record, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATREC_MAX_BYTES) {
		close(fd);
		return false;
	}
	/* One byte more than the size: a record that grew is read whole. */
	cap = (size_t)st.st_size + 1;
	if (!(buf = malloc(cap + 1))) {
		close(fd);
		return false;
	}
	while ((got = read(fd, buf + used, cap - used)) > 0 || (got < 0 && errno == EINTR)) {
		used += got > 0 ? (size_t)got : 0;
		if (used == cap) {
			char *grown;

			if (cap > STATREC_MAX_BYTES || !(grown = realloc(buf, cap * 2 + 1))) {
				free(buf);
				close(fd);
				return false;
			}
			buf = grown;
			cap *= 2;
		}
	}
	close(fd);
	if (got < 0) {
		free(buf);
		return false;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
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
	if (!read_record(record, &data, &len)) {
		return;
	}
	memset(&header, 0, sizeof(header));
	if (!parse_header(data, len, &header, &hdr)) {
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
