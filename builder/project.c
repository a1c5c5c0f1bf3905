/*
 * builder/project.c - a project's lifetime and freshness: open (manifest,
 * keys, lock, install folders), close, the cache and its lock, and whether
 * the lock still matches the manifest.  The stages of the pipeline are in
 * the files builder/project_private.h lists.
 */
#include "builder/project_private.h"

#include "builder/registry.h"
#include "gn/fs.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MANIFEST "gonative.yaml"

/* false when the lock's path does not fit in out */
static bool
lock_path_for(const char *manifest_path, char *out, size_t len)
{
	size_t n = strlen(manifest_path);
	const char *suffixes[] = { ".yaml", ".yml" };

	for (size_t i = 0; i < 2; i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && strcmp(manifest_path + n - s, suffixes[i]) == 0) {
			return gn_path_fmt(out, len, "%.*s.lock", (int)(n - s), manifest_path);
		}
	}
	return gn_path_fmt(out, len, "%s.lock", manifest_path);
}

/* minisign keys as the manifest writes them (base64 lines or .pub paths
 * relative to its folder), into an arena array. */
static int
load_key_list(struct project *p, const char *const *text, size_t n,
	      struct minisign_pubkey **keys, size_t *n_keys, struct gn_error *err)
{
	int rc;

	*keys = gn_arena_array(&p->arena, n ? n : 1, sizeof(**keys));
	if (!*keys) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		rc = minisign_pubkey_from_manifest(text[i], p->manifest.dir, &(*keys)[i], err);
		if (rc < 0) {
			return rc;
		}
	}
	*n_keys = n;
	return 0;
}

/* signatures.keys, and cc.keys (Zig's tarballs are always verified). */
static int
load_keys(struct project *p, struct gn_error *err)
{
	const struct manifest *m = &p->manifest;
	int rc = 0;

	if (m->signatures.n_keys) {
		rc = load_key_list(p, m->signatures.keys, m->signatures.n_keys, &p->keys,
				   &p->n_keys, err);
	}
	if (rc == 0 && m->cc.enabled) {
		rc = load_key_list(p, m->cc.keys, m->cc.n_keys, &p->cc_keys, &p->n_cc_keys, err);
	}
	return rc;
}

/* sync replaces the install folder's contents: a folder that holds
 * anything else (the project, $HOME, the cache) is refused up front. */
static int
check_install_path(struct project *p, struct gn_error *err)
{
	const struct manifest *m = &p->manifest;
	const char *why =
		install_path_refusal(p->install.root, m->dir, p->opts.home, p->opts.cache_dir);

	if (!why && m->cc.enabled) {
		/* The Zig tree beside it is replaced the same way. */
		why = install_path_refusal(p->zig_install.root, m->dir, p->opts.home,
					   p->opts.cache_dir);
		if (why) {
			return gn_error_at(err, GN_E_MANIFEST, m->path, m->install_line,
					   m->install_col,
					   "install: \"%s\": the Zig tree beside it, %s, is %s; "
					   "choose another install: path",
					   m->install, p->zig_install.root, why);
		}
	}
	if (!why) {
		return 0;
	}
	return gn_error_at(err, GN_E_MANIFEST, m->path, m->install_line, m->install_col,
			   "install: \"%s\"%s is %s (%s); sync replaces the install "
			   "folder's contents, so it must be a folder of its own: choose "
			   "another install: path",
			   m->install, m->install_line ? "" : " (the default)", why,
			   p->install.root);
}

static int
open_parts(struct project *p, struct gn_error *err)
{
	char install_path[GN_PATH_MAX];
	int rc;

	if ((rc = manifest_load(&p->arena, p->opts.manifest_path, &p->manifest, err)) < 0) {
		return rc;
	}
	manifest_digest(&p->manifest, p->digest);
	if (!lock_path_for(p->opts.manifest_path, p->lock_path, sizeof(p->lock_path))) {
		return gn_error_set(err, GN_E_IO, "path too long for the lock beside the manifest %s",
				    p->opts.manifest_path);
	}
	if (!gn_platform_host(&p->host)) {
		return gn_error_set(err, GN_E_USAGE, "this machine is not a platform Go supports");
	}
	if ((rc = load_keys(p, err)) < 0) {
		return rc;
	}
	if (p->manifest.sumdb) {
		struct note_verifier key;
		const char *cfg = p->manifest.sumdb;

		if (note_verifier_parse(cfg, strcspn(cfg, " "), &key, err) < 0) {
			char why[GN_ERR_TEXT];

			snprintf(why, sizeof(why), "%s", err->message);
			return gn_error_at(err, GN_E_MANIFEST, p->manifest.path,
					   p->manifest.sumdb_line, p->manifest.sumdb_col,
					   "sumdb: %s", why);
		}
	}
	if (gn_path_exists(p->lock_path)) {
		if ((rc = lock_load(&p->arena, p->lock_path, &p->lock, err)) < 0) {
			return rc;
		}
		p->have_lock = true;
	}
	if (!gn_path_join(install_path, sizeof(install_path),
			  strcmp(p->manifest.dir, ".") == 0 ? "" : p->manifest.dir,
			  p->manifest.install)) {
		return gn_error_set(err, GN_E_USAGE, "install path too long");
	}
	if ((rc = install_init(&p->install, install_path, err)) < 0) {
		return rc;
	}
	if ((rc = zig_install_init(&p->install, &p->zig_install, err)) < 0) {
		return rc;
	}
	p->install.events = p->opts.events;
	p->zig_install.events = p->opts.events;
	return check_install_path(p, err);
}

