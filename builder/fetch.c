/*
 * builder/fetch.c - parallel downloads with libcurl multi.
 *
 * One payload per request, attached to its easy handle through
 * CURLOPT_PRIVATE; one multi handle; at most opts->jobs easy handles in it.
 * A failed attempt either waits out a short backoff and tries the same URL
 * again (408/429/5xx, timeouts, cut-off bodies) or moves to the next URL.
 * Backoffs are deadlines, not sleeps, so the other transfers keep running.
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
 *
 * Network settings (struct fetch_net): the proxy for each URL's scheme is
 * parsed once per run; its credentials go to libcurl apart from the URL
 * (CURLOPT_PROXYUSERNAME/PASSWORD), so no message curl writes can hold
 * them.  CURLOPT_PROXY and CURLOPT_NOPROXY are always set ("" when there
 * is none), which stops libcurl from reading *_proxy itself.
 */
#include "builder/fetch.h"

#include "builder/netrc.h"
#include "gn/fs.h"
#include "gn/sha256.h"

#include <curl/curl.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FETCH_DEFAULT_JOBS 4
#define FETCH_MAX_JOBS 64
#define FETCH_DEFAULT_CONNECT 30L
#define FETCH_DEFAULT_STALL 30L
#define FETCH_DEFAULT_RETRIES 2
#define FETCH_DEFAULT_MAX_SIZE ((int64_t)64 << 20)
#define FETCH_BACKOFF_MS 200
#define FETCH_RETRY_AFTER_MAX_MS 5000
#define FETCH_PROGRESS_MS 100
#define FETCH_POLL_MS 1000
#define FETCH_HASH_CHUNK (256 * 1024)
#define FETCH_PROXY_URL 1024
#define FETCH_SECRET 512

/* A proxy as libcurl gets it: URL without credentials, credentials apart. */
struct fetch_proxy {
	bool set;
	char url[FETCH_PROXY_URL]; /* scheme://host[:port]: CURLOPT_PROXY, messages */
	const char *from;          /* the variable that named it */
	bool has_user;
	char user[FETCH_SECRET];
	char password[FETCH_SECRET];
	bool from_netrc;
};

/* The -v description of the network settings is given once per process. */
static bool net_described;

enum payload_state {
	P_QUEUED,  /* waiting for a slot (and for ready_at) */
	P_RUNNING, /* its easy handle is in the multi handle */
	P_DONE,	   /* req->result is final */
};

struct fetch_ctx {
	CURLM *multi;
	const char *netrc;
	struct curl_slist *headers;
	/* headers + one fetch_opts header each, parallel to opts->headers */
	struct curl_slist **prefixed;
	const struct fetch_header *prefixes;
	size_t n_prefixed;
	const struct gn_events *events;
	int jobs;     /* transfers at once now */
	int max_jobs; /* ... and after a failed attempt (in_order) */
	int retries;
	long connect_timeout;
	long stall_timeout;
	int running;
	const struct fetch_net *net; /* NULL = defaults */
	struct fetch_proxy http_proxy, https_proxy;
	void (*on_done)(void *user, const struct fetch_request *req);
	void *on_done_user;
};

struct payload {
	struct fetch_request *req;
	struct fetch_ctx *ctx;
	enum payload_state state;
	size_t url;	  /* index of the URL being tried */
	int tries;	  /* retries already spent on that URL */
	int64_t ready_at; /* monotonic ms; not started before */

	CURL *easy;
	int fd;
	char part[PATH_MAX]; /* shown in messages */
	int part_dir;	     /* part_rel is opened relative to it */
	char part_rel[PATH_MAX];
	int dest_dir;
	const char *dest_rel;
	struct gn_sha256 sha;
	int64_t received;
	int64_t limit;
	int64_t last_progress;
	bool overflow;
	int64_t overflow_at; /* bytes we would have had with the refused chunk */
	int write_errno;
	char errbuf[CURL_ERROR_SIZE];

	/* Resume state (see the file comment). */
	int64_t resume_from; /* this attempt asked for bytes from here; 0 = whole */
	bool body_seen;      /* the first body chunk of this attempt was checked */
	bool range_bad;      /* a 206 that does not continue at resume_from */
	bool no_resume;      /* a resumed file failed once: always from byte 0 now */
	bool attempt_bad;    /* this attempt got wrong bytes: drop the part */

