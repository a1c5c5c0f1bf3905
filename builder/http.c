/*
 * builder/http.c - one HTTP exchange in memory, with libcurl's easy API.
 */
#include "builder/http.h"

#include "builder/fetch.h"
#include "gn/fs.h"

#include <curl/curl.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_DEFAULT_MAX_REPLY (4u << 20)
#define HTTP_DEFAULT_TIMEOUT 300L

struct exchange {
	struct http_reply *reply;
	size_t cap, max;
	bool overflow, nomem;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct exchange *x = user;
	struct http_reply *r = x->reply;
	size_t n = size * nmemb;

	if (r->len + n > x->max) {
		x->overflow = true;
		return 0;
	}
	if (r->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *grown;

		while (cap < r->len + n + 1) {
			cap *= 2;
		}
		grown = realloc(r->body, cap);
		if (!grown) {
			x->nomem = true;
			return 0;
		}
		r->body = grown;
		x->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copy a header's value (trimmed) when the line is "name: value". */
static void
take_header(const char *line, size_t len, const char *name, char *out, size_t out_len)
{
	size_t name_len = strlen(name);

	if (len <= name_len || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':') {
		return;
	}
	line += name_len + 1;
	len -= name_len + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && isspace((unsigned char)line[len - 1])) {
		len--;
	}
	/* A value too long for out is dropped whole, never cut: a cut Location
	 * or digest would be another value. */
	if (!gn_path_fmt(out, out_len, "%.*s", (int)len, line)) {
		out[0] = '\0';
	}
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *user)
{
	struct exchange *x = user;
	struct http_reply *r = x->reply;
	size_t len = size * nmemb;

	/* A new response (after a redirect or a 100): forget the last one's. */
	if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
		r->www_authenticate[0] = r->location[0] = r->content_type[0] = '\0';
		r->docker_content_digest[0] = '\0';
		return len;
	}
	if (!r->www_authenticate[0]) {
		take_header(line, len, "WWW-Authenticate", r->www_authenticate,
			    sizeof(r->www_authenticate));
	}
	take_header(line, len, "Location", r->location, sizeof(r->location));
	take_header(line, len, "Content-Type", r->content_type, sizeof(r->content_type));
	take_header(line, len, "Docker-Content-Digest", r->docker_content_digest,
		    sizeof(r->docker_content_digest));
	return len;
}

static int
setup_failed(const struct http_call *call, struct gn_error *err)
{
	int rc = gn_error_set(err, GN_E_FETCH, "cannot set up the request");

	gn_error_url(err, call->url);
	return rc;
}

#define SETOPT(easy, opt, val)                                                                     \
	do {                                                                                       \
		if (curl_easy_setopt(easy, opt, val) != CURLE_OK) {                                \
			goto setup_failed;                                                         \
		}                                                                                  \
	} while (0)

/* What every exchange sets: URL, limits, callbacks, headers, network. */
static int
set_common(CURL *easy, const struct http_call *call, struct exchange *x,
	   struct curl_slist *headers, char *errbuf, struct gn_error *err)
{
	bool follow = strcmp(call->method, "GET") == 0 || strcmp(call->method, "HEAD") == 0;

