/*
 * manifest/ociref.c - oci:// references, checked by the distribution spec's
 * grammar for repository names and tags.
 */
#include "manifest/ociref.h"

#include "gn/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define OCI_SCHEME "oci://"

bool
oci_is_ref(const char *url)
{
	return strncmp(url, OCI_SCHEME, strlen(OCI_SCHEME)) == 0;
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* per path component, '/' between. */
static bool
valid_repo(const char *s)
{
	bool need_alnum = true;

	if (!*s) {
		return false;
	}
	for (; *s; s++) {
		if (islower((unsigned char)*s) || isdigit((unsigned char)*s)) {
			need_alnum = false;
			continue;
		}
		if (need_alnum) {
			return false;
		}
		if (*s == '/' || *s == '.') {
			need_alnum = true;
		} else if (*s == '_') {
			if (s[1] == '_') {
				s++;
			}
			need_alnum = true;
		} else if (*s == '-') {
			while (s[1] == '-') {
				s++;
			}
			need_alnum = true;
		} else {
			return false;
		}
	}
	return !need_alnum;
}

/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
static bool
valid_tag(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-') {
		return false;
	}
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-') {
			return false;
		}
	}
	return true;
}

static bool
valid_host(const char *s)
{
	const char *port;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end == s + 1) {
			return false;
		}
		for (const char *c = s + 1; c < end; c++) {
			if (!isxdigit((unsigned char)*c) && *c != ':') {
				return false;
			}
		}
		port = end[1] ? end + 1 : NULL;
		if (port && *port != ':') {
			return false;
		}
	} else {
		port = strchr(s, ':');
		if (port == s || s[0] == '-' || s[0] == '.') {
			return false;
		}
		for (const char *c = s; *c && c != port; c++) {
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.') {
				return false;
			}
		}
	}
	if (port) {
		port++;
		if (!*port || strlen(port) > 5) {
			return false;
		}
		for (; *port; port++) {
			if (!isdigit((unsigned char)*port)) {
				return false;
			}
		}
	}
	return true;
}

static bool
loopback(const char *host)
{
	static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncmp(host, names[i], n) == 0 && (host[n] == '\0' || host[n] == ':')) {
			return true;
		}
	}
	return false;
}

static bool
listed_insecure(const char *host, const char *const *insecure, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(insecure[i]);

		/* "host:port" must match exactly; a bare "host" matches any port */
		if (strcmp(host, insecure[i]) == 0 ||
		    (strchr(insecure[i], ':') == NULL && strncmp(host, insecure[i], len) == 0 &&
		     host[len] == ':')) {
			return true;
		}
	}
	return false;
}

int
oci_ref_parse(const char *url, const char *const *insecure, size_t n_insecure,
	      struct oci_ref *out, char *why, size_t why_len)
{
	const char *rest, *slash, *colon;
	size_t host_len;

	memset(out, 0, sizeof(*out));
	if (!oci_is_ref(url)) {
		snprintf(why, why_len, "not an oci:// reference");
		return -1;
	}
	rest = url + strlen(OCI_SCHEME);
	slash = strchr(rest, '/');
	if (!slash) {
		snprintf(why, why_len, "write oci://HOST[:PORT]/REPOSITORY");
		return -1;
	}
	host_len = (size_t)(slash - rest);
	if (host_len == 0 || host_len >= sizeof(out->host)) {
		snprintf(why, why_len, "the registry host is missing or too long");
		return -1;
	}
	memcpy(out->host, rest, host_len);
	if (!valid_host(out->host)) {
		snprintf(why, why_len, "\"%s\" is not a registry host[:port]", out->host);
		return -1;
	}
	rest = slash + 1;
	colon = strrchr(rest, ':');
	if (colon) {
		if (strlen(colon + 1) >= sizeof(out->tag) || !valid_tag(colon + 1)) {
			snprintf(why, why_len, "\"%s\" is not a tag", colon + 1);
			return -1;
		}
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	if (!gn_path_fmt(out->repo, sizeof(out->repo), "%.*s",
			 (int)(colon ? colon - rest : (long)strlen(rest)), rest)) {
		snprintf(why, why_len, "the repository name is too long");
		return -1;
	}
	if (!valid_repo(out->repo)) {
		snprintf(why, why_len,
			 "\"%s\" is not a repository name (lowercase letters, digits and . _ - "
			 "between them, / between parts)",
			 out->repo);
		return -1;
	}
	out->plain_http = loopback(out->host) || listed_insecure(out->host, insecure, n_insecure);
	snprintf(out->api, sizeof(out->api), "%s://%s/v2/%s/", out->plain_http ? "http" : "https",
		 out->host, out->repo);
	return 0;
}