	/* The last failure of each kind, to report once every URL is spent. */
	char last_why[GN_ERR_TEXT / 2];
	bool bad_bytes;
	struct gn_error bad_bytes_err;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* ---- network settings: proxies, CA certificates, what to tell the user ---- */

static bool
has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* The proxy picked for url's scheme, or NULL (direct, file://).  A redirect
 * keeps the proxy picked for the URL it started from; no_proxy is applied
 * by libcurl to every host, redirects included. */
static const struct fetch_proxy *
proxy_for(const struct fetch_ctx *ctx, const char *url)
{
	const struct fetch_proxy *px = NULL;

	if (has_scheme(url, "https")) {
		px = &ctx->https_proxy;
	} else if (has_scheme(url, "http")) {
		px = &ctx->http_proxy;
	}
	return px && px->set ? px : NULL;
}

/* Host of url without IPv6 brackets, lower-case; "" when it has none. */
static void
url_host(const char *url, char *out, size_t len)
{
	CURLU *u = curl_url();
	char *host = NULL;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
		const char *h = host;
		size_t n = strlen(h);

		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h++;
			n -= 2;
		}
		snprintf(out, len, "%.*s", (int)n, h);
		for (char *c = out; *c; c++) {
			*c = (char)tolower((unsigned char)*c);
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
}

/*
 * Does the no_proxy list name host?  For messages only ("through proxy
 * X"): libcurl decides for the transfer itself.  Covers "*", names and
 * their subdomains (".corp" and "corp" both match "a.corp") and exact
 * addresses; an entry it does not understand (a CIDR range) is no match.
 */
static bool
no_proxy_names(const char *list, const char *host)
{
	const char *s = list;

	if (!list || !host[0]) {
		return false;
	}
	while (*s) {
		char entry[256];
		size_t n = strcspn(s, ", \t"), hn = strlen(host), en;
		const char *e = s;

		s += n;
		while (*s == ',' || *s == ' ' || *s == '\t') {
			s++;
		}
		if (n == 0 || n >= sizeof(entry)) {
			continue;
		}
		if (*e == '.') {
			e++;
			n--;
		}
		if (n >= 2 && e[0] == '[' && e[n - 1] == ']') {
			e++;
			n -= 2;
		}
		snprintf(entry, sizeof(entry), "%.*s", (int)n, e);
		en = strlen(entry);
		if (strcmp(entry, "*") == 0 || strcasecmp(entry, host) == 0) {
			return true;
		}
		if (hn > en && host[hn - en - 1] == '.' && strcasecmp(host + hn - en, entry) == 0) {
			return true;
		}
	}
	return false;
}

/* The proxy this URL goes through as far as messages can tell, or NULL. */
static const struct fetch_proxy *
proxy_used(const struct fetch_ctx *ctx, const char *url)
{
	const struct fetch_proxy *px = proxy_for(ctx, url);
	char host[256];

	if (!px) {
		return NULL;
	}
	url_host(url, host, sizeof(host));
	return ctx->net && no_proxy_names(ctx->net->no_proxy, host) ? NULL : px;
}

static const char *const proxy_schemes[] = {
	"http", "https", "socks4", "socks4a", "socks5", "socks5h",
};

/* Splits a proxy URL into what libcurl needs; its text never reaches a
 * message (it may hold a password).  netrc fills in missing credentials. */
static int
proxy_parse(struct fetch_proxy *px, const char *raw, const char *from, const char *netrc,
	    struct gn_error *err)
{
	char *text = NULL, *scheme = NULL, *host = NULL, *port = NULL, *user = NULL,
	     *password = NULL, bare[256];
	CURLU *u = NULL;
	CURLUcode uc;
	bool known = false;
	int rc = 0;

