/*
 * Secure extraction with libarchive.
 *
 * Every entry passes unpack_check_entry() and the tree's file/folder clash
 * check before anything reaches the disk; libarchive's write_disk then
 * writes it with its own symlink and ".." guards as a second line.
 *
 * Decisions worth knowing (the entry checks: builder/unpack_entry.c):
 * - Paths handed to libarchive are realpath(dest) + "/" + rel: absolute,
 *   so ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be used (names were
 *   already checked to be relative), and resolving dest first keeps
 *   SECURE_SYMLINKS from tripping over symlinks above dest.
 * - Permissions: ARCHIVE_EXTRACT_PERM applies the entry's bits with chmod
 *   after creation, so the process umask does not change file or folder
 *   modes.  We mask them to 0755: no setuid/setgid/sticky, and nobody but
 *   the owner may write (the tree hash only sees the exec bit, so a
 *   world-writable GOROOT would go unnoticed by verify).  Folders the
 *   archive does not list are made 0755 here (libarchive would use
 *   0777 & ~umask).  Listed folders are created owner-writable and get
 *   their own mode when libarchive closes the writer.  Nothing is chowned.
 * - The expansion limit counts file bytes (holes included) in both modes.
 * - libarchive converts UTF-8 names (zip's UTF-8 flag, pax) to the current
 *   locale, and fails in the C locale.  This thread runs the extraction in
 *   C.UTF-8 (uselocale, thread-local), so names stay the archive's bytes
 *   and the tree hash does not depend on the user's locale.
 */
#include "builder/unpack_private.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
write_error(struct unpacker *u, struct gn_error *err)
{
	const char *msg = archive_error_string(u->aw);
	int errnum = archive_errno(u->aw);

	if (errnum > 0 && (!msg || !strstr(msg, strerror(errnum)))) {
		return gn_error_set(err, GN_E_IO, "cannot write %s: %s (%s)", u->full.data,
				    msg ? msg : "write failed", strerror(errnum));
	}
	return gn_error_set(err, GN_E_IO, "cannot write %s: %s", u->full.data,
			    msg ? msg : "unknown error");
}

static int
too_big(struct unpacker *u, struct gn_error *err)
{
	return gn_error_at(err, GN_E_UNSAFE, u->name, 0, 0,
			   "expands past %" PRId64 " bytes (at entry 'go/%s')", u->opts->max_bytes,
			   u->rel.data);
}

/* Folders above rel: created 0755 when missing, never through a symlink. */
static int
make_parents(struct unpacker *u, struct gn_error *err)
{
	const char *rel = u->rel.data;
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	int fd = u->dest_fd, rc = 0;
	char name[NAME_MAX + 1];

	if (len == 0 || (u->last_parent.len == len && memcmp(u->last_parent.data, rel, len) == 0)) {
		return 0;
	}
	for (const char *p = rel; p < rel + len;) {
		const char *end = memchr(p, '/', (size_t)(rel + len - p));
		size_t n = end ? (size_t)(end - p) : (size_t)(rel + len - p);
		int next;
		if (n > NAME_MAX) {
			rc = gn_error_set(err, GN_E_IO, "%s/%s: name too long", u->dest, rel);
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (mkdirat(fd, name, 0755) == 0) {
			/* mkdir applied the umask; the contract says 0755. */
			if (fchmodat(fd, name, 0755, 0) != 0) {
				rc = gn_error_set(err, GN_E_IO, "cannot chmod %s/%.*s: %s", u->dest,
						  (int)(p + n - rel), rel, strerror(errno));
				break;
			}
		} else if (errno != EEXIST) {
			rc = gn_error_set(err, GN_E_IO, "cannot create %s/%.*s: %s", u->dest,
					  (int)(p + n - rel), rel, strerror(errno));
			break;
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot open folder %s/%.*s: %s", u->dest,
					  (int)(p + n - rel), rel, strerror(errno));
			break;
		}
		if (fd != u->dest_fd) {
			close(fd);
		}
		fd = next;
		p += n + 1;
	}
	if (fd != u->dest_fd) {
		close(fd);
	}
	if (rc == 0) {
		gn_buf_reset(&u->last_parent);
		gn_buf_append(&u->last_parent, rel, len);
		if (u->last_parent.failed) {
			rc = gn_error_nomem(err);
		}
	}
	return rc;
}

