#include "builder/inflate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef INFLATE_HAVE_ISAL
#include <isa-l/igzip_lib.h>

#define INFLATE_IN_BUF (256 * 1024)

struct inflate_stream {
	int fd;
	struct gn_sha256 *hash;
	const char *name;
	struct inflate_state state;
	bool eof;      /* fd has no more bytes */
	bool finished; /* last member done */
	uint8_t in[INFLATE_IN_BUF];
};

bool
inflate_available(void)
{
	return true;
}

struct inflate_stream *
inflate_open(int fd, struct gn_sha256 *hash, const char *name, struct gn_error *err)
{
	struct inflate_stream *s = malloc(sizeof(*s));

	if (!s) {
		gn_error_set(err, GN_E_NOMEM, "out of memory");
		return NULL;
	}
	memset(s, 0, offsetof(struct inflate_stream, in));
	s->fd = fd;
	s->hash = hash;
	s->name = name;
	isal_inflate_init(&s->state);
	s->state.crc_flag = ISAL_GZIP;
	return s;
}

/* Refill the input buffer; false at end of file or on error (err set). */
static int
fill(struct inflate_stream *s, struct gn_error *err)
{
	ssize_t n;

	do {
		n = read(s->fd, s->in, sizeof(s->in));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return gn_error_set(err, GN_E_IO, "%s: cannot read: %s", s->name, strerror(errno));
	}
	if (n == 0) {
		s->eof = true;
		return 0;
	}
	if (s->hash) {
		gn_sha256_update(s->hash, s->in, (size_t)n);
	}
	s->state.next_in = s->in;
	s->state.avail_in = (uint32_t)n;
	return 0;
}

ssize_t
inflate_read(struct inflate_stream *s, void *out, size_t len, struct gn_error *err)
{
	uint8_t *dst = out;
	size_t produced = 0;

	if (len > UINT32_MAX) {
		len = UINT32_MAX;
	}
	while (produced == 0 && !s->finished) {
		int rc;

		if (s->state.block_state == ISAL_BLOCK_FINISH) {
			/* A member ended: another may follow (gzip allows several). */
			if (s->state.avail_in == 0 && !s->eof && fill(s, err) < 0) {
				return -1;
			}
			if (s->state.avail_in == 0) {
				s->finished = true;
				break;
			}
			{
				uint8_t *next = s->state.next_in;
				uint32_t avail = s->state.avail_in;

				isal_inflate_reset(&s->state);
				s->state.crc_flag = ISAL_GZIP;
				s->state.next_in = next;
				s->state.avail_in = avail;
			}
		}
		if (s->state.avail_in == 0 && !s->eof && fill(s, err) < 0) {
			return -1;
		}
		s->state.next_out = dst;
		s->state.avail_out = (uint32_t)len;
		rc = isal_inflate(&s->state);
		if (rc < 0) {
			gn_error_set(err, GN_E_INTEGRITY, "%s: corrupt gzip data (ISA-L error %d)",
				     s->name, rc);
			return -1;
		}
		produced = len - s->state.avail_out;
		if (produced == 0 && s->state.avail_in == 0 && s->eof &&
		    s->state.block_state != ISAL_BLOCK_FINISH) {
			gn_error_set(err, GN_E_INTEGRITY, "%s: gzip data ends too early", s->name);
			return -1;
		}
	}
	return (ssize_t)produced;
}

int
inflate_drain(struct inflate_stream *s, struct gn_error *err)
{
	s->state.avail_in = 0;
	while (!s->eof) {
		if (fill(s, err) < 0) {
			return -GN_E_IO;
		}
	}
	return 0;
}

void
inflate_close(struct inflate_stream *s)
{
	free(s);
}

#else /* !INFLATE_HAVE_ISAL */

bool
inflate_available(void)
{
	return false;
}

struct inflate_stream *
inflate_open(int fd, struct gn_sha256 *hash, const char *name, struct gn_error *err)
{
	(void)fd;
	(void)hash;
	gn_error_set(err, GN_E_IO, "%s: built without ISA-L", name);
	return NULL;
}

ssize_t
inflate_read(struct inflate_stream *s, void *out, size_t len, struct gn_error *err)
{
	(void)s;
	(void)out;
	(void)len;
	gn_error_set(err, GN_E_IO, "built without ISA-L");
	return -1;
}

int
inflate_drain(struct inflate_stream *s, struct gn_error *err)
{
	(void)s;
	(void)err;
	return 0;
}

void
inflate_close(struct inflate_stream *s)
{
	(void)s;
}

#endif
