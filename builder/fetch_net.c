/*
 * builder/fetch_net.c - network settings: proxies, CA certificates, what to
 * tell the user.
 *
 * Network settings (struct fetch_net): the proxy for each URL's scheme is
 * parsed once per run; its credentials go to libcurl apart from the URL
 * (CURLOPT_PROXYUSERNAME/PASSWORD), so no message curl writes can hold
 * them.  CURLOPT_PROXY and CURLOPT_NOPROXY are always set ("" when there
 * is none), which stops libcurl from reading *_proxy itself.
 */
#include "builder/fetch_private.h"

#include "builder/netrc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The -v description of the network settings is given once per process. */
static bool net_described;

bool
fetch_has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* The proxy picked for url's scheme, or NULL (direct, file://).  A redirect
 * keeps the proxy picked for the URL it started from; no_proxy is applied
 * by libcurl to every host, redirects included. */
const struct fetch_proxy *
fetch_proxy_for(const struct fetch_ctx *ctx, const char *url)
{
	const struct fetch_proxy *px = NULL;

	if (fetch_has_scheme(url, "https")) {
		px = &ctx->https_proxy;
	} else if (fetch_has_scheme(url, "http")) {
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
	const struct fetch_proxy *px = fetch_proxy_for(ctx, url);
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

/* raw as a URL: "host:port", as curl takes it, is an http:// proxy.
 * Malloc'd (NULL when out of memory); the caller wipes it. */
static char *
proxy_text(const char *raw)
{
	size_t n = strlen(raw) + sizeof("http://");
	char *text;

	if (strstr(raw, "://")) {
		return strdup(raw);
	}
	text = malloc(n);
	if (text) {
		snprintf(text, n, "http://%s", raw);
	}
	return text;
}

static bool
proxy_scheme_known(const char *scheme)
{
	for (size_t i = 0; i < sizeof(proxy_schemes) / sizeof(proxy_schemes[0]); i++) {
		if (strcasecmp(scheme, proxy_schemes[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* The URL's user and password; without them, netrc's for the proxy host.
 * Credentials too long to keep are dropped, never cut. */
static void
proxy_credentials(struct fetch_proxy *px, const char *user, const char *password,
		  const char *host, const char *netrc)
{
	char bare[256];

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
}

/* Splits a proxy URL into what libcurl needs; its text never reaches a
 * message (it may hold a password).  netrc fills in missing credentials. */
int
fetch_proxy_parse(struct fetch_proxy *px, const char *raw, const char *from, const char *netrc,
	    struct gn_error *err)
{
	char *text = NULL, *scheme = NULL, *host = NULL, *port = NULL, *user = NULL,
	     *password = NULL;
	CURLU *u = NULL;
	CURLUcode uc;
	int rc = 0;

	memset(px, 0, sizeof(*px));
	if (!raw || !raw[0]) {
		return 0;
	}
	from = from ? from : "proxy";
	text = proxy_text(raw);
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
	if (!proxy_scheme_known(scheme)) {
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
	proxy_credentials(px, user, password, host, netrc);
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
	char *def_file = NULL, *def_dir = NULL, line[2 * GN_ERR_TEXT + 32];
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
void
fetch_explain(struct payload *p, CURLcode rc, long connect_code, long status)
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


/* The proxy (or none: "" keeps libcurl from reading *_proxy), no_proxy
 * and the CA certificates, on any easy handle. */
CURLcode
fetch_apply_net(CURL *easy, const struct fetch_net *net, const struct fetch_proxy *px)
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

	if (net && fetch_has_scheme(url, "https")) {
		raw = net->https_proxy;
		from = net->https_proxy_from;
	} else if (net && fetch_has_scheme(url, "http")) {
		raw = net->http_proxy;
		from = net->http_proxy_from;
	}
	rc = fetch_proxy_parse(&px, raw, from, net ? net->netrc : NULL, err);
	if (rc == 0 && fetch_apply_net(handle, net, px.set ? &px : NULL) != CURLE_OK) {
		rc = gn_error_set(err, GN_E_FETCH, "cannot set the proxy or CA certificates");
		gn_error_url(err, url);
	}
	explicit_bzero(&px, sizeof(px));
	return rc;
}

/* Describes the network settings (-v) the first time a run uses the network. */
void
fetch_describe_net_once(const struct fetch_ctx *ctx, const struct fetch_request *reqs, size_t n)
{
	bool network = false;

	if (net_described || !ctx->events) {
		return;
	}
	for (size_t i = 0; i < n && !network; i++) {
		for (size_t u = 0; reqs[i].urls && u < reqs[i].n_urls; u++) {
			const char *url = reqs[i].urls[u];

			network = network || (url && !fetch_has_scheme(url, "file"));
		}
	}
	if (network) {
		net_described = true;
		describe_net(ctx);
	}
}

void
fetch_net_reset(void)
{
	net_described = false;
}