	memset(px, 0, sizeof(*px));
	if (!raw || !raw[0]) {
		return 0;
	}
	from = from ? from : "proxy";
	if (strstr(raw, "://")) {
		text = strdup(raw);
	} else {
		/* "host:port", as curl takes it: an http:// proxy. */
		size_t n = strlen(raw) + sizeof("http://");

		text = malloc(n);
		if (text) {
			snprintf(text, n, "http://%s", raw);
		}
	}
	u = curl_url();
	if (!text || !u) {
		rc = gn_error_set(err, GN_E_NOMEM, "out of memory reading %s", from);
		goto out;
	}
	uc = curl_url_set(u, CURLUPART_URL, text, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OK) {
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	}
	if (uc == CURLUE_OK) {
		uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	}
	if (uc != CURLUE_OK) {
		/* Not the value: it may hold a password. */
		rc = gn_error_set(err, GN_E_USAGE, "%s is not a proxy URL (%s)", from,
				  curl_url_strerror(uc));
		goto out;
	}
	for (size_t i = 0; i < sizeof(proxy_schemes) / sizeof(proxy_schemes[0]); i++) {
		known = known || strcasecmp(scheme, proxy_schemes[i]) == 0;
	}
	if (!known) {
		rc = gn_error_set(err, GN_E_USAGE,
				  "%s: proxy scheme %s is not one of http, https, socks4, socks4a, "
				  "socks5, socks5h",
				  from, scheme);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
	snprintf(px->url, sizeof(px->url), "%s://%s%s%s", scheme, host, port ? ":" : "",
		 port ? port : "");
	px->from = from;
	px->set = true;
	if (user && user[0]) {
		px->has_user = strlen(user) < sizeof(px->user) &&
			       (!password || strlen(password) < sizeof(px->password));
		if (px->has_user) {
			snprintf(px->user, sizeof(px->user), "%s", user);
			snprintf(px->password, sizeof(px->password), "%s",
				 password ? password : "");
		}
	} else if (netrc) {
		size_t n = strlen(host);
		const char *h = host;

		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h++;
			n -= 2;
		}
		snprintf(bare, sizeof(bare), "%.*s", (int)n, h);
		px->has_user = netrc_lookup(netrc, bare, px->user, sizeof(px->user), px->password,
					    sizeof(px->password));
		px->from_netrc = px->has_user;
	}
out:
	if (password) {
		explicit_bzero(password, strlen(password));
	}
	if (text) {
		explicit_bzero(text, strlen(text));
	}
	curl_free(password);
	curl_free(user);
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	free(text);
	return rc;
}

/* Cuts every copy of secret out of text (in case a message ever echoes
 * one: libcurl never gets it inside a URL, so it should not). */
static void
scrub(char *text, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *at;

	if (n < 4) {
		return;
	}
	while ((at = strstr(text, secret))) {
		memmove(at + 3, at + n, strlen(at + n) + 1);
		memcpy(at, "***", 3);
	}
}

static void
describe_proxy(char *out, size_t len, const char *scheme, const struct fetch_proxy *px)
{
	size_t used = strlen(out);

	if (!px->set) {
		snprintf(out + used, len - used, "%s:// direct", scheme);
		return;
	}
	snprintf(out + used, len - used, "%s:// via %s (from %s%s)", scheme, px->url, px->from,
		 px->has_user ? (px->from_netrc ? ", credentials from netrc"
						: ", credentials from the URL")
			      : "");
}

/* One -v line each for the CA certificates and the proxies. */
static void
describe_net(const struct fetch_ctx *ctx)
{
	const struct fetch_net *net = ctx->net;
	char *def_file = NULL, *def_dir = NULL, line[2 * GN_ERR_TEXT];
	CURL *easy = curl_easy_init();

	if (easy) {
		curl_easy_getinfo(easy, CURLINFO_CAINFO, &def_file);
		curl_easy_getinfo(easy, CURLINFO_CAPATH, &def_dir);
	}
	if (!net || (!net->ca_file && !net->ca_dir)) {
		snprintf(line, sizeof(line),
			 "CA certificates: the default store (file %s, folder %s)",
			 def_file ? def_file : "none", def_dir ? def_dir : "none");
	} else {
		char file[GN_ERR_TEXT], dir[GN_ERR_TEXT];

		if (net->ca_file) {
			snprintf(file, sizeof(file), "file %s (from %s)", net->ca_file,
				 net->ca_file_from ? net->ca_file_from : "the caller");
		} else {
			snprintf(file, sizeof(file), "file %s (default)",
				 def_file ? def_file : "none");
		}
		if (net->ca_dir) {
			snprintf(dir, sizeof(dir), "folder %s (from %s)", net->ca_dir,
				 net->ca_dir_from ? net->ca_dir_from : "the caller");
		} else {
			snprintf(dir, sizeof(dir), "folder %s (default)",
				 def_dir ? def_dir : "none");
		}
		snprintf(line, sizeof(line), "CA certificates: %s, %s", file, dir);
	}
	gn_emitf(ctx->events, GN_EV_DEBUG, "%s", line);
	if (easy) {
		curl_easy_cleanup(easy);
	}

	snprintf(line, sizeof(line), "proxy: ");
	describe_proxy(line, sizeof(line), "https", &ctx->https_proxy);
	snprintf(line + strlen(line), sizeof(line) - strlen(line), ", ");
	describe_proxy(line, sizeof(line), "http", &ctx->http_proxy);
	if (net && net->no_proxy && (ctx->https_proxy.set || ctx->http_proxy.set)) {
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "; not for %s (from %s)",
			 net->no_proxy, net->no_proxy_from ? net->no_proxy_from : "no_proxy");
	}
	scrub(line, ctx->https_proxy.password);
	scrub(line, ctx->http_proxy.password);
	gn_emitf(ctx->events, GN_EV_DEBUG, "%s", line);
}