static int
write_header(struct unpacker *u, struct archive_entry *entry, struct gn_error *err)
{
	int r, rc;

	gn_buf_reset(&u->full);
	gn_buf_printf(&u->full, "%s/%s", u->dest, u->rel.data);
	if (u->full.failed) {
		return gn_error_nomem(err);
	}
	/* Before libarchive would make them with 0777 & ~umask. */
	rc = make_parents(u, err);
	if (rc != 0) {
		return rc;
	}
	archive_entry_set_pathname(entry, u->full.data);
	archive_entry_set_perm(entry, archive_entry_perm(entry) & 0755);
	/* Writes are strict: libarchive reports a failed write(2) (ENOSPC,
	 * EIO), a short file or a mode it could not set as ARCHIVE_WARN, and
	 * the tree hash, computed from the archive's bytes, would not notice. */
	r = archive_write_header(u->aw, entry);
	if (r != ARCHIVE_OK) {
		return write_error(u, err);
	}
	return 0;
}

static const uint8_t zeros[64 * 1024];

/* Feeds bytes into the blob (or the buffer when the size is unknown). */
static void
feed(struct unpacker *u, struct gn_sha256 *h, bool sized, const void *data, size_t len)
{
	if (sized) {
		gn_sha256_update(h, data, len);
	} else {
		gn_buf_append(&u->data, data, len);
	}
}

static void
feed_zeros(struct unpacker *u, struct gn_sha256 *h, bool sized, uint64_t n)
{
	while (n > 0) {
		size_t chunk = n > sizeof(zeros) ? sizeof(zeros) : (size_t)n;
		feed(u, h, sized, zeros, chunk);
		n -= chunk;
	}
}

/* The entry's data blocks: into the blob hash and, when writing, the file.
 * *pos: the offset after the last block. */
static int
copy_blocks(struct unpacker *u, struct gn_sha256 *h, bool sized, int64_t *pos,
	    struct gn_error *err)
{
	int64_t max = u->opts->max_bytes;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t offset;
		int r = archive_read_data_block(u->ar, &buf, &len, &offset);
		if (r == ARCHIVE_EOF) {
			return 0;
		}
		if (r < ARCHIVE_WARN) {
			return unpack_read_error(u, err);
		}
		if (offset < *pos) {
			return gn_error_at(err, GN_E_INTEGRITY, u->name, 0, 0,
					   "entry 'go/%s' has overlapping data", u->rel.data);
		}
		/* Holes of sparse entries are zeros in the blob. */
		u->total += offset - *pos;
		u->total += (int64_t)len;
		if (max > 0 && u->total > max) {
			return too_big(u, err);
		}
		feed_zeros(u, h, sized, (uint64_t)(offset - *pos));
		feed(u, h, sized, buf, len);
		if (u->aw && archive_write_data_block(u->aw, buf, len, offset) != ARCHIVE_OK) {
			return write_error(u, err);
		}
		*pos = offset + (int64_t)len;
	}
}

/* A sized entry's trailing hole, then its length against its header. */
static int
check_size(struct unpacker *u, struct gn_sha256 *h, int64_t size, int64_t *pos,
	   struct gn_error *err)
{
	int64_t max = u->opts->max_bytes;

	if (*pos < size) {
		u->total += size - *pos;
		if (max > 0 && u->total > max) {
			return too_big(u, err);
		}
		feed_zeros(u, h, true, (uint64_t)(size - *pos));
		*pos = size;
	}
	if (*pos != size) {
		return gn_error_at(err, GN_E_INTEGRITY, u->name, 0, 0,
				   "entry 'go/%s' holds %" PRId64
				   " bytes, its header says %" PRId64,
				   u->rel.data, *pos, size);
	}
	return 0;
}

static int
copy_file(struct unpacker *u, struct archive_entry *entry, uint8_t id[GN_SHA256_LEN],
	  int64_t *size_out, struct gn_error *err)
{
	bool sized = archive_entry_size_is_set(entry);
	int64_t size = sized ? archive_entry_size(entry) : -1;
	int64_t max = u->opts->max_bytes;
	int64_t pos = 0;
	struct gn_sha256 h = {0};
	int rc = 0;

	if (sized && size < 0) {
		return gn_error_at(err, GN_E_INTEGRITY, u->name, 0, 0,
				   "entry 'go/%s' has a negative size", u->rel.data);
	}
	if (sized && max > 0 && size > max - u->total) {
		return too_big(u, err);
	}
	if (sized && tree_blob_begin(&h, (uint64_t)size) != 0) {
		return gn_error_nomem(err);
	}
	gn_buf_reset(&u->data);
	rc = copy_blocks(u, &h, sized, &pos, err);
	if (rc == 0 && sized) {
		rc = check_size(u, &h, size, &pos, err);
	}
	if (rc != 0) {
		goto out;
	}
	if (u->data.failed) {
		rc = gn_error_nomem(err);
		goto out;
	}
	if (sized) {
		gn_sha256_final(&h, id);
	} else {
		tree_blob_id(u->data.data, u->data.len, id);
	}
	*size_out = pos;
out:
	gn_sha256_dispose(&h);
	return rc;
}

