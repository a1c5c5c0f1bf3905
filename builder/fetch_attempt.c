/*
 * builder/fetch_attempt.c - one attempt: one URL of one request.
 *
 * The easy handle's options, the body as it arrives (into the part file,
 * hashed, capped), and what the outcome means: done (builder/fetch_part.c
 * checks the file), the same URL after a backoff, the next URL, or the
 * request failed.
 */
#include "builder/fetch_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
fetch_emit(struct payload *p, enum gn_event_kind kind, const char *message)
{
	struct gn_event ev = {
	    .kind = kind,
	    .name = p->req->name,
	    .url = p->req->urls[p->url],
	    .message = message,
	    .done = p->received,
	    .total = p->req->size,
	};

	gn_emit(p->ctx->events, &ev);
}

static bool
is_2xx(long status)
{
	return status >= 200 && status <= 299;
}

static bool
http_failed(long status)
{
	/* file:// has no status (0); everything else must be 2xx. */
	return status != 0 && !is_2xx(status);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct payload *p = user;
	size_t len = size * nmemb, off = 0;
	long status = 0;
	int64_t now;

	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
	if (http_failed(status)) {
		/* An error page: the status says all we need. */
		return 0;
	}
	if (!p->body_seen) {
		p->body_seen = true;
		if (p->resume_from > 0 && fetch_resume_answer(p, status) < 0) {
			return 0;
		}
	}
	if ((int64_t)len > p->limit - p->received) {
		p->overflow = true;
		p->overflow_at = p->received + (int64_t)len;
		return 0;
	}
	while (off < len) {
		ssize_t w = write(p->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			p->write_errno = errno;
			return 0;
		}
		off += (size_t)w;
	}
	gn_sha256_update(&p->sha, data, len);
	p->received += (int64_t)len;

	now = fetch_now_ms();
	if (now - p->last_progress >= FETCH_PROGRESS_MS) {
		p->last_progress = now;
		fetch_emit(p, GN_EV_FETCH_PROGRESS, NULL);
	}
	return len;
}

/* Drops the attempt's file, hash and handle; keeps the payload's history. */
void
fetch_attempt_cleanup(struct payload *p, bool unlink_part)
{
	if (p->easy) {
		curl_multi_remove_handle(p->ctx->multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
		p->ctx->running--;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	gn_sha256_dispose(&p->sha);
	if (unlink_part) {
		unlinkat(p->part_dir, p->part_rel, 0);
	}
}

/* The request is over with rc: tell the caller's on_done, if any. */
void
fetch_request_over(struct payload *p, int rc)
{
	p->state = P_DONE;
	p->req->result = rc;
	if (p->ctx->on_done) {
		p->ctx->on_done(p->ctx->on_done_user, p->req);
	}
}

void
fetch_request_fail(struct payload *p, int rc)
{
	fetch_request_over(p, rc);
}

static void
request_exhausted(struct payload *p)
{
	struct fetch_request *req = p->req;
	const char *url = req->urls[p->url];

	if (p->bad_bytes) {
		req->error = p->bad_bytes_err;
		fetch_request_fail(p, -(int)req->error.code);
		return;
	}
	gn_error_clear(&req->error);
	gn_error_set(&req->error, GN_E_FETCH, "%s: every mirror failed; last: %s", req->name,
		     p->last_why);
	gn_error_url(&req->error, url);
	fetch_request_fail(p, -GN_E_FETCH);
}

/*
 * One attempt failed.  transient: the same URL may work a moment later.
 * wait_ms: the server's Retry-After, or 0.
 */
void
fetch_attempt_failed(struct payload *p, bool transient, int64_t wait_ms)
{
	struct fetch_request *req = p->req;
	char msg[GN_ERR_TEXT];

	/* Good-so-far bytes stay for the next attempt to resume from. */
	fetch_attempt_cleanup(p, !(fetch_resumable(p) && !p->attempt_bad && p->received > 0));
	/* In order only while all goes well: a slow or failing mirror must not
	 * make every later file wait out its own timeout in turn. */
	p->ctx->jobs = p->ctx->max_jobs;
	if (transient && p->tries < p->ctx->retries) {
		int64_t delay = (int64_t)FETCH_BACKOFF_MS << p->tries;
		if (wait_ms > delay) {
			delay =
			    wait_ms > FETCH_RETRY_AFTER_MAX_MS ? FETCH_RETRY_AFTER_MAX_MS : wait_ms;
		}
		p->tries++;
		p->ready_at = fetch_now_ms() + delay;
		p->state = P_QUEUED;
		snprintf(msg, sizeof(msg), "%s, retrying in %" PRId64 " ms", p->last_why, delay);
		fetch_emit(p, GN_EV_FETCH_RETRY, msg);
		return;
	}
	if (p->url + 1 < req->n_urls) {
		snprintf(msg, sizeof(msg), "%s, trying next mirror", p->last_why);
		fetch_emit(p, GN_EV_FETCH_RETRY, msg);
		p->url++;
		p->tries = 0;
		p->ready_at = 0;
		p->state = P_QUEUED;
		return;
	}
	request_exhausted(p);
}

static bool
curl_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		/* Refused connections, bad names, TLS and protocol errors: the
		 * next mirror is a better bet than this one again. */
		return false;
	}
}