/* What the user can do about a failed attempt, appended to p->last_why. */
static void
explain(struct payload *p, CURLcode rc, long connect_code, long status)
{
	const struct fetch_ctx *ctx = p->ctx;
	const struct fetch_net *net = ctx->net;
	const struct fetch_proxy *px = proxy_used(ctx, p->req->urls[p->url]);
	size_t used = strlen(p->last_why), len = sizeof(p->last_why);
	char *end = p->last_why + used;
	bool proxy_named = false;

	if (px && (connect_code == 407 || status == 407)) {
		proxy_named = true;
		snprintf(end, len - used,
			 px->has_user ? "; proxy %s (from %s) refused the credentials"
				      : "; proxy %s (from %s) wants credentials: put them in the "
					"proxy URL (user:password@) or in netrc",
			 px->url, px->from);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		if (net && net->ca_file) {
			snprintf(end, len - used,
				 "; the CA bundle %s (from %s) does not vouch for this server: set "
				 "SSL_CERT_FILE or --cacert to your company's CA bundle",
				 net->ca_file,
				 net->ca_file_from ? net->ca_file_from : "the caller");
		} else {
			snprintf(end, len - used,
				 "; set SSL_CERT_FILE or --cacert to your company's CA bundle");
		}
	} else if (rc == CURLE_SSL_CACERT_BADFILE && net && (net->ca_file || net->ca_dir)) {
		/* curl's text names the file already; say where it came from. */
		snprintf(end, len - used, " (CA certificates from %s)",
			 net->ca_file ? (net->ca_file_from ? net->ca_file_from : "the caller")
				      : (net->ca_dir_from ? net->ca_dir_from : "the caller"));
	}
	/* Through a TLS-inspecting proxy the certificate is the proxy's. */
	if (px && !proxy_named && (rc != CURLE_OK || connect_code >= 300)) {
		used = strlen(p->last_why);
		snprintf(p->last_why + used, len - used, " (through proxy %s from %s)", px->url,
			 px->from);
	}
	if (px) {
		scrub(p->last_why, px->password);
	}
}

static void
emit(struct payload *p, enum gn_event_kind kind, const char *message)
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

static bool
resumable(const struct payload *p)
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
static int
resume_answer(struct payload *p, long status)
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
		if (p->resume_from > 0 && resume_answer(p, status) < 0) {
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

	now = now_ms();
	if (now - p->last_progress >= FETCH_PROGRESS_MS) {
		p->last_progress = now;
		emit(p, GN_EV_FETCH_PROGRESS, NULL);
	}
	return len;
}

/* Drops the attempt's file, hash and handle; keeps the payload's history. */
static void
attempt_cleanup(struct payload *p, bool unlink_part)
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
static void
request_over(struct payload *p, int rc)
{
	p->state = P_DONE;
	p->req->result = rc;
	if (p->ctx->on_done) {
		p->ctx->on_done(p->ctx->on_done_user, p->req);
	}
}

static void
request_fail(struct payload *p, int rc)
{
	request_over(p, rc);
}

static void
request_exhausted(struct payload *p)
{
	struct fetch_request *req = p->req;
	const char *url = req->urls[p->url];

	if (p->bad_bytes) {
		req->error = p->bad_bytes_err;
		request_fail(p, -(int)req->error.code);
		return;
	}
	gn_error_clear(&req->error);
	gn_error_set(&req->error, GN_E_FETCH, "%s: every mirror failed; last: %s", req->name,
		     p->last_why);
	gn_error_url(&req->error, url);
	request_fail(p, -GN_E_FETCH);
}

/*
 * One attempt failed.  transient: the same URL may work a moment later.
 * wait_ms: the server's Retry-After, or 0.
 */