	SETOPT(easy, CURLOPT_URL, call->url);
	SETOPT(easy, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
	SETOPT(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(easy, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	SETOPT(easy, CURLOPT_MAXREDIRS, 10L);
	SETOPT(easy, CURLOPT_USERAGENT, "gonative/" GONATIVE_VERSION);
	SETOPT(easy, CURLOPT_CONNECTTIMEOUT, 30L);
	SETOPT(easy, CURLOPT_TIMEOUT, call->timeout > 0 ? call->timeout : HTTP_DEFAULT_TIMEOUT);
	SETOPT(easy, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(easy, CURLOPT_WRITEDATA, x);
	SETOPT(easy, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(easy, CURLOPT_HEADERDATA, x);
	SETOPT(easy, CURLOPT_HTTPHEADER, headers);
	if (call->netrc) {
		SETOPT(easy, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		SETOPT(easy, CURLOPT_NETRC_FILE, call->netrc);
	}
	if (call->user_pass) {
		SETOPT(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(easy, CURLOPT_USERPWD, call->user_pass);
	}
	return fetch_net_apply(easy, call->net, call->url, err);
setup_failed:
	return setup_failed(call, err);
}

/* The method and what is sent: a file (*upload, the caller closes it), a
 * buffer, or an empty body for a bare POST or PUT. */
static int
set_method_body(CURL *easy, const struct http_call *call, FILE **upload, struct gn_error *err)
{
	if (strcmp(call->method, "HEAD") == 0) {
		SETOPT(easy, CURLOPT_NOBODY, 1L);
	} else if (strcmp(call->method, "GET") != 0) {
		SETOPT(easy, CURLOPT_CUSTOMREQUEST, call->method);
	}
	if (call->body_file) {
		long long size;

		*upload = fopen(call->body_file, "rbe");
		if (!*upload || fseeko(*upload, 0, SEEK_END) != 0 || (size = ftello(*upload)) < 0 ||
		    fseeko(*upload, 0, SEEK_SET) != 0) {
			return gn_error_set(err, GN_E_IO, "cannot read %s: %s", call->body_file,
					    strerror(errno));
		}
		SETOPT(easy, CURLOPT_UPLOAD, 1L);
		SETOPT(easy, CURLOPT_READDATA, *upload);
		SETOPT(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
		/* CURLOPT_UPLOAD means PUT; a POST keeps its method. */
		SETOPT(easy, CURLOPT_CUSTOMREQUEST, call->method);
	} else if (call->body) {
		SETOPT(easy, CURLOPT_POSTFIELDS, call->body);
		SETOPT(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
	} else if (strcmp(call->method, "POST") == 0 || strcmp(call->method, "PUT") == 0) {
		SETOPT(easy, CURLOPT_POSTFIELDS, "");
		SETOPT(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	return 0;
setup_failed:
	return setup_failed(call, err);
}

/* After curl_easy_perform: the failure, or the status and final URL. */
static int
read_result(CURL *easy, CURLcode cc, const struct http_call *call, const struct exchange *x,
	    const char *errbuf, struct http_reply *reply, struct gn_error *err)
{
	char *effective = NULL;
	int rc;

	if (x->nomem) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory reading %s", call->url);
	}
	if (x->overflow) {
		rc = gn_error_set(err, GN_E_FETCH, "the reply is larger than %zu bytes", x->max);
		gn_error_url(err, call->url);
		return rc;
	}
	if (cc != CURLE_OK) {
		rc = gn_error_set(err, GN_E_FETCH, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
		gn_error_url(err, call->url);
		return rc;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply->status);
	if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
		snprintf(reply->effective_url, sizeof(reply->effective_url), "%s", effective);
	}
	if (!reply->body && !(reply->body = calloc(1, 1))) {
		return gn_error_nomem(err);
	}
	return 0;
}

int
http_exchange(const struct http_call *call, struct http_reply *reply, struct gn_error *err)
{
	struct exchange x = {.reply = reply};
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	FILE *upload = NULL;
	CURL *easy;
	int rc = 0;

	memset(reply, 0, sizeof(*reply));
	x.max = call->max_reply ? call->max_reply : HTTP_DEFAULT_MAX_REPLY;
	easy = curl_easy_init();
	if (!easy) {
		return gn_error_set(err, GN_E_NOMEM, "cannot create a curl handle");
	}
	for (size_t i = 0; i < call->n_headers && rc == 0; i++) {
		struct curl_slist *next = curl_slist_append(headers, call->headers[i]);

		if (!next) {
			rc = gn_error_nomem(err);
		} else {
			headers = next;
		}
	}
	if (rc == 0 && (rc = set_common(easy, call, &x, headers, errbuf, err)) == 0 &&
	    (rc = set_method_body(easy, call, &upload, err)) == 0) {
		CURLcode cc = curl_easy_perform(easy);

		rc = read_result(easy, cc, call, &x, errbuf, reply, err);
	}
	if (upload) {
		fclose(upload);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	return rc;
}

void
http_reply_free(struct http_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}
