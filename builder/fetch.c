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

/* Runs every payload until each is done; 0, or -code with err set (an
 * interruption or an internal curl failure: the rest is left undone). */
static int
run_loop(struct payload *ps, size_t n, struct fetch_ctx *ctx, struct gn_error *err)
{
	for (;;) {
		bool pending;
		int64_t wake = start_ready(ps, n, ctx, &pending);
		int still = 0, timeout = FETCH_POLL_MS;
		CURLMcode mc;

		/* A signal also cuts curl_multi_poll() short, so this is seen at once. */
		if (gn_cancelled(ctx->events)) {
			return gn_error_set(err, GN_E_INTERRUPTED, "interrupted while downloading");
		}
		if (ctx->running == 0 && !pending) {
			break;
		}
		mc = curl_multi_perform(ctx->multi, &still);
		if (mc != CURLM_OK) {
			return gn_error_set(err, GN_E_FETCH, "curl: %s", curl_multi_strerror(mc));
		}
		if (reap(ctx) > 0) {
			/* Slots freed or URLs switched: start those first. */
			continue;
		}
		if (wake >= 0 && wake < timeout) {
			timeout = (int)wake;
		}
		mc = curl_multi_poll(ctx->multi, NULL, 0, timeout, NULL);
		if (mc != CURLM_OK) {
			return gn_error_set(err, GN_E_FETCH, "curl: %s", curl_multi_strerror(mc));
		}
	}
	return 0;
}

/* Ends every request still queued or running with rc and err. */
static void
finish_unfinished(struct payload *ps, size_t n, int rc, const struct gn_error *err)
{
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

	rc = run_loop(ps, n, &ctx, err);
	if (rc < 0) {
		goto out;
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
		finish_unfinished(ps, n, rc, err);
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
