/*
 * builder/oci_auth.c - the registry handshake: credentials (the caller's
 * user:password or docker's config.json; netrc goes to libcurl), the ping,
 * a Bearer token (token auth as the Docker token spec describes it) or
 * Basic, and the session's API calls.
 */
#include "builder/oci_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* "https://reg.example:5000/v1/" -> "reg.example:5000" */
static void
auth_key_host(const char *key, char *out, size_t len)
{
	const char *s = strstr(key, "://");

	s = s ? s + 3 : key;
	snprintf(out, len, "%.*s", (int)strcspn(s, "/"), s);
}

/* docker's config.json "auths": {"host": {"auth": base64("user:pass")}}. */
static const char *
docker_config_auth(struct gn_arena *arena, const char *path, const char *host)
{
	yaml_document_t doc;
	yaml_node_t *auths;
	/* A FIFO or device named as the config is skipped, never waited on. */
	int fd = gn_open_regular(path, NULL);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	char *data = NULL, *result = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	for (;;) {
		char *grown;
		size_t n;

		if (len + 4096 > cap) {
			if (cap > OCI_MAX_TOKEN * 16) {
				break;
			}
			cap = cap ? cap * 2 : 8192;
			grown = realloc(data, cap);
			if (!grown) {
				break;
			}
			data = grown;
		}
		n = fread(data + len, 1, cap - len, f);
		if (n == 0) {
			break;
		}
		len += n;
	}
	fclose(f);
	if (!data || !oci_json_load(&doc, data, len)) {
		free(data);
		return NULL;
	}
	auths = oci_json_get(&doc, yaml_document_get_root_node(&doc), "auths");
	if (auths && auths->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pair = auths->data.mapping.pairs.start;
		     pair < auths->data.mapping.pairs.top && !result; pair++) {
			const char *key = oci_json_text(yaml_document_get_node(&doc, pair->key));
			const char *b64 = oci_json_text(
				oci_json_get(&doc, yaml_document_get_node(&doc, pair->value), "auth"));
			char key_host[256];
			unsigned char bin[1024];
			size_t bin_len = 0;

			if (!key || !b64) {
				continue;
			}
			auth_key_host(key, key_host, sizeof(key_host));
			if (strcmp(key_host, host) != 0) {
				continue;
			}
			if (sodium_base642bin(bin, sizeof(bin) - 1, b64, strlen(b64), NULL, &bin_len,
					      NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
			    memchr(bin, ':', bin_len)) {
				result = gn_arena_strndup(arena, (const char *)bin, bin_len);
			}
			sodium_memzero(bin, sizeof(bin));
		}
	}
	yaml_document_delete(&doc);
	sodium_memzero(data, len);
	free(data);
	return result;
}

static const char *
find_creds(struct gn_arena *arena, const struct oci_creds *creds, const char *host)
{
	if (!creds) {
		return NULL;
	}
	if (creds->user_pass && strchr(creds->user_pass, ':')) {
		return creds->user_pass;
	}
	if (creds->docker_config) {
		return docker_config_auth(arena, creds->docker_config, host);
	}
	return NULL;
}

/* One param="value" of a WWW-Authenticate challenge, or "" when absent. */
static void
challenge_param(const char *challenge, const char *name, char *out, size_t len)
{
	size_t name_len = strlen(name);
	const char *s = strchr(challenge, ' ');

	out[0] = '\0';
	while (s && *s) {
		const char *value;
		size_t n;

		while (*s == ' ' || *s == ',') {
			s++;
		}
		value = strchr(s, '=');
		if (!value) {
			return;
		}
		n = (size_t)(value - s);
		value++;
		if (*value == '"') {
			const char *end = strchr(value + 1, '"');

			if (!end) {
				return;
			}
			if (n == name_len && strncasecmp(s, name, n) == 0) {
				snprintf(out, len, "%.*s", (int)(end - value - 1), value + 1);
				return;
			}
			s = end + 1;
		} else {
			size_t vlen = strcspn(value, ",");

			if (n == name_len && strncasecmp(s, name, n) == 0) {
				snprintf(out, len, "%.*s", (int)vlen, value);
				return;
			}
			s = value + vlen;
		}
	}
}

