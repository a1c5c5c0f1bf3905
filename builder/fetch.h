/*
 * builder/fetch.h - parallel downloads with libcurl multi (pacman dload.c).
 *
 * Each request lists its URLs in mirror order.  Bytes go to the part file,
 * hashed as they arrive; only when size, sha256 and the optional verify hook
 * agree is the file fsync'd and renamed to dest.  A failure moves that
 * request to its next URL; others keep running.  Schemes: http, https, file;
 * redirects only to http/https.  TLS verification is never turned off.
 *
 * Resume: when the caller names the part file (part != NULL) and the size is
 * known, a part shorter than the file (left by a cut-off transfer or a killed
 * process) is hashed and continued with "Range: bytes=N-": a 206 must start
 * at N and is appended, a 200 replaces the part.  If the resumed file then
 * fails its size or sha256 check, the part is dropped and the same URL is
 * fetched once more from byte 0.  A part that got wrong bytes is always
 * removed; one that holds only good-so-far bytes stays after a failed run
 * (for the next one to resume).  The default "<dest>.part" is never resumed.
 *
 * Network settings (CA certificates, proxies) come in through struct
 * fetch_net and nothing else: libcurl is told the proxy (or "none")
 * explicitly, so it never reads *_proxy from the environment itself.
 */
#ifndef FETCH_H
#define FETCH_H

#include "gn/error.h"
#include "gn/events.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct fetch_request;

/*
 * Lets another thread cut a running fetch_run's wait short
 * (curl_multi_wakeup), so that a cancellation it polls for is seen at once
 * rather than at the next poll timeout.  The caller owns it; fetch_run
 * registers its handle while it runs.
 */
struct fetch_waker {
	pthread_mutex_t lock;
	void *multi; /* CURLM *, only while fetch_run runs */
};

void fetch_waker_init(struct fetch_waker *waker);
void fetch_waker_destroy(struct fetch_waker *waker);
void fetch_wake(struct fetch_waker *waker);

/* Extra check before the file is accepted (minisign).  part is the
 * complete, sha-verified download.  0, or -code (the next URL is tried). */
typedef int (*fetch_verify_fn)(void *user, const struct fetch_request *req, const char *part,
			       const char *url, struct gn_error *err);

struct fetch_request {
	/* in */
	const char *name;        /* display name (the artifact's file name) */
	const char *const *urls; /* full URLs, tried in order */
	size_t n_urls;
	int64_t size;            /* expected bytes, or -1 when unknown */
	const char *sha256;      /* expected lowercase hex, or NULL when unknown */
	int64_t max_size;        /* cap when size is unknown (0 = 64 MiB) */
	const char *dest;        /* final path; its folder exists */
	const char *part;        /* where bytes land first (same file system as
				  * dest); resumed when size is known (above).
				  * NULL = "<dest>.part", always started afresh */
	/* Optional: with dest_name set, dest is the file dest_name in the folder
	 * dest_dir, and likewise part_name in part_dir (one file name each; a
	 * part_name-less part is "<dest_name>.part" in dest_dir).  Every open,
	 * rename and unlink is then relative to those folders, and dest and part
	 * only name the files in messages.  Either way the part is opened with
	 * O_NOFOLLOW and a link in its place is removed, never written through. */
	int dest_dir;
	const char *dest_name;
	int part_dir;
	const char *part_name;
	fetch_verify_fn verify;  /* optional */
	void *verify_user;

	/* out */
	int result;              /* 0 or -code */
	struct gn_error error;   /* last failure (the one reported) */
	char url_used[1024];     /* the URL that succeeded */
};

/*
 * The machine's network settings (cmd/ reads them from the command line and
 * the environment; a manifest never sets them).  Every *_from names where a
 * value came from ("--cacert", "SSL_CERT_FILE", ...) for messages.  TLS
 * verification stays on whatever is set here: these only say whom to trust
 * and which way to go.
 */
struct fetch_net {
	const char *ca_file;     /* PEM bundle used instead of libcurl's default
				  * file (CURLOPT_CAINFO); NULL = default */
	const char *ca_file_from;
	const char *ca_dir;      /* hashed folder (openssl rehash) used instead of
				  * the default folder (CURLOPT_CAPATH); NULL = default */
	const char *ca_dir_from;
	const char *http_proxy;  /* proxy for http:// URLs; NULL or "" = direct.
				  * "host:port" means http://; credentials may be
				  * in the URL (user:password@) */
	const char *http_proxy_from;
	const char *https_proxy; /* proxy for https:// URLs (CONNECT) */
	const char *https_proxy_from;
	const char *no_proxy;    /* curl's no_proxy list; NULL = none */
	const char *no_proxy_from;
	const char *netrc;       /* netrc file giving proxy credentials when the
				  * proxy URL has none; NULL = none */
	long stall_timeout;      /* seconds below 1 byte/s before giving up, when
				  * fetch_opts leaves it 0 (GONATIVE_STALL_TIMEOUT);
				  * 0 = 30 */
};

/* One extra request header for every URL that starts with prefix (a
 * registry's bearer token).  curl never repeats it on a redirect to another
 * host, so a storage backend does not see it. */
struct fetch_header {
	const char *prefix;
	const char *header; /* "Authorization: Bearer ..." */
};

struct fetch_opts {
	int jobs;                /* parallel transfers; 0 = 4 */
	long connect_timeout;    /* seconds; 0 = 30 */
	long stall_timeout;      /* seconds below 1 byte/s before giving up; 0 = 30 */
	int retries;             /* extra tries per URL on 408/429/5xx/timeouts; -1 = 0, 0 = 2 */
	const struct gn_events *events;
	const struct fetch_net *net; /* NULL = default CA store, no proxy */
	const struct fetch_header *headers; /* by URL prefix; the first match counts */
	const char *netrc;       /* netrc file with logins for mirrors, or NULL */
	size_t n_headers;
	/* Optional: called once per request when its result is final (a
	 * success is renamed into place by then), on the thread that runs
	 * fetch_run, in the order requests end. */
	void (*on_done)(void *user, const struct fetch_request *req);
	void *on_done_user;
	struct fetch_waker *waker; /* optional */
	/* One transfer at a time, in the requests' order, until an attempt
	 * fails; then up to jobs at once (builder/pipeline.h). */
	bool in_order;
};

/*
 * Run every request to completion.  Returns 0 when all succeeded; otherwise
 * the first failed request's -code with its error copied into *err.  A
 * request fails with GN_E_INTEGRITY when some URL served wrong bytes and no
 * URL served right ones, else GN_E_FETCH (curl's error text and the URL in
 * the context).
 */
int fetch_run(struct fetch_request *reqs, size_t n, const struct fetch_opts *opts,
	      struct gn_error *err);

/*
 * The same network settings on a libcurl easy handle (CURL *) made
 * elsewhere (builder/http.c): CA certificates, the proxy for url's scheme
 * (or none, so libcurl never reads *_proxy itself) and no_proxy.  net may
 * be NULL.  0, or -code (a proxy URL that does not parse: GN_E_USAGE).
 */
int fetch_net_apply(void *easy, const struct fetch_net *net, const char *url,
		    struct gn_error *err);

/* curl_global_init once per process (call from main). */
int fetch_global_init(struct gn_error *err);
void fetch_global_cleanup(void);

#endif
