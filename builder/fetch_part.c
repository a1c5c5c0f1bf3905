/*
 * builder/fetch_part.c - the part file: resume, checks, rename into place.
 *
 * Resume: a request whose caller named the part file (req->part) and whose
 * size is known keeps a part that holds only good-so-far bytes (a cut-off
 * body, a timeout, a killed process) and continues it with "Range:
 * bytes=N-".  The bytes already there are hashed first, so the final sha256
 * still covers the whole file.  A 206 must say it starts at N; a 200 means
 * the server ignored the range, and its body replaces the part.  When a
 * resumed file fails its size or sha256 check (the old bytes were not what
 * they seemed), the part is dropped and the same URL is fetched once more
 * from byte 0; only that fresh download can blame the mirror.  Parts that
 * got wrong bytes are always removed.  The default part ("<dest>.part") is
 * never resumed: anything may have left it there.
 */
#include "builder/fetch_private.h"

#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdarg.h>
#include <sys/stat.h>

bool
fetch_resumable(const struct payload *p)
{
	return p->req->part && p->req->size > 0 && !p->no_resume;
}

/* Does a 206's Content-Range continue exactly where the part ends? */
static bool
range_continues(struct payload *p)
{
	struct curl_header *h = NULL;
	long long start, end, total;
	char star;

	if (curl_easy_header(p->easy, "Content-Range", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
	    !h) {
		return false;
	}
	if (sscanf(h->value, "bytes %lld-%lld/%lld", &start, &end, &total) == 3) {
		return start == p->resume_from && end >= start && total == p->req->size;
	}
	if (sscanf(h->value, "bytes %lld-%lld/%c", &start, &end, &star) == 3 && star == '*') {
		return start == p->resume_from && end >= start;
	}
	return false;
}

/* The first body chunk of a resumed attempt: 206 appends, 200 starts over
 * (the server ignored the range), file:// (status 0) was served from the
 * offset.  -1 stops the transfer. */
int
fetch_resume_answer(struct payload *p, long status)
{
	if (status == 206) {
		if (!range_continues(p)) {
			p->range_bad = true;
			return -1;
		}
		return 0;
	}
	if (status == 0) {
		return 0;
	}
	if (ftruncate(p->fd, 0) != 0 || lseek(p->fd, 0, SEEK_SET) != 0) {
		p->write_errno = errno;
		return -1;
	}
	gn_sha256_dispose(&p->sha);
	if (gn_sha256_init(&p->sha) < 0) {
		p->write_errno = ENOMEM;
		return -1;
	}
	p->received = 0;
	p->resume_from = 0;
	return 0;
}


/*
 * " (served by URL after a redirect)" when the bytes came from elsewhere
 * than the URL asked for, else "": the error names both (its url: field
 * stays the requested one, which is what the manifest lists).
 */
static void
served_by(struct payload *p, char *out, size_t len)
{
	const char *effective = NULL;

	out[0] = '\0';
	if (p->easy && curl_easy_getinfo(p->easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
	    effective && strcmp(effective, p->req->urls[p->url]) != 0) {
		snprintf(out, len, " (served by %s after a redirect)", effective);
	}
}

void
fetch_bad_bytes(struct payload *p, const char *expected, const char *got, const char *fmt, ...)
{
	char why[GN_ERR_TEXT / 2], via[GN_ERR_TEXT / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	served_by(p, via, sizeof(via));
	fetch_set_why(p, "%s%s", why, via);
	p->bad_bytes = true;
	p->attempt_bad = true;
	gn_error_clear(&p->bad_bytes_err);
	gn_error_set(&p->bad_bytes_err, GN_E_INTEGRITY, "%s: %s%s", p->req->name, why, via);
	gn_error_url(&p->bad_bytes_err, p->req->urls[p->url]);
	if (expected || got) {
		gn_error_values(&p->bad_bytes_err, expected, got);
	}
}

/*
 * A resumed attempt ended in a file that does not check out (or the server
 * would not continue it): the old bytes are suspect, not the mirror.  Drop
 * the part and fetch the same URL once more from byte 0.
 */
void
fetch_resume_failed(struct payload *p, const char *why)
{
	char msg[GN_ERR_TEXT];

	snprintf(msg, sizeof(msg), "%s after resuming at byte %" PRId64 ", restarting from byte 0",
		 why, p->resume_from);
	fetch_set_why(p, "%s", msg);
	p->attempt_bad = true;
	fetch_attempt_cleanup(p, true);
	p->no_resume = true;
	p->ready_at = 0;
	p->state = P_QUEUED;
	fetch_emit(p, GN_EV_FETCH_RETRY, msg);
}

/* Size and sha256 as expected?  If not, the attempt is over (resumed: once
 * more from byte 0; else the next try) and false comes back. */
static bool
bytes_check_out(struct payload *p)
{
	struct fetch_request *req = p->req;
	uint8_t digest[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX], want[64], got[64];

	if (req->size >= 0 && p->received != req->size) {
		if (p->resume_from > 0) {
			fetch_resume_failed(p, "size mismatch");
			return false;
		}
		snprintf(want, sizeof(want), "%" PRId64 " bytes", req->size);
		snprintf(got, sizeof(got), "%" PRId64 " bytes", p->received);
		fetch_bad_bytes(p, want, got, "size mismatch");
		fetch_attempt_failed(p, false, 0);
		return false;
	}
	gn_sha256_final(&p->sha, digest);
	gn_hex_encode(digest, sizeof(digest), hex);
	if (req->sha256 && strcmp(hex, req->sha256) != 0) {
		if (p->resume_from > 0) {
			fetch_resume_failed(p, "sha256 mismatch");
			return false;
		}
		fetch_bad_bytes(p, req->sha256, hex, "sha256 mismatch");
		fetch_attempt_failed(p, false, 0);
		return false;
	}
	return true;
}

/* The caller's verify hook on the closed part; false (the attempt is over,
 * the hook's failure remembered as the wrong bytes) when it says no. */
static bool
hook_passes(struct payload *p)
{
	struct fetch_request *req = p->req;
	const char *url = req->urls[p->url];
	char via[GN_ERR_TEXT / 2];
	struct gn_error herr;
	int rc;

	if (!req->verify) {
		return true;
	}
	gn_error_clear(&herr);
	rc = req->verify(req->verify_user, req, p->part, url, &herr);
	if (rc >= 0) {
		return true;
	}
	/* Keep the hook's code (a signature failure stays one). */
	served_by(p, via, sizeof(via));
	fetch_set_why(p, "%s%s", herr.message[0] ? herr.message : gn_code_message(gn_code_of(rc)),
		      via);
	p->bad_bytes = true;
	p->attempt_bad = true;
	p->bad_bytes_err = herr;
	p->bad_bytes_err.code = gn_code_of(rc);
	if (via[0] && strlen(herr.message) + strlen(via) < sizeof(herr.message)) {
		strcat(p->bad_bytes_err.message, via);
	}
	if (!herr.url[0]) {
		gn_error_url(&p->bad_bytes_err, url);
	}
	fetch_attempt_failed(p, false, 0);
	return false;
}

/* The folder dest was renamed into, synced.  0, or -code with req->error. */
static int
sync_dest_folder(struct payload *p)
{
	struct fetch_request *req = p->req;
	char dir[PATH_MAX];

	if (p->dest_dir == AT_FDCWD) {
		gn_dirname(req->dest, dir, sizeof(dir));
		return gn_fsync_dir(dir, &req->error);
	}
	return fsync(p->dest_dir) != 0 && errno != EINVAL
		       ? gn_error_set(&req->error, GN_E_IO, "cannot sync the folder of %s: %s",
				      req->dest, strerror(errno))
		       : 0;
}

/* Size, sha256 and hook passed or not; on success the file is in place. */
void
fetch_attempt_complete(struct payload *p)
{
	struct fetch_request *req = p->req;
	int rc;

	if (!bytes_check_out(p)) {
		return;
	}
	if (fsync(p->fd) != 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot sync %s: %s", p->part,
				  strerror(errno));
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	close(p->fd);
	p->fd = -1;
	if (!hook_passes(p)) {
		return;
	}
	/* renameat replaces a link at dest itself, never what it points to. */
	if (renameat(p->part_dir, p->part_rel, p->dest_dir, p->dest_rel) != 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot rename %s to %s: %s", p->part,
				  req->dest, strerror(errno));
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	rc = sync_dest_folder(p);
	fetch_attempt_cleanup(p, false);
	if (rc < 0) {
		fetch_request_fail(p, rc);
		return;
	}
	snprintf(req->url_used, sizeof(req->url_used), "%s", req->urls[p->url]);
	gn_error_clear(&req->error);
	fetch_emit(p, GN_EV_FETCH_DONE, NULL);
	fetch_request_over(p, 0);
}

/*
 * A part left by an earlier attempt or run: hash what it holds and continue
 * after it.  One that is not shorter than the file (or cannot be read) is
 * emptied instead.  0, or -code with req->error set.
 */
int
fetch_resume_prepare(struct payload *p)
{
	struct fetch_request *req = p->req;
	uint8_t *buf = NULL;
	struct stat st;
	int64_t have = 0;

	if (fstat(p->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		goto restart;
	}
	if (st.st_size <= 0 || st.st_size >= req->size) {
		goto restart;
	}
	buf = malloc(FETCH_HASH_CHUNK);
	if (!buf) {
		return gn_error_set(&req->error, GN_E_NOMEM, "out of memory hashing %s",
				    req->name);
	}
	while (have < st.st_size) {
		ssize_t n = read(p->fd, buf, FETCH_HASH_CHUNK);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		gn_sha256_update(&p->sha, buf, (size_t)n);
		have += n;
	}
	free(buf);
	if (have != st.st_size || lseek(p->fd, 0, SEEK_END) != have) {
		gn_sha256_dispose(&p->sha);
		if (gn_sha256_init(&p->sha) < 0) {
			return gn_error_set(&req->error, GN_E_NOMEM, "out of memory hashing %s",
					    req->name);
		}
		goto restart;
	}
	p->resume_from = have;
	p->received = have;
	gn_emitf(p->ctx->events, GN_EV_DEBUG, "%s: resuming at byte %" PRId64 " of %" PRId64,
		 req->name, have, req->size);
	return 0;
restart:
	if (ftruncate(p->fd, 0) != 0 || lseek(p->fd, 0, SEEK_SET) != 0) {
		return gn_error_set(&req->error, GN_E_IO, "cannot truncate %s: %s", p->part,
				    strerror(errno));
	}
	return 0;
}

/* The part, never through a link (symbolic or hard): one found in its
 * place is removed (the link, not its target) and the part created anew. */
int
fetch_open_part(struct payload *p)
{
	int flags = O_CREAT | O_RDWR | (fetch_resumable(p) ? 0 : O_TRUNC);

	return gn_openat_replace(p->part_dir, p->part_rel, flags, 0644);
}
