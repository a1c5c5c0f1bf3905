/*
 * builder/statrec_format.c - the stat record's bytes: statrec_write() (the
 * walk, the format 3 entries), the ids of a tree's root, the header of
 * formats 1-3, a format 1/2 line, a format 3 entry and the shape of a
 * format 3 body, the record read whole.  The format is described in
 * builder/statrec_private.h; the check is in statrec.c.
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

size_t
statrec_entry_size(size_t name_len)
{
	/* At least one NUL after the name: the check uses it in place. */
	return ENTRY_FIXED + ((name_len + 8) & ~(size_t)7);
}

static void
put_entry(struct gn_buf *buf, const struct stat *st, const char *name, size_t name_len,
	  unsigned depth, unsigned flags)
{
	static const char zeros[8];
	size_t pad = statrec_entry_size(name_len) - ENTRY_FIXED - name_len;

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

/*
 * Parses the text header of a record in data (len bytes; not changed).
 * Fills version, recorded_tree and ids, and hdr.
 */
bool
statrec_parse_header(const char *data, size_t len, struct statrec_report *report,
		     struct header *hdr)
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
	return statrec_parse_header(data, len, report, &hdr);
}

/* "<type> <octal mode> <size> <sec>.<nsec> " (sscanf was a third of the
 * warm-sync time). */
bool
statrec_parse_line(const char *line, char *type, unsigned *mode, long long *size, long long *sec,
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

void
statrec_read_entry(const unsigned char *p, struct entry *e)
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
bool
statrec_validate(const unsigned char *body, size_t len, size_t count, size_t *split,
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
		statrec_read_entry(body + off, &e);
		size = statrec_entry_size(e.name_len);
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

/* The whole record, NUL-terminated; a symlink is never followed. */
bool
statrec_read_record(const char *record, char **data, size_t *len)
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