static void
attempt_failed(struct payload *p, bool transient, int64_t wait_ms)
{
	struct fetch_request *req = p->req;
	char msg[GN_ERR_TEXT];

	/* Good-so-far bytes stay for the next attempt to resume from. */
	attempt_cleanup(p, !(resumable(p) && !p->attempt_bad && p->received > 0));
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
		p->ready_at = now_ms() + delay;
		p->state = P_QUEUED;
		snprintf(msg, sizeof(msg), "%s, retrying in %" PRId64 " ms", p->last_why, delay);
		emit(p, GN_EV_FETCH_RETRY, msg);
		return;
	}
	if (p->url + 1 < req->n_urls) {
		snprintf(msg, sizeof(msg), "%s, trying next mirror", p->last_why);
		emit(p, GN_EV_FETCH_RETRY, msg);
		p->url++;
		p->tries = 0;
		p->ready_at = 0;
		p->state = P_QUEUED;
		return;
	}
	request_exhausted(p);
}

/* Wrong bytes from this URL: remember them as the integrity failure. */
static void bad_bytes(struct payload *p, const char *expected, const char *got, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

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

static void
bad_bytes(struct payload *p, const char *expected, const char *got, const char *fmt, ...)
{
	char why[GN_ERR_TEXT / 2], via[GN_ERR_TEXT / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	served_by(p, via, sizeof(via));
	snprintf(p->last_why, sizeof(p->last_why), "%s%s", why, via);
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
static void
resume_failed(struct payload *p, const char *why)
{
	char msg[GN_ERR_TEXT];

	snprintf(msg, sizeof(msg), "%s after resuming at byte %" PRId64 ", restarting from byte 0",
		 why, p->resume_from);
	snprintf(p->last_why, sizeof(p->last_why), "%s", msg);
	p->attempt_bad = true;
	attempt_cleanup(p, true);
	p->no_resume = true;
	p->ready_at = 0;
	p->state = P_QUEUED;
	emit(p, GN_EV_FETCH_RETRY, msg);
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

/* Size, sha256 and hook passed or not; on success the file is in place. */
static void
attempt_complete(struct payload *p)
{
	struct fetch_request *req = p->req;
	const char *url = req->urls[p->url];
	uint8_t digest[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX], want[64], got[64], dir[PATH_MAX];
	struct gn_error herr;
	int rc;

	if (req->size >= 0 && p->received != req->size) {
		if (p->resume_from > 0) {
			resume_failed(p, "size mismatch");
			return;
		}
		snprintf(want, sizeof(want), "%" PRId64 " bytes", req->size);
		snprintf(got, sizeof(got), "%" PRId64 " bytes", p->received);
		bad_bytes(p, want, got, "size mismatch");
		attempt_failed(p, false, 0);
		return;
	}
	gn_sha256_final(&p->sha, digest);
	gn_hex_encode(digest, sizeof(digest), hex);
	if (req->sha256 && strcmp(hex, req->sha256) != 0) {
		if (p->resume_from > 0) {
			resume_failed(p, "sha256 mismatch");
			return;
		}
		bad_bytes(p, req->sha256, hex, "sha256 mismatch");
		attempt_failed(p, false, 0);
		return;
	}
	if (fsync(p->fd) != 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot sync %s: %s", p->part,
				  strerror(errno));
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	close(p->fd);
	p->fd = -1;
	if (req->verify) {
		gn_error_clear(&herr);
		rc = req->verify(req->verify_user, req, p->part, url, &herr);
		if (rc < 0) {
			char via[GN_ERR_TEXT / 2];

			/* Keep the hook's code (a signature failure stays one). */
			served_by(p, via, sizeof(via));
			snprintf(p->last_why, sizeof(p->last_why), "%s%s",
				 herr.message[0] ? herr.message : gn_code_message(gn_code_of(rc)),
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
			attempt_failed(p, false, 0);
			return;
		}
	}
	/* renameat replaces a link at dest itself, never what it points to. */
	if (renameat(p->part_dir, p->part_rel, p->dest_dir, p->dest_rel) != 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot rename %s to %s: %s", p->part,
				  req->dest, strerror(errno));
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	if (p->dest_dir == AT_FDCWD) {
		gn_dirname(req->dest, dir, sizeof(dir));
		rc = gn_fsync_dir(dir, &req->error);
	} else {
		rc = fsync(p->dest_dir) != 0 && errno != EINVAL
			     ? gn_error_set(&req->error, GN_E_IO,
					    "cannot sync the folder of %s: %s", req->dest,
					    strerror(errno))
			     : 0;
	}
	attempt_cleanup(p, false);
	if (rc < 0) {
		request_fail(p, rc);
		return;
	}
	snprintf(req->url_used, sizeof(req->url_used), "%s", url);
	gn_error_clear(&req->error);
	emit(p, GN_EV_FETCH_DONE, NULL);
	request_over(p, 0);
}

static void
attempt_done(struct payload *p, CURLcode rc)
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
		attempt_cleanup(p, true);
		request_fail(p, err);
		return;
	}
	if (p->resume_from > 0 && (rc == CURLE_BAD_DOWNLOAD_RESUME || rc == CURLE_RANGE_ERROR)) {
		resume_failed(p, p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (p->resume_from > 0 && (p->range_bad || status == 416)) {
		resume_failed(p, status == 416 ? "HTTP 416"
					       : "a Content-Range that does not continue the file");
		return;
	}
	/* The proxy would not open a tunnel: its answer, not the mirror's. */
	if (rc != CURLE_OK && connect_code >= 300) {
		snprintf(p->last_why, sizeof(p->last_why), "proxy answered HTTP %ld to CONNECT",
			 connect_code);
		explain(p, rc, connect_code, status);
		attempt_failed(p, connect_code >= 500 && connect_code <= 599, 0);
		return;
	}
	/* A 3xx that failed (redirect refused, too many) has curl's reason;
	 * an error page we cut short ends in CURLE_WRITE_ERROR. */
	if (status >= 400 || (http_failed(status) && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR))) {
		snprintf(p->last_why, sizeof(p->last_why), "HTTP %ld", status);
		explain(p, rc, connect_code, status);
		attempt_failed(p,
			       status == 408 || status == 429 || (status >= 500 && status <= 599),
			       retry_after > 0 ? (int64_t)retry_after * 1000 : 0);
		return;
	}
	if (p->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		if (p->resume_from > 0) {
			resume_failed(p, "too many bytes");
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
		bad_bytes(p, want, got, "served more than the expected %" PRId64 " bytes",
			  p->limit);
		attempt_failed(p, false, 0);
		return;
	}
	if (rc != CURLE_OK) {
		snprintf(p->last_why, sizeof(p->last_why), "%s",
			 p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		explain(p, rc, connect_code, status);
		/* A stalled mirror costs a whole stall timeout per try: move on
		 * at once while another mirror is left; retry only the last. */
		attempt_failed(p,
			       curl_transient(rc) &&
				   !(rc == CURLE_OPERATION_TIMEDOUT && p->url + 1 < req->n_urls),
			       0);
		return;
	}
	attempt_complete(p);
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

#define SETOPT(easy, opt, val)                                                                     \
	do {                                                                                       \
		CURLcode c_ = curl_easy_setopt(easy, opt, val);                                    \
		if (c_ != CURLE_OK) {                                                              \
			return c_;                                                                 \
		}                                                                                  \
	} while (0)

/* The proxy (or none: "" keeps libcurl from reading *_proxy), no_proxy
 * and the CA certificates, on any easy handle. */
static CURLcode
apply_net(CURL *easy, const struct fetch_net *net, const struct fetch_proxy *px)
{
	SETOPT(easy, CURLOPT_PROXY, px ? px->url : "");
	SETOPT(easy, CURLOPT_NOPROXY, net && net->no_proxy ? net->no_proxy : "");
	if (px && px->has_user) {
		SETOPT(easy, CURLOPT_PROXYUSERNAME, px->user);
		SETOPT(easy, CURLOPT_PROXYPASSWORD, px->password);
		/* Whatever the proxy offers (Basic, Digest, NTLM), as curl
		 * --proxy-anyauth: one round trip more, no method guessed. */
		SETOPT(easy, CURLOPT_PROXYAUTH, (long)CURLAUTH_ANY);
	}
	/* Whom to trust, never whether: verification stays on.  The same CAs
	 * vouch for an https:// proxy. */
	if (net && net->ca_file) {
		SETOPT(easy, CURLOPT_CAINFO, net->ca_file);
		SETOPT(easy, CURLOPT_PROXY_CAINFO, net->ca_file);
	}
	if (net && net->ca_dir) {
		SETOPT(easy, CURLOPT_CAPATH, net->ca_dir);
		SETOPT(easy, CURLOPT_PROXY_CAPATH, net->ca_dir);
	}
	return CURLE_OK;
}

int
fetch_net_apply(void *handle, const struct fetch_net *net, const char *url, struct gn_error *err)
{
	struct fetch_proxy px;
	const char *raw = NULL, *from = NULL;
	int rc;

	if (net && has_scheme(url, "https")) {
		raw = net->https_proxy;
		from = net->https_proxy_from;
	} else if (net && has_scheme(url, "http")) {
		raw = net->http_proxy;
		from = net->http_proxy_from;
	}
	rc = proxy_parse(&px, raw, from, net ? net->netrc : NULL, err);
	if (rc == 0 && apply_net(handle, net, px.set ? &px : NULL) != CURLE_OK) {
		rc = gn_error_set(err, GN_E_FETCH, "cannot set the proxy or CA certificates");
		gn_error_url(err, url);
	}
	explicit_bzero(&px, sizeof(px));
	return rc;
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
	if (apply_net(easy, ctx->net, proxy_for(ctx, p->req->urls[p->url])) != CURLE_OK) {
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

/*
 * A part left by an earlier attempt or run: hash what it holds and continue
 * after it.  One that is not shorter than the file (or cannot be read) is
 * emptied instead.  0, or -code with req->error set.
 */
static int
resume_prepare(struct payload *p)
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
static int
open_part(struct payload *p)
{
	int flags = O_CREAT | O_RDWR | (resumable(p) ? 0 : O_TRUNC);

	return gn_openat_replace(p->part_dir, p->part_rel, flags, 0644);
}

/* Starts the current URL; a local failure ends the request. */
static void
attempt_start(struct payload *p)
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

	p->fd = open_part(p);
	if (p->fd < 0) {
		rc = gn_error_set(&req->error, GN_E_IO, "cannot create %s: %s", p->part,
				  strerror(errno));
		request_fail(p, rc);
		return;
	}
	rc = gn_sha256_init(&p->sha);
	if (rc < 0) {
		gn_error_set(&req->error, GN_E_NOMEM, "out of memory hashing %s", req->name);
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	if (resumable(p) && (rc = resume_prepare(p)) < 0) {
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	p->easy = curl_easy_init();
	if (!p->easy) {
		rc = gn_error_set(&req->error, GN_E_NOMEM, "cannot create a curl handle");
		attempt_cleanup(p, true);
		request_fail(p, rc);
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
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	mc = curl_multi_add_handle(p->ctx->multi, p->easy);
	if (mc != CURLM_OK) {
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
		rc = gn_error_set(&req->error, GN_E_FETCH, "%s: cannot start the transfer: %s",
				  req->name, curl_multi_strerror(mc));
		attempt_cleanup(p, true);
		request_fail(p, rc);
		return;
	}
	p->ctx->running++;
	p->state = P_RUNNING;
	emit(p, GN_EV_FETCH_START, NULL);
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
		int rc = proxy_parse(&ctx->https_proxy, net->https_proxy, net->https_proxy_from,
				     net->netrc, err);

		if (rc == 0) {
			rc = proxy_parse(&ctx->http_proxy, net->http_proxy, net->http_proxy_from,
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
	int64_t now = now_ms(), wake = -1;

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
		attempt_start(p);
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
			attempt_done((struct payload *)priv, rc);
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
	if (!net_described && ctx.events) {
		bool network = false;

		for (size_t i = 0; i < n && !network; i++) {
			for (size_t u = 0; reqs[i].urls && u < reqs[i].n_urls; u++) {
				const char *url = reqs[i].urls[u];

				network = network || (url && !has_scheme(url, "file"));
			}
		}
		if (network) {
			net_described = true;
			describe_net(&ctx);
		}
	}
	ps = calloc(n, sizeof(*ps));
	if (!ps) {
		rc = gn_error_set(err, GN_E_NOMEM, "cannot set up downloads: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int prc = payload_init(&ps[i], &reqs[i], &ctx);
		if (prc < 0) {
			request_fail(&ps[i], prc);
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
				bool keep = rc == -GN_E_INTERRUPTED && resumable(&ps[i]) &&
					    !ps[i].attempt_bad && !ps[i].range_bad &&
					    !ps[i].overflow;
				attempt_cleanup(&ps[i], ps[i].state == P_RUNNING && !keep);
				ps[i].req->error = *err;
				request_fail(&ps[i], rc);
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

	net_described = false;

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