static void
url_escape(struct gn_buf *buf, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			gn_buf_putc(buf, (char)c);
		} else {
			gn_buf_printf(buf, "%%%02X", c);
		}
	}
}

int
oci_registry_error(struct gn_error *err, const struct oci_ref *ref, const char *url, long status,
	       const char *what)
{
	int rc = gn_error_set(err, GN_E_FETCH, "registry %s: %s (HTTP %ld)", ref->host, what,
			      status);

	gn_error_url(err, url);
	return rc;
}

/* One registry API call with the session's login; an extra header (Accept,
 * Content-Type) may be given.  The reply is freed on failure. */
int
oci_session_exchange(const struct oci_session *s, const char *method, const char *url,
		 const char *header, const struct http_call *body, size_t max_reply,
		 struct http_reply *reply, struct gn_error *err)
{
	const char *headers[2];
	size_t n = 0;
	struct http_call call = {
		.method = method,
		.url = url,
		.headers = headers,
		.netrc = s->netrc,
		.net = s->net,
		.max_reply = max_reply,
	};
	int rc;

	if (header) {
		headers[n++] = header;
	}
	if (s->auth_header) {
		headers[n++] = s->auth_header;
	}
	call.n_headers = n;
	if (body) {
		call.body = body->body;
		call.body_len = body->body_len;
		call.body_file = body->body_file;
		call.timeout = body->timeout;
	}
	rc = http_exchange(&call, reply, err);
	if (rc < 0) {
		http_reply_free(reply);
	}
	return rc;
}

static int
bearer_token(struct gn_arena *arena, const struct oci_ref *ref, const char *challenge,
	     const char *actions, const char *user_pass, const char *netrc,
	     const struct fetch_net *net, const char **header, struct gn_error *err)
{
	char realm[1024], service[256];
	struct http_reply reply;
	struct gn_buf url;
	yaml_document_t doc;
	const char *token = NULL;
	int rc;

	challenge_param(challenge, "realm", realm, sizeof(realm));
	challenge_param(challenge, "service", service, sizeof(service));
	if (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0) {
		rc = gn_error_set(err, GN_E_FETCH,
				  "registry %s: its token realm \"%.200s\" is not an http(s) URL",
				  ref->host, realm);
		return rc;
	}
	gn_buf_init(&url);
	gn_buf_puts(&url, realm);
	gn_buf_putc(&url, strchr(realm, '?') ? '&' : '?');
	if (service[0]) {
		gn_buf_puts(&url, "service=");
		url_escape(&url, service);
		gn_buf_putc(&url, '&');
	}
	gn_buf_puts(&url, "scope=repository%3A");
	url_escape(&url, ref->repo);
	gn_buf_puts(&url, "%3A");
	url_escape(&url, actions);
	if (url.failed) {
		gn_buf_free(&url);
		return gn_error_nomem(err);
	}
	{
		struct http_call call = {
			.method = "GET",
			.url = url.data,
			.user_pass = user_pass,
			.netrc = netrc,
			.net = net,
			.max_reply = OCI_MAX_TOKEN,
		};

		rc = http_exchange(&call, &reply, err);
	}
	if (rc == 0 && reply.status != 200) {
		rc = oci_registry_error(err, ref, realm, reply.status,
				    reply.status == 401 || reply.status == 403
					    ? "the token service refused the credentials (set "
					      "GONATIVE_REGISTRY_AUTH, log in with docker, or add "
					      "the host to your netrc)"
					    : "the token service failed");
	}
	if (rc == 0 && oci_json_load(&doc, reply.body, reply.len)) {
		yaml_node_t *root = yaml_document_get_root_node(&doc);

		token = oci_json_text(oci_json_get(&doc, root, "token"));
		if (!token || !*token) {
			token = oci_json_text(oci_json_get(&doc, root, "access_token"));
		}
		if (token && *token) {
			*header = gn_arena_printf(arena, "Authorization: Bearer %s", token);
			if (!*header) {
				rc = gn_error_nomem(err);
			}
		} else {
			token = NULL;
		}
		yaml_document_delete(&doc);
	}
	if (rc == 0 && !token) {
		rc = oci_registry_error(err, ref, realm, reply.status,
				    "the token service answered without a token");
	}
	http_reply_free(&reply);
	gn_buf_free(&url);
	return rc;
}

