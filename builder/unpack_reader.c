/*
 * builder/unpack_reader.c - the archive reader of builder/unpack.c.
 *
 * Our own read callbacks, so every raw byte passes the sha256 once: a tar
 * (gzip through ISA-L when this build has it, xz through libarchive) is
 * streamed without seeking; a zip, whose central directory is read by
 * seeking, is hashed whole first.  A digest that no longer matches the
 * verified one explains any failure better than its symptom.
 */
#include "builder/unpack_private.h"

#include "builder/inflate.h"

#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static la_ssize_t
source_read(struct archive *a, void *data, const void **out)
{
	struct source *s = data;
	ssize_t n;

	if (s->gz) {
		/* The stream's own block: no copy of the inflated bytes. */
		n = inflate_next(s->gz, out, &s->gz_err);
		if (n < 0) {
			archive_set_error(a, EINVAL, "%s", s->gz_err.message);
			return -1;
		}
		return n;
	}
	do {
		n = read(s->fd, s->buf, READ_BUF);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->read_errno = errno;
		archive_set_error(a, errno, "read failed");
		return -1;
	}
	if (s->hashing) {
		gn_sha256_update(&s->h, s->buf, (size_t)n);
	}
	*out = s->buf;
	return n;
}

static la_int64_t
source_seek(struct archive *a, void *data, la_int64_t offset, int whence)
{
	struct source *s = data;
	off_t pos = lseek(s->fd, (off_t)offset, whence);

	if (pos < 0) {
		archive_set_error(a, errno, "seek failed");
		return ARCHIVE_FATAL;
	}
	return pos;
}

/* Reads whatever is left and hashes it, so the digest covers the whole file. */
static int
source_drain(struct source *s)
{
	if (s->gz) {
		if (inflate_drain(s->gz, &s->gz_err) < 0) {
			s->read_errno = EIO;
			return -1;
		}
		return 0;
	}
	for (;;) {
		ssize_t n = read(s->fd, s->buf, READ_BUF);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			s->read_errno = errno;
			return -1;
		}
		if (n == 0) {
			return 0;
		}
		gn_sha256_update(&s->h, s->buf, (size_t)n);
	}
}

static int
check_digest(struct source *s, const struct unpack_opts *opts, struct gn_error *err)
{
	uint8_t got[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX];

	gn_sha256_final(&s->h, got);
	s->hashing = false;
	gn_hex_encode(got, GN_SHA256_LEN, hex);
	if (strcmp(hex, opts->expect_sha256) != 0) {
		gn_error_set(err, GN_E_INTEGRITY, "sha256 of %s changed since it was verified",
			     opts->archive);
		gn_error_file(err, opts->name ? opts->name : opts->archive);
		gn_error_values(err, opts->expect_sha256, hex);
		return -GN_E_INTEGRITY;
	}
	return 0;
}

int
unpack_read_error(struct unpacker *u, struct gn_error *err)
{
	if (u->src.read_errno) {
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", u->opts->archive,
				    strerror(u->src.read_errno));
	}
	return gn_error_at(err, GN_E_INTEGRITY, u->name, 0, 0, "corrupt archive: %s",
			   archive_error_string(u->ar));
}

int
unpack_open_reader(struct unpacker *u, struct gn_error *err)
{
	const struct unpack_opts *opts = u->opts;
	unsigned char magic[4] = {0};
	bool zip;
	int r;

	if (pread(u->src.fd, magic, sizeof(magic), 0) < 0) {
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", opts->archive,
				    strerror(errno));
	}
	zip = magic[0] == 'P' && magic[1] == 'K';
	u->ar = archive_read_new();
	if (!u->ar) {
		return gn_error_nomem(err);
	}
	if (opts->expect_sha256) {
		if (gn_sha256_init(&u->src.h) != 0) {
			return gn_error_nomem(err);
		}
		u->src.hashing = true;
	}
	if (zip) {
		/* The central directory is read by seeking: check the digest first. */
		if (opts->expect_sha256) {
			int rc;
			if (source_drain(&u->src) != 0) {
				return gn_error_set(err, GN_E_IO, "cannot read %s: %s",
						    opts->archive, strerror(u->src.read_errno));
			}
			rc = check_digest(&u->src, opts, err);
			if (rc != 0) {
				return rc;
			}
			if (lseek(u->src.fd, 0, SEEK_SET) != 0) {
				return gn_error_set(err, GN_E_IO, "cannot seek %s: %s",
						    opts->archive, strerror(errno));
			}
		}
		archive_read_support_format_zip_seekable(u->ar);
		archive_read_set_seek_callback(u->ar, source_seek);
	} else {
		/* Streamed: no seek or skip callback, so every byte passes the hash once.
		 * gzip goes through ISA-L when this build has it (4x zlib's speed). */
		if (magic[0] == 0x1f && magic[1] == 0x8b && inflate_available()) {
			u->src.gz = inflate_open(u->src.fd, opts->expect_sha256 ? &u->src.h : NULL,
						 u->name, err);
			if (!u->src.gz) {
				return -GN_E_NOMEM;
			}
			u->src.hashing = false; /* the inflate stream feeds the hash now */
		} else if (magic[0] == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X') {
			/* .tar.xz (Zig): libarchive's liblzma filter, still streamed
			 * through source_read, so the hash sees every byte once. */
			if (archive_read_support_filter_xz(u->ar) != ARCHIVE_OK) {
				return gn_error_set(err, GN_E_IO,
						    "this libarchive cannot read .xz: %s",
						    archive_error_string(u->ar));
			}
		} else {
			archive_read_support_filter_gzip(u->ar);
		}
		archive_read_support_format_tar(u->ar);
	}
	archive_read_set_read_callback(u->ar, source_read);
	archive_read_set_callback_data(u->ar, &u->src);
	r = archive_read_open1(u->ar);
	if (r != ARCHIVE_OK) {
		return unpack_read_error(u, err);
	}
	return 0;
}

/*
 * The end of a run that ended with rc: the rest of the archive is hashed
 * and checked (a tampered cache file explains any failure better than its
 * symptom).  Returns rc, or the read or integrity failure with err set.
 */
int
unpack_reader_finish(struct unpacker *u, int rc, struct gn_error *err)
{
	struct gn_error mismatch;

	if (!(u->src.hashing || (u->src.gz && u->opts->expect_sha256)) || u->src.fd < 0 ||
	    rc == -GN_E_INTERRUPTED) {
		return rc;
	}
	if (source_drain(&u->src) != 0) {
		if (rc == 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot read %s: %s", u->opts->archive,
					  strerror(u->src.read_errno));
		}
		return rc;
	}
	gn_error_clear(&mismatch);
	if (check_digest(&u->src, u->opts, &mismatch) != 0) {
		if (err) {
			*err = mismatch;
		}
		rc = -GN_E_INTEGRITY;
	}
	return rc;
}

/* Frees the reader and closes the archive. */
void
unpack_reader_close(struct unpacker *u)
{
	/* First: its read-ahead thread may still be feeding the hash. */
	if (u->src.gz) {
		inflate_close(u->src.gz);
	}
	gn_sha256_dispose(&u->src.h);
	if (u->ar) {
		archive_read_free(u->ar);
	}
	if (u->src.fd >= 0) {
		close(u->src.fd);
	}
	free(u->src.buf);
}
