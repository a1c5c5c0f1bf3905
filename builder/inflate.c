#include "builder/inflate.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef INFLATE_HAVE_ISAL
#include <isa-l/igzip_lib.h>

#define INFLATE_IN_BUF (256 * 1024)

/*
 * Read-ahead: a second thread reads, hashes and inflates into a ring of
 * blocks while the caller parses and writes the previous ones, so inflate
 * (about 40 % of a cold sync's CPU) overlaps the rest on a second core.
 * The bytes and their order are the same as without it; only the caller's
 * thread ever sees them, after the producer has let go of the block.
 */
#define INFLATE_SLOTS 4
#define INFLATE_SLOT (1024 * 1024)

struct inflate_stream {
	int fd;
	struct gn_sha256 *hash;
	const char *name;
	struct inflate_state state;
	bool eof;      /* fd has no more bytes */
	bool finished; /* last member done */
	uint8_t in[INFLATE_IN_BUF];

	/* Read-ahead, when the thread could be started. */
	bool threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *slot[INFLATE_SLOTS];
	size_t slot_len[INFLATE_SLOTS];
	size_t head, count; /* filled slots, oldest first, the held one included */
	bool held;	    /* the caller reads slot[head] */
	bool done;	    /* the producer stopped: end of data or error */
	bool failed;	    /* ... with error */
	bool stop;	    /* the caller wants no more */
	struct gn_error error;
};

static ssize_t inflate_read(struct inflate_stream *s, void *out, size_t len,
			    struct gn_error *err);

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
		gn_error_nomem(err);
		return NULL;
	}
	memset(s, 0, offsetof(struct inflate_stream, in));
	memset(&s->threaded, 0, sizeof(*s) - offsetof(struct inflate_stream, threaded));
	s->fd = fd;
	s->hash = hash;
	s->name = name;
	isal_inflate_init(&s->state);
	s->state.crc_flag = ISAL_GZIP;
	return s;
}

/* The producer: fills free slots until the data ends, fails or the caller
 * stops it.  It alone touches fd, the hash and the inflate state. */
static void *
produce(void *arg)
{
	struct inflate_stream *s = arg;

	for (;;) {
		size_t slot, filled = 0;
		ssize_t n = 0;
		struct gn_error err;

		pthread_mutex_lock(&s->mu);
		while (s->count == INFLATE_SLOTS && !s->stop) {
			pthread_cond_wait(&s->cv, &s->mu);
		}
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		slot = (s->head + s->count) % INFLATE_SLOTS;
		pthread_mutex_unlock(&s->mu);

		gn_error_clear(&err);
		while (filled < INFLATE_SLOT &&
		       (n = inflate_read(s, s->slot[slot] + filled, INFLATE_SLOT - filled, &err)) > 0) {
			filled += (size_t)n;
		}
		pthread_mutex_lock(&s->mu);
		if (filled > 0) {
			s->slot_len[slot] = filled;
			s->count++;
		}
		if (n <= 0) {
			s->done = true;
			s->failed = n < 0;
			s->error = err;
		}
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (n <= 0) {
			break;
		}
	}
	return NULL;
}

static bool
start(struct inflate_stream *s)
{
	sigset_t all, old;
	bool ok;

	for (size_t i = 0; i < INFLATE_SLOTS; i++) {
		if (!(s->slot[i] = malloc(INFLATE_SLOT))) {
			return false;
		}
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		return false;
	}
	if (pthread_cond_init(&s->cv, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		return false;
	}
	/* Signals (SIGINT and friends) stay with the caller's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&s->thread, NULL, produce, s) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
	}
	return ok;
}

static void
stop(struct inflate_stream *s)
{
	if (!s->threaded) {
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->threaded = false;
	s->done = true;
}

ssize_t
inflate_next(struct inflate_stream *s, const void **out, struct gn_error *err)
{
	ssize_t n;

	if (!s->threaded && !s->done) {
		/* First call: start reading ahead; without a thread, read here. */
		/* done belongs to the producer once it runs: set it only when
		 * there is none. */
		s->threaded = start(s);
		if (!s->threaded) {
			s->done = true;
		}
		if (!s->threaded && !s->slot[0] && !(s->slot[0] = malloc(INFLATE_SLOT))) {
			gn_error_nomem(err);
			return -1;
		}
	}
	if (!s->threaded) {
		n = inflate_read(s, s->slot[0], INFLATE_SLOT, err);
		*out = s->slot[0];
		return n;
	}
	pthread_mutex_lock(&s->mu);
	if (s->held) {
		s->head = (s->head + 1) % INFLATE_SLOTS;
		s->count--;
		s->held = false;
		pthread_cond_broadcast(&s->cv);
	}
	while (s->count == 0 && !s->done) {
		pthread_cond_wait(&s->cv, &s->mu);
	}
	if (s->count > 0) {
		*out = s->slot[s->head];
		n = (ssize_t)s->slot_len[s->head];
		s->held = true;
	} else if (s->failed) {
		*err = s->error;
		n = -1;
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
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

static ssize_t
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
	/* The producer stops where it is; the rest is read and hashed here. */
	stop(s);
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
	if (!s) {
		return;
	}
	stop(s);
	for (size_t i = 0; i < INFLATE_SLOTS; i++) {
		free(s->slot[i]);
	}
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
inflate_next(struct inflate_stream *s, const void **out, struct gn_error *err)
{
	(void)s;
	*out = NULL;
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