void
fetch_attempt_done(struct payload *p, CURLcode rc)
{
	struct fetch_request *req = p->req;
	curl_off_t retry_after = 0, announced = -1;
	char want[64], got[64];
	long status = 0, connect_code = 0;
	int err;

	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(p->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
	curl_easy_getinfo(p->easy, CURLINFO_RETRY_AFTER, &retry_after);
	curl_easy_getinfo(p->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);

	if (p->write_errno) {
		err = gn_error_set(&req->error, GN_E_IO, "cannot write %s: %s", p->part,
				   strerror(p->write_errno));
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, err);
		return;
	}
	if (p->resume_from > 0 && (rc == CURLE_BAD_DOWNLOAD_RESUME || rc == CURLE_RANGE_ERROR)) {
		fetch_resume_failed(p, p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (p->resume_from > 0 && (p->range_bad || status == 416)) {
		fetch_resume_failed(p, status == 416 ? "HTTP 416"
					       : "a Content-Range that does not continue the file");
		return;
	}
	/* The proxy would not open a tunnel: its answer, not the mirror's. */
	if (rc != CURLE_OK && connect_code >= 300) {
		fetch_set_why(p, "proxy answered HTTP %ld to CONNECT", connect_code);
		fetch_explain(p, rc, connect_code, status);
		fetch_attempt_failed(p, connect_code >= 500 && connect_code <= 599, 0);
		return;
	}
	/* A 3xx that failed (redirect refused, too many) has curl's reason;
	 * an error page we cut short ends in CURLE_WRITE_ERROR. */
	if (status >= 400 || (http_failed(status) && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR))) {
		fetch_set_why(p, "HTTP %ld", status);
		fetch_explain(p, rc, connect_code, status);
		fetch_attempt_failed(p,
			       status == 408 || status == 429 || (status >= 500 && status <= 599),
			       retry_after > 0 ? (int64_t)retry_after * 1000 : 0);
		return;
	}
	if (p->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		if (p->resume_from > 0) {
			fetch_resume_failed(p, "too many bytes");
			return;
		}
		snprintf(want, sizeof(want), "%" PRId64 " bytes", p->limit);
		if (p->overflow) {
			snprintf(got, sizeof(got), "at least %" PRId64 " bytes", p->overflow_at);
		} else if (announced >= 0) {
			snprintf(got, sizeof(got), "%" PRId64 " bytes (Content-Length)",
				 (int64_t)announced);
		} else {
			snprintf(got, sizeof(got), "more than %" PRId64 " bytes", p->limit);
		}
		fetch_bad_bytes(p, want, got, "served more than the expected %" PRId64 " bytes",
			  p->limit);
		fetch_attempt_failed(p, false, 0);
		return;
	}
	if (rc != CURLE_OK) {
		fetch_set_why(p, "%s", p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		fetch_explain(p, rc, connect_code, status);
		/* A stalled mirror costs a whole stall timeout per try: move on
		 * at once while another mirror is left; retry only the last. */
		fetch_attempt_failed(p,
			       curl_transient(rc) &&
				   !(rc == CURLE_OPERATION_TIMEDOUT && p->url + 1 < req->n_urls),
			       0);
		return;
	}
	fetch_attempt_complete(p);
}

/* The header list for url: the common one, or one with its prefix's header. */
static struct curl_slist *
headers_for(const struct fetch_ctx *ctx, const char *url)
{
	for (size_t i = 0; i < ctx->n_prefixed; i++) {
		const char *prefix = ctx->prefixes[i].prefix;

		if (strncmp(url, prefix, strlen(prefix)) == 0) {
			return ctx->prefixed[i];
		}
	}
	return ctx->headers;
}

static CURLcode
easy_setup(struct payload *p, CURL *easy)
{
	struct fetch_ctx *ctx = p->ctx;

	SETOPT(easy, CURLOPT_URL, p->req->urls[p->url]);
	SETOPT(easy, CURLOPT_PRIVATE, p);
	SETOPT(easy, CURLOPT_ERRORBUFFER, p->errbuf);
	SETOPT(easy, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(easy, CURLOPT_WRITEDATA, p);
	SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
	SETOPT(easy, CURLOPT_PROTOCOLS_STR, "http,https,file");
	SETOPT(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(easy, CURLOPT_DEFAULT_PROTOCOL, "https");
	SETOPT(easy, CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(easy, CURLOPT_MAXREDIRS, 10L);
	SETOPT(easy, CURLOPT_USERAGENT, "gonative/" GONATIVE_VERSION);
	/* No Content-Encoding: the sha256 is over the exact bytes. */
	SETOPT(easy, CURLOPT_HTTPHEADER, headers_for(ctx, p->req->urls[p->url]));
	SETOPT(easy, CURLOPT_CONNECTTIMEOUT, ctx->connect_timeout);
	if (ctx->netrc) {
		/* Artifactory, Nexus: logins by host, never sent to another host. */
		SETOPT(easy, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		SETOPT(easy, CURLOPT_NETRC_FILE, ctx->netrc);
	}
	SETOPT(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(easy, CURLOPT_LOW_SPEED_TIME, ctx->stall_timeout);
	/* Refuses an announced Content-Length over the cap before any byte. */
	SETOPT(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->limit);
	SETOPT(easy, CURLOPT_PROXY, "");
	if (fetch_apply_net(easy, ctx->net, fetch_proxy_for(ctx, p->req->urls[p->url])) != CURLE_OK) {
		return CURLE_FAILED_INIT;
	}
	if (p->resume_from > 0) {
		char range[32];

		/* Not CURLOPT_RESUME_FROM: that fails on a 200, which we take. */
		snprintf(range, sizeof(range), "%" PRId64 "-", p->resume_from);
		SETOPT(easy, CURLOPT_RANGE, range);
	}
	return CURLE_OK;
}

/* Starts the current URL; a local failure ends the request. */
void
fetch_attempt_start(struct payload *p)
{
	struct fetch_request *req = p->req;
	CURLcode cc;
	CURLMcode mc;
	int rc;

	p->received = 0;
	p->overflow = false;
	p->overflow_at = 0;
	p->write_errno = 0;
	p->errbuf[0] = '\0';
	p->last_progress = 0;
	p->resume_from = 0;
	p->body_seen = false;
	p->range_bad = false;
	p->attempt_bad = false;

	p->fd = fetch_open_part(p);
	if (p->fd < 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot create %s: %s", p->part,
				  strerror(errno));
		fetch_request_fail(p, rc);
		return;
	}
	rc = gn_sha256_init(&p->sha);
	if (rc < 0) {
		gn_error_set(&req->error, GN_E_NOMEM, "out of memory hashing %s", req->name);
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	if (fetch_resumable(p) && (rc = fetch_resume_prepare(p)) < 0) {
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	p->easy = curl_easy_init();
	if (!p->easy) {
		rc = gn_error_set(&req->error, GN_E_NOMEM, "cannot create a curl handle");
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	cc = easy_setup(p, p->easy);
	if (cc != CURLE_OK) {
		/* Our libcurl lacks an option we rely on (e.g. protocol limits). */
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
		rc = gn_error_set(&req->error, GN_E_FETCH, "%s: cannot set up the transfer: %s",
				  req->name, curl_easy_strerror(cc));
		gn_error_url(&req->error, req->urls[p->url]);
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	mc = curl_multi_add_handle(p->ctx->multi, p->easy);
	if (mc != CURLM_OK) {
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
		rc = gn_error_set(&req->error, GN_E_FETCH, "%s: cannot start the transfer: %s",
				  req->name, curl_multi_strerror(mc));
		fetch_attempt_cleanup(p, true);
		fetch_request_fail(p, rc);
		return;
	}
	p->ctx->running++;
	p->state = P_RUNNING;
	fetch_emit(p, GN_EV_FETCH_START, NULL);
}

void
fetch_set_why(struct payload *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_why, sizeof(p->last_why), fmt, ap);
	va_end(ap);
}