static int
finish_entry(struct unpacker *u, struct gn_error *err)
{
	if (u->aw && archive_write_finish_entry(u->aw) != ARCHIVE_OK) {
		return write_error(u, err);
	}
	return 0;
}

/* The entry's name, checked, into u->rel (without top/ and a trailing
 * slash).  0, or -code with err set. */
static int
take_name(struct unpacker *u, struct archive_entry *entry, struct gn_error *err)
{
	const struct unpack_opts *opts = u->opts;
	const char *pathname = archive_entry_pathname(entry);
	const char *rel;
	int rc;

	if (!pathname) {
		return gn_error_at(err, GN_E_UNSAFE, u->name, 0, 0,
				   "entry with a name that cannot be read");
	}
	rc = unpack_check_entry_under(opts->top ? opts->top : "go", pathname,
				      archive_entry_filetype(entry), archive_entry_symlink(entry),
				      archive_entry_hardlink(entry), &rel, err);
	if (rc != 0) {
		gn_error_file(err, u->name);
		return rc;
	}
	gn_buf_reset(&u->rel);
	gn_buf_puts(&u->rel, rel);
	if (u->rel.failed) {
		return gn_error_nomem(err);
	}
	if (u->rel.len && u->rel.data[u->rel.len - 1] == '/') {
		u->rel.data[--u->rel.len] = '\0';
	}
	return 0;
}

/* A folder (link_id NULL) or a symlink: into the tree, then (when
 * writing) onto the disk. */
static int
put_dir_or_link(struct unpacker *u, struct archive_entry *entry,
		const uint8_t link_id[GN_SHA256_LEN], struct gn_error *err)
{
	int rc = link_id ? tree_put(u->tree, u->rel.data, TREE_LINK, link_id, err)
			 : tree_put_dir(u->tree, u->rel.data, err);

	if (rc == 0 && u->aw) {
		rc = write_header(u, entry, err);
		if (rc == 0) {
			rc = finish_entry(u, err);
		}
	}
	return rc;
}

static int
put_file(struct unpacker *u, struct archive_entry *entry, struct unpack_entry *done,
	 struct gn_error *err)
{
	uint8_t id[GN_SHA256_LEN] = {0};
	int rc;

	done->mode = (archive_entry_perm(entry) & 0100) ? TREE_EXEC : TREE_FILE;
	/* Claim the path first: a file/folder clash is refused before any write. */
	rc = tree_put(u->tree, u->rel.data, done->mode, id, err);
	if (rc == 0 && u->aw) {
		rc = write_header(u, entry, err);
	}
	if (rc == 0) {
		rc = copy_file(u, entry, id, &done->size, err);
	}
	if (rc == 0) {
		rc = finish_entry(u, err);
	}
	if (rc == 0) {
		rc = tree_put(u->tree, u->rel.data, done->mode, id, err);
	}
	return rc;
}

static int
do_entry(struct unpacker *u, struct archive_entry *entry, struct gn_error *err)
{
	const struct unpack_opts *opts = u->opts;
	unsigned int type = archive_entry_filetype(entry);
	const char *target = archive_entry_symlink(entry);
	struct unpack_entry done = {0};
	uint8_t id[GN_SHA256_LEN] = {0};
	int rc;

	rc = take_name(u, entry, err);
	if (rc != 0) {
		return rc;
	}
	if (u->rel.len == 0) {
		return 0; /* go/ itself: dest already exists */
	}
	if (opts->want && !opts->want(opts->user, u->rel.data, type == AE_IFDIR)) {
		return 0;
	}

	if (type == AE_IFDIR) {
		rc = put_dir_or_link(u, entry, NULL, err);
		if (rc != 0) {
			gn_error_file(err, u->name);
		}
		return rc;
	}

	done.path = u->rel.data;
	done.mtime = archive_entry_mtime(entry);
	if (type == AE_IFLNK) {
		done.mode = TREE_LINK;
		done.size = (int64_t)strlen(target);
		tree_blob_id(target, strlen(target), id);
		rc = put_dir_or_link(u, entry, id, err);
	} else {
		rc = put_file(u, entry, &done, err);
	}
	if (rc != 0) {
		if (!err || !err->file[0]) {
			gn_error_file(err, u->name);
		}
		return rc;
	}
	if (opts->wrote) {
		opts->wrote(opts->user, &done);
	}
	return 0;
}

