/*
 * builder/http.h - one small HTTP exchange held in memory: the registry API
 * (pings, tokens, manifests, upload sessions) and anything else that is not
 * a verified download (those go through fetch.h).
 *
 * TLS verification is always on; only http and https; redirects are
 * followed for GET and HEAD only, to http/https.
 */
#ifndef HTTP_H
#define HTTP_H

#include "gn/error.h"

struct fetch_net;

#include <stddef.h>
#include <stdint.h>

struct http_call {
	const char *method;              /* "GET", "HEAD", "POST", "PUT" */
	const char *url;
	const char *const *headers;      /* "Name: value" lines, or NULL */
	size_t n_headers;
	const char *user_pass;           /* "user:password" for Basic, or NULL */
	const char *netrc;               /* netrc file for credentials, or NULL */
	const struct fetch_net *net;     /* CA certificates, proxies (fetch.h); NULL
					  * = default store, direct */
	const void *body;                /* request body in memory, or NULL */
	size_t body_len;
	const char *body_file;           /* or stream this file as the body */
	size_t max_reply;                /* cap on the reply body; 0 = 4 MiB */
	long timeout;                    /* seconds for the whole exchange; 0 = 300 */
};

struct http_reply {
	long status;
	char *body;                      /* NUL-terminated; owned: http_reply_free() */
	size_t len;
	char www_authenticate[1024];     /* the first such header, or "" */
	char location[2048];             /* Location, or "" */
	char content_type[128];
	char docker_content_digest[96];
	char effective_url[2048];
};

/* 0 when the exchange happened (any status), else -GN_E_FETCH (or NOMEM,
 * IO) with the URL in err.  Free the reply in both cases. */
int http_exchange(const struct http_call *call, struct http_reply *reply, struct gn_error *err);
void http_reply_free(struct http_reply *reply);

#endif