static const char *
basic_header(struct gn_arena *arena, const char *user_pass)
{
	size_t len = strlen(user_pass);
	size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64_len);
	const char *header;

	if (!b64) {
		return NULL;
	}
	sodium_bin2base64(b64, b64_len, (const unsigned char *)user_pass, len,
			  sodium_base64_VARIANT_ORIGINAL);
	header = gn_arena_printf(arena, "Authorization: Basic %s", b64);
	sodium_memzero(b64, b64_len);
	free(b64);
	return header;
}

/* Does the header open /v2/?  0, or -code. */
static int
ping(const struct oci_ref *ref, const char *header, const char *netrc, const struct fetch_net *net,
     long *status, char *challenge, size_t challenge_len, struct gn_error *err)
{
	char url[700];
	struct http_reply reply;
	struct http_call call = {
		.method = "GET",
		.url = url,
		.headers = header ? &header : NULL,
		.n_headers = header ? 1 : 0,
		.netrc = netrc,
		.net = net,
		.max_reply = 64 * 1024,
		.timeout = 60,
	};
	int rc;

	snprintf(url, sizeof(url), "%s://%s/v2/", ref->plain_http ? "http" : "https", ref->host);
	rc = http_exchange(&call, &reply, err);
	if (rc == 0) {
		*status = reply.status;
		if (challenge) {
			snprintf(challenge, challenge_len, "%s", reply.www_authenticate);
		}
	}
	http_reply_free(&reply);
	return rc;
}

int
oci_open(struct gn_arena *arena, const struct oci_ref *ref, const char *actions,
	 const struct oci_creds *creds, struct oci_session *out, struct gn_error *err)
{
	const char *user_pass = find_creds(arena, creds, ref->host);
	const char *netrc = creds ? creds->netrc : NULL;
	const struct fetch_net *net = creds ? creds->net : NULL;
	char challenge[1024], url[700];
	long status = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ref = *ref;
	out->netrc = netrc;
	out->net = net;
	snprintf(url, sizeof(url), "%s://%s/v2/", ref->plain_http ? "http" : "https", ref->host);
	if ((rc = ping(ref, NULL, netrc, net, &status, challenge, sizeof(challenge), err)) < 0) {
		return rc;
	}
	if (status == 200) {
		return 0;
	}
	if (status != 401) {
		return oci_registry_error(err, ref, url, status, "not an OCI registry (GET /v2/)");
	}
	if (strncasecmp(challenge, "Bearer ", 7) == 0) {
		return bearer_token(arena, ref, challenge, actions, user_pass, netrc, net,
				    &out->auth_header, err);
	}
	if (strncasecmp(challenge, "Basic", 5) != 0) {
		return oci_registry_error(err, ref, url, status, "asks for an unknown kind of login");
	}
	if (!user_pass) {
		return oci_registry_error(err, ref, url, status,
				      "needs a login (set GONATIVE_REGISTRY_AUTH=user:password, "
				      "log in with docker, or add the host to your netrc)");
	}
	out->auth_header = basic_header(arena, user_pass);
	if (!out->auth_header) {
		return gn_error_nomem(err);
	}
	if ((rc = ping(ref, out->auth_header, NULL, net, &status, NULL, 0, err)) < 0) {
		return rc;
	}
	if (status != 200) {
		return oci_registry_error(err, ref, url, status, "refused the user name or password");
	}
	return 0;
}