static int
open_writer(struct unpacker *u, struct gn_error *err)
{
	const char *dest = u->opts->dest;

	u->dest = realpath(dest, NULL);
	if (!u->dest) {
		return gn_error_set(err, GN_E_IO, "cannot resolve %s: %s", dest, strerror(errno));
	}
	u->dest_fd = open(u->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->dest_fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open folder %s: %s", dest,
				    strerror(errno));
	}
	/* Note: archive_write_disk_new() reads the umask by setting it briefly. */
	u->aw = archive_write_disk_new();
	if (!u->aw) {
		return gn_error_nomem(err);
	}
	/* No ARCHIVE_EXTRACT_UNLINK: the folder starts empty, and libarchive
	 * still unlinks a file in the way of a later duplicate entry. */
	archive_write_disk_set_options(
		u->aw, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			       (u->opts->fresh_dest && u->opts->tree ? 0
								     : ARCHIVE_EXTRACT_SECURE_SYMLINKS) |
			       ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME);
	return 0;
}

/* The archive opened for reading and, with opts->dest, the folder for
 * writing.  0, or -code with err set (unpack_run cleans up). */
static int
unpacker_open(struct unpacker *u, struct gn_error *err)
{
	u->src.buf = malloc(READ_BUF);
	if (!u->src.buf) {
		return gn_error_nomem(err);
	}
	/* Archives come from the cache, which never reads through a link. */
	u->src.fd = open(u->opts->archive, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (u->src.fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open %s: %s", u->opts->archive,
				    strerror(errno));
	}
	if (u->opts->dest) {
		int rc = open_writer(u, err);

		if (rc != 0) {
			return rc;
		}
	}
	return unpack_open_reader(u, err);
}

/* Every entry, in archive order.  0, or -code with err set. */
static int
read_entries(struct unpacker *u, struct gn_error *err)
{
	int rc;

	for (int64_t entries = 0;; entries++) {
		struct archive_entry *entry;
		int r;

		if (gn_cancelled(u->opts->events)) {
			return gn_error_set(err, GN_E_INTERRUPTED, "interrupted while unpacking %s",
					    u->name);
		}
		r = archive_read_next_header(u->ar, &entry);
		if (r == ARCHIVE_EOF) {
			break;
		}
		if (r < ARCHIVE_WARN) {
			return unpack_read_error(u, err);
		}
		/* Counted before the entry's inode exists, wanted or not. */
		if (entries >= UNPACK_MAX_ENTRIES) {
			rc = gn_error_set(err, GN_E_UNSAFE,
					  "more than %d entries, the limit (a Go "
					  "distribution has about 15,000)",
					  UNPACK_MAX_ENTRIES);
			gn_error_file(err, u->name);
			return rc;
		}
		rc = do_entry(u, entry, err);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

static int
unpack_run(const struct unpack_opts *opts, struct gn_error *err)
{
	struct unpacker u = {.opts = opts, .dest_fd = -1};
	struct tree *own = NULL;
	int rc = 0;

	u.name = opts->name ? opts->name : opts->archive;
	u.src.fd = -1;
	gn_buf_init(&u.full);
	gn_buf_init(&u.rel);
	gn_buf_init(&u.last_parent);
	gn_buf_init(&u.data);
	if (opts->expect_sha256 && !gn_is_sha256_hex(opts->expect_sha256)) {
		return gn_error_set(err, GN_E_USAGE, "expected sha256 '%s' is not 64 hex digits",
				    opts->expect_sha256);
	}
	u.tree = opts->tree;
	if (!u.tree) {
		/* Still needed: it catches file/folder clashes before they reach the disk. */
		u.tree = own = tree_new();
		if (!own) {
			return gn_error_nomem(err);
		}
	}
	rc = unpacker_open(&u, err);
	if (rc == 0) {
		rc = read_entries(&u, err);
	}
	if (rc != 0) {
		goto out;
	}
	if (u.aw && archive_write_close(u.aw) != ARCHIVE_OK) {
		rc = gn_error_set(err, GN_E_IO, "cannot finish %s: %s", opts->dest,
				  archive_error_string(u.aw));
		goto out;
	}
out:
	rc = unpack_reader_finish(&u, rc, err);
	unpack_reader_close(&u);
	if (u.aw) {
		/* After a failure this still applies libarchive's folder fixups. */
		archive_write_free(u.aw);
	}
	if (u.dest_fd >= 0) {
		close(u.dest_fd);
	}
	free(u.dest);
	gn_buf_free(&u.full);
	gn_buf_free(&u.rel);
	gn_buf_free(&u.last_parent);
	gn_buf_free(&u.data);
	tree_free(own);
	return rc;
}

int
unpack_archive(const struct unpack_opts *opts, struct gn_error *err)
{
	static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8", "UTF-8"};
	locale_t utf8 = (locale_t)0;
	locale_t saved = (locale_t)0;
	int rc;

	for (size_t i = 0; !utf8 && i < sizeof(names) / sizeof(names[0]); i++) {
		utf8 = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
	}
	if (utf8) {
		saved = uselocale(utf8);
	}
	rc = unpack_run(opts, err);
	if (utf8) {
		uselocale(saved);
		freelocale(utf8);
	}
	return rc;
}