int
project_open(struct project **out, const struct project_opts *opts, struct gn_error *err)
{
	struct project *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (!p) {
		return gn_error_nomem(err);
	}
	gn_arena_init(&p->arena);
	p->cache.lock_fd = -1;
	p->install.lock_fd = -1;
	p->zig_install.lock_fd = -1;
	p->opts = *opts;
	if (!p->opts.manifest_path) {
		p->opts.manifest_path = DEFAULT_MANIFEST;
	}
	if ((rc = open_parts(p, err)) < 0) {
		project_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

void
project_close(struct project *p)
{
	if (!p) {
		return;
	}
	install_unlock(&p->install);
	install_unlock(&p->zig_install);
	cache_close(&p->cache);
	gn_arena_free(&p->arena);
	free(p);
}

int
project_open_cache(struct project *p, struct gn_error *err)
{
	if (p->cache.root[0]) {
		return 0;
	}
	p->cache.events = p->opts.events;
	return cache_open(&p->cache, p->opts.cache_dir, err);
}

int
project_lock_cache(struct project *p, struct gn_error *err)
{
	int rc = project_open_cache(p, err);

	return rc < 0 ? rc : cache_lock(&p->cache, err);
}

bool
project_lock_is_fresh(const struct project *p)
{
	return p->have_lock && strcmp(p->lock.manifest_digest, p->digest) == 0;
}

int
project_require_fresh_lock(const struct project *p, struct gn_error *err)
{
	if (!p->have_lock) {
		return gn_error_set(err, GN_E_LOCK, "%s does not exist (run `gonative lock`)",
				    p->lock_path);
	}
	if (!project_lock_is_fresh(p)) {
		return gn_error_set(err, GN_E_DRIFT,
				    "%s is out of date with %s (run `gonative lock`)", p->lock_path,
				    p->manifest.path);
	}
	return 0;
}

int
project_host_goroot(struct project *p, const struct lock_goroot **out, struct gn_error *err)
{
	char text[GN_PLATFORM_TEXT];

	*out = lock_goroot_for(&p->lock, &p->host);
	if (*out && (*out)->tree[0]) {
		return 0;
	}
	gn_platform_format(&p->host, text, sizeof(text));
	return gn_error_set(err, GN_E_USAGE,
			    "%s has no GOROOT for this machine (%s): add it to hosts: in %s and "
			    "run `gonative lock`",
			    p->lock_path, text, p->manifest.path);
}

bool
project_from_proxy(const struct project *p)
{
	return p->manifest.source == MANIFEST_SOURCE_PROXY;
}

struct toolchain_opts
project_toolchain_opts(struct project *p)
{
	struct toolchain_opts to = {
		.proxies = p->manifest.proxies,
		.n_proxies = p->manifest.n_proxies,
		.cache = &p->cache,
		.events = p->opts.events,
		.net = p->opts.net,
	};

	return to;
}

enum store_method
project_store_method(const struct project *p)
{
	return p->opts.hardlink_store ? STORE_HARDLINK : STORE_REFLINK;
}

/* cc.mirrors through the same registry code as mirrors (builder/zig.h). */
static int
zig_mirror_urls(void *user, const char *file, const char *sha256, const char ***urls,
		size_t *n_urls, struct gn_error *err)
{
	return registry_cc_file_urls(user, file, sha256, urls, n_urls, err);
}

static int
zig_signature_url(void *user, const char *url, const char *file, const char *sha256,
		  const char **sig_url, struct gn_error *err)
{
	return registry_cc_signature_for(user, url, file, sha256, sig_url, err);
}

static void
zig_mirror_headers(void *user, struct fetch_opts *fo)
{
	registry_fetch_headers(user, fo);
}

struct zig_ctx
project_zig_ctx(struct project *p)
{
	struct zig_ctx z = {
		.arena = &p->arena,
		.cache = &p->cache,
		.manifest = &p->manifest,
		.keys = p->cc_keys,
		.n_keys = p->n_cc_keys,
		.offline = p->opts.offline,
		.fetch = download_opts(p),
		.mirrors = {
			.user = p,
			.file_urls = zig_mirror_urls,
			.signature_url = zig_signature_url,
			.headers = zig_mirror_headers,
		},
		.events = p->opts.events,
	};
	return z;
}

void
project_archive_path(struct project *p, const struct lock_artifact *a, char *out)
{
	cache_archive_path(&p->cache, a->sha256, out);
}

/* Accessors (builder/project.h). */

const char *
project_lock_path(const struct project *p)
{
	return p->lock_path;
}

const struct lock *
project_locked(const struct project *p)
{
	return p->have_lock ? &p->lock : NULL;
}

const char *
project_install_root(const struct project *p)
{
	return p->install.root;
}

const char *
project_zig_root(const struct project *p)
{
	return p->zig_install.root;
}

const struct manifest *
project_manifest(const struct project *p)
{
	return &p->manifest;
}

const char *
project_digest(const struct project *p)
{
	return p->digest;
}

const struct gn_platform *
project_host(const struct project *p)
{
	return &p->host;
}

struct gn_arena *
project_arena(struct project *p)
{
	return &p->arena;
}

struct cache *
project_cache(struct project *p)
{
	return &p->cache;
}

const struct gn_events *
project_events(const struct project *p)
{
	return p->opts.events;
}

const struct oci_creds *
project_registry_creds(const struct project *p)
{
	return &p->opts.registry;
}
