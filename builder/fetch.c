/*
 * builder/fetch.c - parallel downloads with libcurl multi: the loop.
 *
 * One payload per request, attached to its easy handle through
 * CURLOPT_PRIVATE; one multi handle; at most opts->jobs easy handles in it.
 * A failed attempt either waits out a short backoff and tries the same URL
 * again (408/429/5xx, timeouts, cut-off bodies) or moves to the next URL.
 * Backoffs are deadlines, not sleeps, so the other transfers keep running.
 * One attempt is builder/fetch_attempt.c, its part file
 * builder/fetch_part.c, the network settings builder/fetch_net.c.
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

/* The caller's stall timeout, else the machine's (fetch_net), else 30 s. */
static long
stall_timeout(const struct fetch_opts *opts)
{
	if (opts && opts->stall_timeout > 0) {
		return opts->stall_timeout;
	}
	if (opts && opts->net && opts->net->stall_timeout > 0) {
		return opts->net->stall_timeout;
	}
	return FETCH_DEFAULT_STALL;
}

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
		snprintf(p->last_why, sizeof(p->last_why), "proxy answered HTTP %ld to CONNECT",
			 connect_code);
		fetch_explain(p, rc, connect_code, status);
		fetch_attempt_failed(p, connect_code >= 500 && connect_code <= 599, 0);
		return;
	}
	/* A 3xx that failed (redirect refused, too many) has curl's reason;
	 * an error page we cut short ends in CURLE_WRITE_ERROR. */
	if (status >= 400 || (http_failed(status) && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR))) {
		snprintf(p->last_why, sizeof(p->last_why), "HTTP %ld", status);
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
		snprintf(p->last_why, sizeof(p->last_why), "%s",
			 p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
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

/* Checks a request before anything runs; failing ones are done at once. */
static int
payload_init(struct payload *p, struct fetch_request *req, struct fetch_ctx *ctx)
{
	int n;

	memset(p, 0, sizeof(*p));
	p->req = req;
	p->ctx = ctx;
	p->fd = -1;
	p->part_dir = p->dest_dir = AT_FDCWD;
	p->state = P_QUEUED;
	req->result = 0;
	req->url_used[0] = '\0';
	gn_error_clear(&req->error);
	if (!req->name) {
		req->name = req->dest ? gn_basename(req->dest) : "(unnamed)";
	}
	p->limit = req->size >= 0 ? req->size
				  : (req->max_size > 0 ? req->max_size : FETCH_DEFAULT_MAX_SIZE);
	if (!req->dest || !req->urls || req->n_urls == 0) {
		return gn_error_set(&req->error, GN_E_FETCH, "%s: no URL to fetch from", req->name);
	}
	for (size_t i = 0; i < req->n_urls; i++) {
		if (!req->urls[i]) {
			return gn_error_set(&req->error, GN_E_FETCH, "%s: URL %zu is missing",
					    req->name, i + 1);
		}
	}
	if (req->sha256 && !gn_is_sha256_hex(req->sha256)) {
		return gn_error_set(&req->error, GN_E_USAGE,
				    "%s: expected sha256 is not 64 lowercase hex digits: %s",
				    req->name, req->sha256);
	}
	n = req->part ? snprintf(p->part, sizeof(p->part), "%s", req->part)
		      : snprintf(p->part, sizeof(p->part), "%s.part", req->dest);
	if (n < 0 || (size_t)n >= sizeof(p->part)) {
		return gn_error_set(&req->error, GN_E_IO, "%s: path too long", req->dest);
	}
	p->dest_dir = req->dest_name ? req->dest_dir : AT_FDCWD;
	p->dest_rel = req->dest_name ? req->dest_name : req->dest;
	if (req->part_name) {
		p->part_dir = req->part_dir;
		n = snprintf(p->part_rel, sizeof(p->part_rel), "%s", req->part_name);
	} else if (req->part || !req->dest_name) {
		p->part_dir = AT_FDCWD;
		n = snprintf(p->part_rel, sizeof(p->part_rel), "%s", p->part);
	} else {
		p->part_dir = req->dest_dir;
		n = snprintf(p->part_rel, sizeof(p->part_rel), "%s.part", req->dest_name);
	}
	if (n < 0 || (size_t)n >= sizeof(p->part_rel)) {
		return gn_error_set(&req->error, GN_E_IO, "%s: path too long", req->dest);
	}
	return 0;
}

static int
ctx_init(struct fetch_ctx *ctx, const struct fetch_opts *opts, struct gn_error *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->events = opts ? opts->events : NULL;
	ctx->netrc = opts ? opts->netrc : NULL;
	ctx->on_done = opts ? opts->on_done : NULL;
	ctx->on_done_user = opts ? opts->on_done_user : NULL;
	ctx->jobs = opts && opts->jobs > 0 ? opts->jobs : FETCH_DEFAULT_JOBS;
	if (ctx->jobs > FETCH_MAX_JOBS) {
		ctx->jobs = FETCH_MAX_JOBS;
	}
	ctx->max_jobs = ctx->jobs;
	if (opts && opts->in_order) {
		ctx->jobs = 1;
	}
	ctx->connect_timeout =
	    opts && opts->connect_timeout > 0 ? opts->connect_timeout : FETCH_DEFAULT_CONNECT;
	ctx->stall_timeout = stall_timeout(opts);
	if (!opts || opts->retries == 0) {
		ctx->retries = FETCH_DEFAULT_RETRIES;
	} else {
		ctx->retries = opts->retries < 0 ? 0 : opts->retries;
	}
	ctx->net = opts ? opts->net : NULL;
	if (ctx->net) {
		const struct fetch_net *net = ctx->net;
		int rc = fetch_proxy_parse(&ctx->https_proxy, net->https_proxy, net->https_proxy_from,
				     net->netrc, err);

		if (rc == 0) {
			rc = fetch_proxy_parse(&ctx->http_proxy, net->http_proxy, net->http_proxy_from,
					 net->netrc, err);
		}
		if (rc < 0) {
			return rc;
		}
	}
	ctx->headers = curl_slist_append(NULL, "Accept-Encoding: identity");
	ctx->multi = curl_multi_init();
	if (!ctx->headers || !ctx->multi) {
		return gn_error_set(err, GN_E_NOMEM, "cannot set up downloads: out of memory");
	}
	if (opts && opts->n_headers) {
		ctx->prefixed = calloc(opts->n_headers, sizeof(*ctx->prefixed));
		if (!ctx->prefixed) {
			return gn_error_set(err, GN_E_NOMEM, "cannot set up downloads: out of memory");
		}
		ctx->prefixes = opts->headers;
		ctx->n_prefixed = opts->n_headers;
		for (size_t i = 0; i < opts->n_headers; i++) {
			ctx->prefixed[i] = curl_slist_append(NULL, "Accept-Encoding: identity");
			if (!ctx->prefixed[i] ||
			    !curl_slist_append(ctx->prefixed[i], opts->headers[i].header)) {
				return gn_error_set(err, GN_E_NOMEM,
						    "cannot set up downloads: out of memory");
			}
		}
	}
	return 0;
}

static void
ctx_free(struct fetch_ctx *ctx)
{
	if (ctx->multi) {
		curl_multi_cleanup(ctx->multi);
	}
	curl_slist_free_all(ctx->headers);
	explicit_bzero(&ctx->https_proxy, sizeof(ctx->https_proxy));
	explicit_bzero(&ctx->http_proxy, sizeof(ctx->http_proxy));
	for (size_t i = 0; i < ctx->n_prefixed; i++) {
		curl_slist_free_all(ctx->prefixed[i]);
	}
	free(ctx->prefixed);
}

/* Starts what may start now; returns the ms until a backoff ends, or -1. */
static int64_t
start_ready(struct payload *ps, size_t n, struct fetch_ctx *ctx, bool *pending)
{
	int64_t now = fetch_now_ms(), wake = -1;

	*pending = false;
	for (size_t i = 0; i < n; i++) {
		struct payload *p = &ps[i];
		if (p->state != P_QUEUED) {
			continue;
		}
		if (p->ready_at > now) {
			if (wake < 0 || p->ready_at - now < wake) {
				wake = p->ready_at - now;
			}
			*pending = true;
			continue;
		}
		if (ctx->running >= ctx->jobs) {
			*pending = true;
			continue;
		}
		fetch_attempt_start(p);
		if (p->state == P_QUEUED) {
			*pending = true;
		}
	}
	return wake;
}

/* Hands every finished transfer to attempt_done; returns how many. */
static int
reap(struct fetch_ctx *ctx)
{
	CURLMsg *msg;
	int left, done = 0;

	while ((msg = curl_multi_info_read(ctx->multi, &left))) {
		char *priv = NULL;
		CURLcode rc;

		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		/* Read before attempt_done removes the handle and frees msg. */
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv) {
			fetch_attempt_done((struct payload *)priv, rc);
			done++;
		}
	}
	return done;
}

static void
waker_register(const struct fetch_opts *opts, CURLM *multi)
{
	if (opts && opts->waker) {
		pthread_mutex_lock(&opts->waker->lock);
		opts->waker->multi = multi;
		pthread_mutex_unlock(&opts->waker->lock);
	}
}

int
fetch_run(struct fetch_request *reqs, size_t n, const struct fetch_opts *opts, struct gn_error *err)
{
	struct fetch_ctx ctx;
	struct payload *ps = NULL;
	int rc = 0;

	gn_error_clear(err);
	if (n == 0) {
		return 0;
	}
	rc = ctx_init(&ctx, opts, err);
	if (rc < 0) {
		goto out;
	}
	waker_register(opts, ctx.multi);
	fetch_describe_net_once(&ctx, reqs, n);
	ps = calloc(n, sizeof(*ps));
	if (!ps) {
		rc = gn_error_set(err, GN_E_NOMEM, "cannot set up downloads: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int prc = payload_init(&ps[i], &reqs[i], &ctx);
		if (prc < 0) {
			fetch_request_fail(&ps[i], prc);
		}
	}

	for (;;) {
		bool pending;
		int64_t wake = start_ready(ps, n, &ctx, &pending);
		int still = 0, timeout = FETCH_POLL_MS;
		CURLMcode mc;

		/* A signal also cuts curl_multi_poll() short, so this is seen at once. */
		if (gn_cancelled(ctx.events)) {
			rc = gn_error_set(err, GN_E_INTERRUPTED, "interrupted while downloading");
			goto out;
		}
		if (ctx.running == 0 && !pending) {
			break;
		}
		mc = curl_multi_perform(ctx.multi, &still);
		if (mc != CURLM_OK) {
			rc = gn_error_set(err, GN_E_FETCH, "curl: %s", curl_multi_strerror(mc));
			goto out;
		}
		if (reap(&ctx) > 0) {
			/* Slots freed or URLs switched: start those first. */
			continue;
		}
		if (wake >= 0 && wake < timeout) {
			timeout = (int)wake;
		}
		mc = curl_multi_poll(ctx.multi, NULL, 0, timeout, NULL);
		if (mc != CURLM_OK) {
			rc = gn_error_set(err, GN_E_FETCH, "curl: %s", curl_multi_strerror(mc));
			goto out;
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (reqs[i].result < 0) {
			*err = reqs[i].error;
			rc = reqs[i].result;
			break;
		}
	}
out:
	if (ps) {
		/* Only after an internal curl failure or an interruption is anything
		 * left undone.  An interrupted part that holds only good-so-far
		 * bytes stays for the next run to resume. */
		for (size_t i = 0; i < n; i++) {
			if (ps[i].state != P_DONE) {
				bool keep = rc == -GN_E_INTERRUPTED && fetch_resumable(&ps[i]) &&
					    !ps[i].attempt_bad && !ps[i].range_bad &&
					    !ps[i].overflow;
				fetch_attempt_cleanup(&ps[i], ps[i].state == P_RUNNING && !keep);
				ps[i].req->error = *err;
				fetch_request_fail(&ps[i], rc);
			}
		}
		free(ps);
	}
	waker_register(opts, NULL);
	ctx_free(&ctx);
	return rc;
}

void
fetch_waker_init(struct fetch_waker *waker)
{
	pthread_mutex_init(&waker->lock, NULL);
	waker->multi = NULL;
}

void
fetch_waker_destroy(struct fetch_waker *waker)
{
	pthread_mutex_destroy(&waker->lock);
}

void
fetch_wake(struct fetch_waker *waker)
{
	pthread_mutex_lock(&waker->lock);
	if (waker->multi) {
		curl_multi_wakeup(waker->multi);
	}
	pthread_mutex_unlock(&waker->lock);
}

int
fetch_global_init(struct gn_error *err)
{
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);

	fetch_net_reset();

	if (cc != CURLE_OK) {
		return gn_error_set(err, GN_E_FETCH, "cannot initialise libcurl: %s",
				    curl_easy_strerror(cc));
	}
	return 0;
}

void
fetch_global_cleanup(void)
{
	curl_global_cleanup();
}
