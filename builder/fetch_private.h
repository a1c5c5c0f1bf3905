/*
 * builder/fetch_private.h - what the parts of builder/fetch.h share.
 *
 * Only fetch*.c include this.  fetch.c runs the multi loop (one payload per
 * request, queued -> running -> done); fetch_attempt.c is one transfer of
 * one URL (the easy handle, the body, what its outcome means);
 * fetch_part.c is the part file (resume, the size/sha256/hook checks, the
 * rename into place); fetch_net.c is the network settings (proxies, CA
 * certificates, the -v description, the hints on failure).
 */
#ifndef FETCH_PRIVATE_H
#define FETCH_PRIVATE_H

#include "builder/fetch.h"
#include "gn/sha256.h"

#include <curl/curl.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

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
/* curl_easy_setopt, returning its CURLcode from the enclosing function. */
#define SETOPT(easy, opt, val)                                                                     \
	do {                                                                                       \
		CURLcode c_ = curl_easy_setopt(easy, opt, val);                                    \
		if (c_ != CURLE_OK) {                                                              \
			return c_;                                                                 \
		}                                                                                  \
	} while (0)

static inline int64_t
fetch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fetch_net.c */
bool fetch_has_scheme(const char *url, const char *scheme);
const struct fetch_proxy *fetch_proxy_for(const struct fetch_ctx *ctx, const char *url);
int fetch_proxy_parse(struct fetch_proxy *px, const char *raw, const char *from,
		      const char *netrc, struct gn_error *err);
CURLcode fetch_apply_net(CURL *easy, const struct fetch_net *net, const struct fetch_proxy *px);
void fetch_explain(struct payload *p, CURLcode rc, long connect_code, long status);
void fetch_describe_net_once(const struct fetch_ctx *ctx, const struct fetch_request *reqs,
			     size_t n);
void fetch_net_reset(void);

/* fetch_part.c */
bool fetch_resumable(const struct payload *p);
int fetch_resume_answer(struct payload *p, long status);
void fetch_bad_bytes(struct payload *p, const char *expected, const char *got, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));
void fetch_resume_failed(struct payload *p, const char *why);
void fetch_attempt_complete(struct payload *p);
int fetch_resume_prepare(struct payload *p);
int fetch_open_part(struct payload *p);

/* fetch_attempt.c */
void fetch_emit(struct payload *p, enum gn_event_kind kind, const char *message);
void fetch_attempt_cleanup(struct payload *p, bool unlink_part);
void fetch_request_over(struct payload *p, int rc);
void fetch_request_fail(struct payload *p, int rc);
void fetch_attempt_failed(struct payload *p, bool transient, int64_t wait_ms);
void fetch_attempt_done(struct payload *p, CURLcode rc);
void fetch_attempt_start(struct payload *p);
/* Sets p->last_why, cut to its size on purpose: it is the summary of one
 * attempt inside a longer message. */
void fetch_set_why(struct payload *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
