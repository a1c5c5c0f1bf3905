#include "builder/project.h"

#include "builder/fetch.h"
#include "builder/gpgv.h"
#include "builder/merge.h"
#include "builder/pipeline.h"
#include "builder/registry.h"
#include "builder/source.h"
#include "builder/store.h"
#include "builder/toolchain.h"
#include "builder/tree.h"
#include "builder/trust.h"
#include "builder/zig.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "lockfiles/index.h"
#include "manifest/mirrorurl.h"
#include "manifest/ociref.h"
#include "lockfiles/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MANIFEST "gonative.yaml"

static void
lock_path_for(const char *manifest_path, char *out, size_t len)
{
	size_t n = strlen(manifest_path);
	const char *suffixes[] = { ".yaml", ".yml" };

	for (size_t i = 0; i < 2; i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && strcmp(manifest_path + n - s, suffixes[i]) == 0) {
			snprintf(out, len, "%.*s.lock", (int)(n - s), manifest_path);
			return;
		}
	}
	snprintf(out, len, "%s.lock", manifest_path);
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
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
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
	char install_path[PROJECT_PATH_MAX];
	int rc;

	if ((rc = manifest_load(&p->arena, p->opts.manifest_path, &p->manifest, err)) < 0) {
		return rc;
	}
	manifest_digest(&p->manifest, p->digest);
	lock_path_for(p->opts.manifest_path, p->lock_path, sizeof(p->lock_path));
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
project_open(struct project *p, const struct project_opts *opts, struct gn_error *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
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
	}
	return rc;
}

void
project_close(struct project *p)
{
	install_unlock(&p->install);
	install_unlock(&p->zig_install);
	cache_close(&p->cache);
	gn_arena_free(&p->arena);
}

static int
open_cache(struct project *p, struct gn_error *err)
{
	if (p->cache.root[0]) {
		return 0;
	}
	p->cache.events = p->opts.events;
	return cache_open(&p->cache, p->opts.cache_dir, err);
}

/*
 * The cache lock, taken once by each public operation below (and released
 * by it), so nothing under it can forget it: store_put, prepare_artifacts
 * and the rest only assert it (builder/cache.h).
 */
static int
lock_cache(struct project *p, struct gn_error *err)
{
	int rc = open_cache(p, err);

	return rc < 0 ? rc : cache_lock(&p->cache, err);
}

static bool
lock_is_fresh(const struct project *p)
{
	return p->have_lock && strcmp(p->lock.manifest_digest, p->digest) == 0;
}

static struct fetch_opts
fetch_options(const struct project *p)
{
	struct fetch_opts fo = {
		.jobs = p->opts.jobs,
		.events = p->opts.events,
		.net = p->opts.net,
		.netrc = p->opts.registry.netrc,
	};

	registry_fetch_headers(p, &fo);
	return fo;
}

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

static struct zig_ctx
zig_context(struct project *p)
{
	struct zig_ctx z = {
		.arena = &p->arena,
		.cache = &p->cache,
		.manifest = &p->manifest,
		.keys = p->cc_keys,
		.n_keys = p->n_cc_keys,
		.offline = p->opts.offline,
		.fetch = fetch_options(p),
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

/* Downloads into the cache go through its folder fds: no link followed. */
static void
fetch_in_cache(const struct project *p, struct fetch_request *req)
{
	if (req->dest) {
		cache_locate(&p->cache, req->dest, &req->dest_dir, &req->dest_name);
	}
	if (req->part) {
		cache_locate(&p->cache, req->part, &req->part_dir, &req->part_name);
	}
}

/* Fetch one small file (a signature) from url into dest. */
static int
fetch_one(struct project *p, const char *name, const char *url, const char *dest, int64_t max_size,
	  struct gn_error *err)
{
	const char *urls[] = { url };
	struct fetch_request req = {
		.name = name,
		.urls = urls,
		.n_urls = 1,
		.size = -1,
		.max_size = max_size,
		.dest = dest,
	};
	struct fetch_opts fo = fetch_options(p);
	struct gn_events quiet = { 0 };
	int rc;

	fetch_in_cache(p, &req);
	/* Signatures are tiny: no progress lines for them (but still a way
	 * to stop). */
	if (p->opts.events) {
		quiet.user = p->opts.events->user;
		quiet.cancelled = p->opts.events->cancelled;
	}
	fo.events = &quiet;
	fo.retries = -1;
	rc = fetch_run(&req, 1, &fo, err);
	return rc;
}

/* "<url>.minisig", inserted before any query string. */
static const char *
signature_url(struct gn_arena *arena, const char *url)
{
	const char *query = strchr(url, '?');

	if (!query) {
		return gn_arena_printf(arena, "%s.minisig", url);
	}
	return gn_arena_printf(arena, "%.*s.minisig%s", (int)(query - url), url, query);
}

/* Last path component of a URL without its query; NULL when empty. */
static const char *
url_file_name(struct gn_arena *arena, const char *url)
{
	const char *end = url + strcspn(url, "?#");
	const char *start = end;

	while (start > url && start[-1] != '/') {
		start--;
	}
	if (start == end) {
		return NULL;
	}
	return gn_arena_strndup(arena, start, (size_t)(end - start));
}

static struct minisign_verify_opts
verify_options(const struct project *p, const char *expect_file)
{
	struct minisign_verify_opts vo = {
		.keys = p->keys,
		.n_keys = p->n_keys,
		.allow_legacy = p->manifest.signatures.allow_legacy,
		.expect_file = expect_file,
	};
	return vo;
}

#define SIGNATURE_MAX_BYTES (64 * 1024)

/* Check the index bytes against its signature file (already on disk). */
static int
verify_index(struct project *p, const char *data, size_t len, const char *sig_path,
	     const char *sig_name, const char *sig_file, struct gn_error *err)
{
	struct minisign_verify_opts vo = verify_options(p, sig_file);
	uint8_t signer[8];
	char *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (cache_read_file(&p->cache, sig_path, SIGNATURE_MAX_BYTES, &sig, &sig_len, NULL) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "the release index has no signature, and signatures.require "
				  "lists index");
		gn_error_url(err, sig_name);
		return rc;
	}
	rc = minisign_verify_buffer(data, len, sig, sig_len, sig_name, &vo, signer, err);
	free(sig);
	return rc;
}

/* Fetch (or, offline, read back) the release index, and check its
 * signature when the manifest requires one. */
static int
load_index(struct project *p, struct lock_index *index, struct gn_error *err)
{
	const char *url = p->manifest.index, *fetch_url = url, *fetch_sha = NULL;
	const char *sig_url = signature_url(&p->arena, url);
	const char *sig_file = url_file_name(&p->arena, url);
	bool signed_index = p->manifest.signatures.require_index;
	char cached[CACHE_PATH_MAX], fresh[CACHE_PATH_MAX + 8];
	char cached_sig[CACHE_PATH_MAX + 16], fresh_sig[CACHE_PATH_MAX + 16];
	char *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = open_cache(p, err)) < 0) {
		return rc;
	}
	cache_index_path(&p->cache, url, cached);
	snprintf(cached_sig, sizeof(cached_sig), "%s.minisig", cached);
	{
		char name[96];

		snprintf(name, sizeof(name), "index-%s", gn_basename(cached));
		cache_tmp_path(&p->cache, name, fresh);
		snprintf(name, sizeof(name), "index-%s.minisig", gn_basename(cached));
		cache_tmp_path(&p->cache, name, fresh_sig);
	}
	if (p->opts.offline) {
		if (!gn_path_exists(cached)) {
			rc = gn_error_set(err, GN_E_OFFLINE,
					  "the release index is not in the cache (run once "
					  "without --offline)");
			gn_error_url(err, url);
			return rc;
		}
		if ((rc = cache_read_file(&p->cache, cached, LOCK_INDEX_MAX_BYTES, &data, &len,
					  err)) < 0) {
			return rc;
		}
		/* A cached copy is trusted no more than a fresh one. */
		if (oci_is_ref(url)) {
			sig_file = "index.json";
		}
		if (signed_index &&
		    (rc = verify_index(p, data, len, cached_sig, sig_url, sig_file, err)) < 0) {
			free(data);
			return rc;
		}
	} else {
		const char *urls[1];
		struct fetch_request req = {
			.name = "release index",
			.urls = urls,
			.n_urls = 1,
			.size = -1,
			.max_size = LOCK_INDEX_MAX_BYTES,
			.dest = fresh,
		};
		struct fetch_opts fo;

		if ((rc = registry_index_urls(p, &fetch_url, &fetch_sha, &sig_url, &sig_file,
					      err)) < 0) {
			return rc;
		}
		urls[0] = fetch_url;
		req.sha256 = fetch_sha;
		fo = fetch_options(p);

		fetch_in_cache(p, &req);
		gn_emitf(p->opts.events, GN_EV_DEBUG, "fetching the release index %s", url);
		/* One process at a time writes the cached index. */
		cache_assert_locked(&p->cache);
		if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
			return rc;
		}
		rc = cache_read_file(&p->cache, fresh, LOCK_INDEX_MAX_BYTES, &data, &len, err);
		if (rc == 0 && signed_index) {
			struct gn_error fetch_err;

			gn_error_clear(&fetch_err);
			if (!sig_url) {
				rc = gn_error_set(err, GN_E_SIGNATURE,
						  "the release index has no signature, and "
						  "signatures.require lists index");
				gn_error_url(err, url);
			} else if (fetch_one(p, "index signature", sig_url, fresh_sig,
					     SIGNATURE_MAX_BYTES, &fetch_err) < 0) {
				rc = gn_error_set(err, GN_E_SIGNATURE,
						  "cannot fetch the release index's signature, and "
						  "signatures.require lists index: %s",
						  fetch_err.message);
				gn_error_url(err, sig_url);
			} else {
				rc = verify_index(p, data, len, fresh_sig, sig_url, sig_file, err);
			}
		}
		if (rc < 0) {
			free(data);
			cache_unlink(&p->cache, fresh);
			cache_unlink(&p->cache, fresh_sig);
			return rc;
		}
	}
	rc = lock_index_parse(&p->arena, url, data, len, index, err);
	free(data);
	if (!p->opts.offline) {
		/* Only an index that verified and parsed replaces the cached copy. */
		if (rc == 0 && signed_index &&
		    cache_rename(&p->cache, fresh_sig, cached_sig) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", cached_sig,
					  strerror(errno));
		}
		if (rc == 0 && cache_rename(&p->cache, fresh, cached) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache the index at %s: %s", cached,
					  strerror(errno));
		}
		cache_unlink(&p->cache, fresh);
		cache_unlink(&p->cache, fresh_sig);
	}
	return rc;
}

static bool
needs_signature(const struct project *p, const struct lock_artifact *a)
{
	return p->manifest.signatures.require_archives || a->signed_by;
}

static bool
shas_has(const struct project_shas *set, const char *sha256)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->items[i], sha256) == 0) {
			return true;
		}
	}
	return false;
}

/* Best effort: on OOM the sha is simply not remembered (it is checked again). */
static void
shas_add(struct project *p, struct project_shas *set, const char *sha256)
{
	if (shas_has(set, sha256)) {
		return;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		const char **grown = gn_arena_array(&p->arena, cap, sizeof(*grown));

		if (!grown) {
			return;
		}
		if (set->n) {
			memcpy(grown, set->items, set->n * sizeof(*grown));
		}
		set->items = grown;
		set->cap = cap;
	}
	set->items[set->n] = gn_arena_strdup(&p->arena, sha256);
	if (set->items[set->n]) {
		set->n++;
	}
}

/* The signer must be the one the lock names; a new lock records it. */
static int
accept_signer(struct project *p, struct lock_artifact *a, const uint8_t keyid[8], bool record,
	      struct gn_error *err)
{
	char text[MINISIGN_KEYID_TEXT];

	minisign_keyid_format(keyid, text);
	if (a->signed_by && strcmp(a->signed_by, text) != 0) {
		int rc = gn_error_set(err, GN_E_SIGNATURE,
				      "%s is signed by key %s, but the lock says %s", a->file, text,
				      a->signed_by);
		gn_error_values(err, a->signed_by, text);
		return rc;
	}
	if (!a->signed_by && record) {
		a->signed_by = gn_arena_strdup(&p->arena, text);
	}
	shas_add(p, &p->signed_ok, a->sha256);
	return 0;
}

/* Verify archive at path against the signature file at sig_path. */
static int
verify_archive(struct project *p, struct lock_artifact *a, bool record, const char *path,
	       const char *sig_path, const char *sig_name, struct gn_error *err)
{
	struct minisign_verify_opts vo = verify_options(p, a->file);
	uint8_t signer[8];
	char *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (cache_read_file(&p->cache, sig_path, SIGNATURE_MAX_BYTES, &sig, &sig_len, NULL) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s has no signature", a->file);
		gn_error_url(err, sig_name);
		return rc;
	}
	rc = minisign_verify_file(path, sig, sig_len, sig_name, &vo, signer, err);
	free(sig);
	if (rc < 0) {
		return rc;
	}
	if ((rc = accept_signer(p, a, signer, record, err)) == 0) {
		gn_emitf(p->opts.events, GN_EV_DEBUG, "%s: signed by %s", a->file,
			 a->signed_by ? a->signed_by : "a trusted key");
	}
	return rc;
}

struct signature_job {
	struct project *p;
	struct lock_artifact *artifact;
	bool record;
};

/* fetch hook: the archive is complete and its sha256 checked; its
 * signature must check out too before it may enter the cache. */
static int
signature_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	       struct gn_error *err)
{
	struct signature_job *job = user;
	struct project *p = job->p;
	const char *sig_url = NULL;
	char sig_new[CACHE_PATH_MAX + 32], sig_final[CACHE_PATH_MAX + 16];
	struct gn_error fetch_err;
	int rc;

	{
		char name[96];

		snprintf(name, sizeof(name), "%s.minisig", gn_basename(req->dest));
		cache_tmp_path(&p->cache, name, sig_new);
	}
	snprintf(sig_final, sizeof(sig_final), "%s.minisig", req->dest);
	gn_error_clear(&fetch_err);
	if (registry_signature_for(p, url, job->artifact->file, job->artifact->sha256, &sig_url,
				   &fetch_err) < 0 ||
	    fetch_one(p, "signature", sig_url, sig_new, SIGNATURE_MAX_BYTES, &fetch_err) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s: no signature on this mirror (%s)",
				  job->artifact->file, fetch_err.message);
		gn_error_url(err, sig_url ? sig_url : url);
		return rc;
	}
	rc = verify_archive(p, job->artifact, job->record, part, sig_new, sig_url, err);
	if (rc == 0 && cache_rename(&p->cache, sig_new, sig_final) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", sig_final, strerror(errno));
	}
	cache_unlink(&p->cache, sig_new);
	return rc;
}

/*
 * A cached archive whose signature was not checked this run: use the
 * signature cached beside it, or fetch one from the mirrors.
 */
static int
ensure_signature(struct project *p, struct lock_artifact *a, bool record, struct gn_error *err)
{
	char path[CACHE_PATH_MAX], sig_path[CACHE_PATH_MAX + 16], sig_new[CACHE_PATH_MAX + 32];
	int rc = 0;

	cache_archive_path(&p->cache, a->sha256, path);
	snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
	{
		char name[96];

		snprintf(name, sizeof(name), "%s.minisig", a->sha256);
		cache_tmp_path(&p->cache, name, sig_new);
	}
	if (cache_is_file(&p->cache, sig_path, true)) {
		return verify_archive(p, a, record, path, sig_path, sig_path, err);
	}
	if (p->opts.offline) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "%s: no cached signature and --offline was given", a->file);
		return rc;
	}
	for (size_t m = 0; m < p->manifest.n_mirrors; m++) {
		const char *sig_url = NULL;
		struct gn_error fetch_err;

		gn_error_clear(&fetch_err);
		if (registry_signature_url(p, m, a->file, a->sha256, &sig_url, &fetch_err) < 0 ||
		    fetch_one(p, "signature", sig_url, sig_new, SIGNATURE_MAX_BYTES, &fetch_err) <
			    0) {
			rc = gn_error_set(err, GN_E_SIGNATURE, "%s: no signature on any mirror: %s",
					  a->file, fetch_err.message);
			gn_error_url(err, sig_url ? sig_url : p->manifest.mirrors[m]);
			continue;
		}
		rc = verify_archive(p, a, record, path, sig_new, sig_url, err);
		if (rc == 0 && cache_rename(&p->cache, sig_new, sig_path) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", sig_path,
					  strerror(errno));
		}
		cache_unlink(&p->cache, sig_new);
		if (rc == 0) {
			return 0;
		}
	}
	return rc < 0 ? rc : gn_error_set(err, GN_E_SIGNATURE, "%s has no signature", a->file);
}

/* signatures.gpg: every .tar.gz needs a good "<file>.asc" (builder/gpgv.h). */
static bool
needs_gpg(const struct project *p, const struct lock_artifact *a)
{
	size_t n = strlen(a->file);

	return p->manifest.n_gpg_keyrings > 0 && n > 7 && strcmp(a->file + n - 7, ".tar.gz") == 0;
}

static int
gpg_check(struct project *p, const struct lock_artifact *a, const char *archive,
	  const char *asc, const char *asc_name, struct gn_error *err)
{
	const char **rings = gn_arena_array(&p->arena, p->manifest.n_gpg_keyrings,
					    sizeof(*rings));
	char tmp[CACHE_PATH_MAX];
	struct gpgv_result res;
	int rc;

	if (!rings) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->manifest.n_gpg_keyrings; i++) {
		const char *ring = p->manifest.gpg_keyrings[i];
		char *abs = ring[0] == '/' ? NULL : realpath(p->manifest.dir, NULL);

		rings[i] = ring[0] == '/' ? ring : gn_arena_printf(&p->arena, "%s/%s", abs, ring);
		free(abs);
		if (!rings[i] || !gn_path_exists(rings[i])) {
			return gn_error_at(err, GN_E_MANIFEST, p->manifest.path, 0, 0,
					   "signatures.gpg: keyring %s does not exist", ring);
		}
	}
	cache_tmp_path(&p->cache, "", tmp);
	{
		struct gpgv_opts go = {
			.keyrings = rings,
			.n_keyrings = p->manifest.n_gpg_keyrings,
			.fingerprints = p->manifest.gpg_fingerprints,
			.n_fingerprints = p->manifest.n_gpg_fingerprints,
			.tmp = tmp,
		};
		rc = gpgv_verify(&go, archive, asc, &res, err);
	}
	if (rc < 0) {
		char why[GN_ERR_TEXT];

		snprintf(why, sizeof(why), "%s", err->message);
		if (rc == -GN_E_SIGNATURE) {
			rc = gn_error_set(err, GN_E_SIGNATURE, "%s: OpenPGP signature refused: %s",
					  a->file, why);
			gn_error_url(err, asc_name);
		}
		return rc;
	}
	gn_emitf(p->opts.events, GN_EV_DEBUG, "%s: OpenPGP signature by %s (key %s)%s", a->file,
		 res.signer, res.primary, res.key_expired ? ", key expired since" : "");
	shas_add(p, &p->gpg_ok, a->sha256);
	return 0;
}

/* Fetch "<url>.asc" to asc_tmp and check archive against it. */
static int
gpg_fetch_check(struct project *p, const struct lock_artifact *a, const char *archive,
		const char *url, const char *asc_tmp, struct gn_error *err)
{
	const char *asc_url = gn_arena_printf(&p->arena, "%s.asc", url);
	struct gn_error fetch_err;
	int rc;

	gn_error_clear(&fetch_err);
	if (!asc_url) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	if (fetch_one(p, "signature", asc_url, asc_tmp, SIGNATURE_MAX_BYTES, &fetch_err) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "%s: no OpenPGP signature (.asc), and signatures.gpg requires "
				  "one: %s",
				  a->file, fetch_err.message);
		gn_error_url(err, asc_url);
		return rc;
	}
	return gpg_check(p, a, archive, asc_tmp, asc_url, err);
}

/* A cached archive not checked this run: its cached .asc, or the mirrors'. */
static int
ensure_gpg(struct project *p, const struct lock_artifact *a, struct gn_error *err)
{
	char path[CACHE_PATH_MAX], asc[CACHE_PATH_MAX + 8], asc_new[CACHE_PATH_MAX + 32];
	const char **urls = NULL;
	size_t n_urls = 0;
	char name[96];
	int rc = 0;

	cache_archive_path(&p->cache, a->sha256, path);
	snprintf(asc, sizeof(asc), "%s.asc", path);
	if (gn_path_exists(asc)) {
		return gpg_check(p, a, path, asc, asc, err);
	}
	if (p->opts.offline) {
		return gn_error_set(err, GN_E_SIGNATURE,
				    "%s: no cached OpenPGP signature and --offline was given",
				    a->file);
	}
	snprintf(name, sizeof(name), "%s.asc", a->sha256);
	cache_tmp_path(&p->cache, name, asc_new);
	if ((rc = registry_file_urls(p, a->file, a->sha256, &urls, &n_urls, err)) < 0) {
		return rc;
	}
	for (size_t m = 0; m < n_urls; m++) {
		rc = gpg_fetch_check(p, a, path, urls[m], asc_new, err);
		if (rc == 0 && cache_rename(&p->cache, asc_new, asc) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", asc, strerror(errno));
		}
		cache_unlink(&p->cache, asc_new);
		if (rc == 0 || rc != -GN_E_SIGNATURE) {
			return rc;
		}
	}
	return rc;
}

/* fetch hook: minisign and OpenPGP, whichever the manifest asks for. */
static int
archive_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	     struct gn_error *err)
{
	struct signature_job *job = user;
	struct project *p = job->p;
	char asc_new[CACHE_PATH_MAX + 32], asc[CACHE_PATH_MAX + 8], name[96];
	int rc;

	if (needs_signature(p, job->artifact) &&
	    (rc = signature_hook(user, req, part, url, err)) < 0) {
		return rc;
	}
	if (!needs_gpg(p, job->artifact)) {
		return 0;
	}
	snprintf(name, sizeof(name), "%s.asc", gn_basename(req->dest));
	cache_tmp_path(&p->cache, name, asc_new);
	snprintf(asc, sizeof(asc), "%s.asc", req->dest);
	rc = gpg_fetch_check(p, job->artifact, part, url, asc_new, err);
	if (rc == 0 && cache_rename(&p->cache, asc_new, asc) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", asc, strerror(errno));
	}
	cache_unlink(&p->cache, asc_new);
	return rc;
}

static bool
from_proxy(const struct project *p)
{
	return p->manifest.source == MANIFEST_SOURCE_PROXY;
}

/* With source: proxy an artifact comes from each proxy's
 * golang.org/toolchain/@v/ folder.  NULL on OOM. */
static const char **
proxy_urls(struct project *p, const struct lock_artifact *a, size_t *n)
{
	size_t count = p->manifest.n_proxies;
	const char **urls = gn_arena_array(&p->arena, count ? count : 1, sizeof(*urls));

	for (size_t i = 0; urls && i < count; i++) {
		urls[i] = gn_arena_printf(&p->arena, "%s%s",
					  toolchain_base(&p->arena, p->manifest.proxies[i]),
					  a->file);
		if (!urls[i]) {
			return NULL;
		}
	}
	*n = count;
	return urls;
}

/* Size to expect: the index has 0 for a few old files (unknown). */
#define UNKNOWN_SIZE_CAP (4LL * 1024 * 1024 * 1024)

/* The downloads prepare_artifacts() needs: one per missing sha256. */
struct fetch_plan {
	struct fetch_request *reqs;
	size_t n_reqs;
	struct fetch_opts fo;
};

/*
 * Plan the downloads of every listed artifact that is not in the cache.
 * Decided under the cache lock: another process may be fetching the same
 * files into this cache right now.
 */
static int
plan_fetch(struct project *p, struct lock_artifact **arts, size_t n, bool record,
	   struct fetch_plan *plan, struct gn_error *err)
{
	struct signature_job *jobs;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->fo = fetch_options(p);
	if ((rc = open_cache(p, err)) < 0) {
		return rc;
	}
	plan->reqs = gn_arena_array(&p->arena, n ? n : 1, sizeof(*plan->reqs));
	jobs = gn_arena_array(&p->arena, n ? n : 1, sizeof(*jobs));
	if (!plan->reqs || !jobs) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	cache_assert_locked(&p->cache);
	for (size_t i = 0; i < n; i++) {
		struct lock_artifact *a = arts[i];
		struct fetch_request *req = &plan->reqs[plan->n_reqs];
		const char **urls;
		size_t n_urls = 0;
		char *dest, *part, name[96];
		bool seen = false;

		/* One download per sha256: two names with the same bytes share
		 * one cache entry and one part file. */
		for (size_t j = 0; j < plan->n_reqs; j++) {
			seen = seen || strcmp(plan->reqs[j].name, a->file) == 0 ||
			       strcmp(plan->reqs[j].sha256, a->sha256) == 0;
		}
		if (seen || cache_has_archive(&p->cache, a->sha256, a->size > 0 ? a->size : -1)) {
			continue;
		}
		/* A file of the wrong size under this name is no cache entry. */
		cache_evict_archive(&p->cache, a->sha256);
		if (p->opts.offline) {
			return gn_error_set(err, GN_E_OFFLINE,
					    "%s is not in the cache and --offline was given",
					    a->file);
		}
		if (from_proxy(p)) {
			urls = proxy_urls(p, a, &n_urls);
			rc = urls ? 0 : gn_error_set(err, GN_E_NOMEM, "out of memory");
		} else {
			rc = registry_file_urls(p, a->file, a->sha256, &urls, &n_urls, err);
		}
		if (rc < 0) {
			return rc;
		}
		dest = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
		part = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
		if (!dest || !part) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		cache_archive_path(&p->cache, a->sha256, dest);
		snprintf(name, sizeof(name), "%s.part", a->sha256);
		cache_tmp_path(&p->cache, name, part);
		jobs[plan->n_reqs] = (struct signature_job){.p = p, .artifact = a, .record = record};
		*req = (struct fetch_request){
			.name = a->file,
			.urls = urls,
			.n_urls = n_urls,
			.size = a->size > 0 ? a->size : -1,
			.max_size = UNKNOWN_SIZE_CAP,
			.sha256 = a->sha256,
			.dest = dest,
			.part = part,
			.verify = needs_signature(p, a) || needs_gpg(p, a) ? archive_hook : NULL,
			.verify_user = &jobs[plan->n_reqs],
		};
		fetch_in_cache(p, req);
		plan->n_reqs++;
	}
	/* Registries opened above may have given tokens. */
	registry_fetch_headers(p, &plan->fo);
	return 0;
}

/* Was a's sha256 among the plan's downloads? */
static bool
planned(const struct fetch_plan *plan, const struct lock_artifact *a)
{
	for (size_t i = 0; i < plan->n_reqs; i++) {
		if (strcmp(plan->reqs[i].sha256, a->sha256) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * After the downloads: signatures of what was cached before (a download's
 * was checked on arrival), and the sizes a new lock records.  only_cached:
 * just the artifacts the plan did not download.
 */
static int
finish_prepare(struct project *p, const struct fetch_plan *plan, struct lock_artifact **arts,
	       size_t n, bool record, bool only_cached, struct gn_error *err)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct lock_artifact *a = arts[i];

		if (only_cached && planned(plan, a)) {
			continue;
		}
		if (needs_signature(p, a) && !shas_has(&p->signed_ok, a->sha256) &&
		    (rc = ensure_signature(p, a, record, err)) < 0) {
			return rc;
		}
		if (needs_gpg(p, a) && !shas_has(&p->gpg_ok, a->sha256) &&
		    (rc = ensure_gpg(p, a, err)) < 0) {
			return rc;
		}
		if (record && a->size <= 0) {
			char path[CACHE_PATH_MAX];
			struct stat st;

			cache_archive_path(&p->cache, a->sha256, path);
			if (stat(path, &st) == 0) {
				a->size = st.st_size;
			}
		}
	}
	return 0;
}

/*
 * Make sure every listed artifact is in the cache (fetching what is not)
 * and, where required, that its signature checked out.  record: this is a
 * lock being written, so signers and unknown sizes are filled in.
 */
static int
run_plan(struct project *p, const struct fetch_plan *plan, struct lock_artifact **arts, size_t n,
	 bool record, struct gn_error *err)
{
	int rc;

	/* Held across fetches and signature checks: both write into the cache. */
	if (plan->n_reqs > 0 && (rc = fetch_run(plan->reqs, plan->n_reqs, &plan->fo, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < plan->n_reqs; i++) {
		shas_add(p, &p->fetched, plan->reqs[i].sha256);
	}
	return finish_prepare(p, plan, arts, n, record, false, err);
}

static int
prepare_artifacts(struct project *p, struct lock_artifact **arts, size_t n, bool record,
		  struct gn_error *err)
{
	struct fetch_plan plan;
	int rc;

	if ((rc = plan_fetch(p, arts, n, record, &plan, err)) < 0) {
		return rc;
	}
	return run_plan(p, &plan, arts, n, record, err);
}

/* Merge order is arts' order; a source waits for its own download. */
struct overlap {
	struct pipeline *pl;
	const struct fetch_plan *plan;
	struct lock_artifact **arts;
};

static int
overlap_ready(void *user, size_t i, struct gn_error *err)
{
	struct overlap *o = user;

	for (size_t r = 0; r < o->plan->n_reqs; r++) {
		if (strcmp(o->plan->reqs[r].sha256, o->arts[i]->sha256) == 0) {
			return pipeline_wait(o->pl, r, err);
		}
	}
	return 0; /* in the cache before this run */
}

/*
 * The downloads on their own thread, in merge order and one at a time, and
 * each archive merged as soon as its download is verified: the host is
 * unpacked while the targets still arrive (docs/design.md section 18).
 * Nothing unverified is read: merge waits for the whole file's sha256 and
 * signature.  mo is the merge of arts (host first).  *download_failed:
 * the failure is a download's (not to be retried: it was fresh).
 */
static int
merge_overlapped(struct project *p, const struct fetch_plan *plan, struct lock_artifact **arts,
		 size_t n, bool record, struct merge_opts *mo, uint8_t id[GN_SHA256_LEN],
		 bool *download_failed, struct gn_error *err)
{
	const struct gn_events *outer = p->opts.events;
	struct overlap o = {.plan = plan, .arts = arts};
	struct fetch_opts fo = plan->fo;
	struct gn_error fetch_err;
	int rc, fetch_rc;

	fo.jobs = 1;
	if ((rc = pipeline_new(plan->reqs, plan->n_reqs, &fo, &o.pl, err)) < 0) {
		return rc;
	}
	/* Signature hooks run on the download thread: their events too go
	 * through the pipeline, one at a time with the merge's. */
	p->opts.events = pipeline_events(o.pl);
	if ((rc = pipeline_start(o.pl, err)) < 0) {
		p->opts.events = outer;
		return rc;
	}
	mo->events = p->opts.events;
	mo->source_ready = overlap_ready;
	mo->ready_user = &o;
	rc = merge_goroot(mo, id, err);
	gn_error_clear(&fetch_err);
	/* A failed run stops the downloads still going (fail fast); a signal
	 * has stopped them already, keeping their parts to resume. */
	fetch_rc = pipeline_finish(o.pl, rc < 0 && rc != -GN_E_INTERRUPTED, &fetch_err);
	p->opts.events = outer;
	mo->events = outer;
	mo->source_ready = NULL;
	for (size_t i = 0; i < plan->n_reqs; i++) {
		if (plan->reqs[i].result == 0) {
			shas_add(p, &p->fetched, plan->reqs[i].sha256);
		}
		*download_failed = *download_failed || plan->reqs[i].result < 0;
	}
	if (rc == 0 && fetch_rc < 0) {
		*err = fetch_err;
		rc = fetch_rc;
	}
	return rc < 0 ? rc : finish_prepare(p, plan, arts, n, record, false, err);
}

/* The artifacts one host's GOROOT is built from: host first. */
static int
host_artifacts(const struct project *p, struct lock *lock, const struct gn_platform *host,
	       struct lock_artifact **arts, size_t *n, struct gn_error *err)
{
	const struct lock_artifact *found;
	char text[GN_PLATFORM_TEXT];

	*n = 0;
	found = lock_artifact_for(lock, host);
	if (!found) {
		/* base: source: the host's tree comes from the source archive. */
		found = lock_source_artifact(lock);
	}
	if (!found) {
		gn_platform_format(host, text, sizeof(text));
		return gn_error_set(err, GN_E_LOCK, "%s: no artifact for host %s", p->lock_path,
				    text);
	}
	arts[(*n)++] = &lock->artifacts[found - lock->artifacts];
	for (size_t i = 0; i < lock->n_platforms; i++) {
		const struct gn_platform *t = &lock->platforms[i];
		/* Go 1.20+: nothing to merge, so no target archive is locked. */
		if (gn_platform_equal(t, host) || !lock_merges_targets(lock->go)) {
			continue;
		}
		found = lock_artifact_for(lock, t);
		if (!found) {
			gn_platform_format(t, text, sizeof(text));
			return gn_error_set(err, GN_E_LOCK, "%s: no artifact for platform %s",
					    p->lock_path, text);
		}
		arts[(*n)++] = &lock->artifacts[found - lock->artifacts];
	}
	return 0;
}

/* Re-hash cached archives and drop the ones that changed since caching. */
static size_t
evict_changed(struct project *p, struct lock_artifact **arts, size_t n)
{
	size_t evicted = 0;

	for (size_t i = 0; i < n; i++) {
		char path[CACHE_PATH_MAX];
		uint8_t digest[GN_SHA256_LEN];
		char hex[GN_SHA256_HEX];

		cache_archive_path(&p->cache, arts[i]->sha256, path);
		if (gn_sha256_file(path, digest, NULL) < 0) {
			cache_evict_archive(&p->cache, arts[i]->sha256);
			evicted++;
			continue;
		}
		gn_hex_encode(digest, sizeof(digest), hex);
		if (strcmp(hex, arts[i]->sha256) != 0) {
			gn_emitf(p->opts.events, GN_EV_WARNING,
				 "cached %s changed since it was verified; fetching it again",
				 arts[i]->file);
			cache_evict_archive(&p->cache, arts[i]->sha256);
			evicted++;
		}
	}
	return evicted;
}

/*
 * base: source: make.bash builds the host toolchain from the locked source
 * (into dest, or a scratch folder when only the hash is wanted), then the
 * targets are merged as usual and the tree hashed from disk.  A tree built
 * only for its hash goes into the tree store, so the sync that follows the
 * lock does not build it again.
 */
static int
build_from_source(struct project *p, struct merge_opts *mo, const char *dest,
		  uint8_t id[GN_SHA256_LEN], struct gn_error *err)
{
	char work[CACHE_PATH_MAX], root[CACHE_PATH_MAX + 16], bootstrap[4096];
	char tree[LOCK_TREE_ID_LEN], scratch[CACHE_PATH_MAX + 16];
	struct source_build sb = {
		.archive = mo->host.archive,
		.file = mo->host.file,
		.sha256 = mo->host.sha256,
		.size = mo->host.size,
		.bootstrap = bootstrap,
		.work = work,
		.events = p->opts.events,
	};
	int rc;

	rc = source_find_bootstrap(p->manifest.bootstrap, p->manifest.dir, bootstrap,
				   sizeof(bootstrap), err);
	if (rc < 0) {
		return rc;
	}
	cache_tmp_path(&p->cache, "build-XXXXXX", work);
	if (!mkdtemp(work)) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", work, strerror(errno));
	}
	snprintf(root, sizeof(root), "%s/goroot", work);
	if (!dest && (rc = gn_mkdir_p(root, 0755, err)) < 0) {
		return rc;
	}
	sb.dest = dest ? dest : root;
	rc = source_build(&sb, err);
	if (rc == 0) {
		mo->dest = sb.dest;
		mo->host_prebuilt = true;
		rc = merge_goroot(mo, id, err);
	}
	if (rc == 0 && !dest) {
		struct gn_error store_err;

		tree_format_id(id, tree);
		gn_error_clear(&store_err);
		if (store_put(&p->cache, tree, root, &store_err) < 0) {
			gn_emitf(p->opts.events, GN_EV_WARNING,
				 "could not keep the built tree in the store: %s",
				 store_err.message);
		}
	}
	/* Keep make.log after a failure: the error names it (not when the
	 * user stopped the build). */
	gn_rm_rf(root, NULL);
	if (rc == 0 || rc == -GN_E_INTERRUPTED) {
		gn_rm_rf(work, NULL);
	} else {
		snprintf(scratch, sizeof(scratch), "%s/gocache", work);
		gn_rm_rf(scratch, NULL);
	}
	return rc;
}

/*
 * source: proxy: the module zip (its sha256 re-checked unless this run
 * fetched it) laid out as a distribution tar in the cache's tmp folder,
 * which the merge then reads like any archive (builder/toolchain.h).
 */
static int
layout_module(struct project *p, const struct lock_artifact *a, const char *zip,
	      struct merge_source *src, struct gn_error *err)
{
	char version[128], name[128], *tar = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
	struct stat st;
	int fd, rc;

	if (!tar) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	if (!toolchain_module_version(a->file, version, sizeof(version))) {
		return gn_error_set(err, GN_E_LOCK, "%s: %s is not a golang.org/toolchain zip",
				    p->lock_path, a->file);
	}
	if (!cache_is_file(&p->cache, zip, true)) {
		return gn_error_set(err, GN_E_INTEGRITY, "cached %s is not a regular file",
				    a->file);
	}
	if (!shas_has(&p->fetched, a->sha256)) {
		uint8_t digest[GN_SHA256_LEN];
		char hex[GN_SHA256_HEX];

		if ((rc = gn_sha256_file(zip, digest, err)) < 0) {
			return rc;
		}
		gn_hex_encode(digest, sizeof(digest), hex);
		if (strcmp(hex, a->sha256) != 0) {
			rc = gn_error_set(err, GN_E_INTEGRITY, "cached %s changed since it was "
					  "verified", a->file);
			gn_error_values(err, a->sha256, hex);
			cache_evict_archive(&p->cache, a->sha256);
			return rc;
		}
	}
	snprintf(name, sizeof(name), "layout-%ld-%.16s.tar", (long)getpid(), a->sha256);
	cache_tmp_path(&p->cache, name, tar);
	/* Written through the cache's own descriptors: no planted link is followed. */
	fd = cache_open_file(&p->cache, tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", tar, strerror(errno));
	}
	rc = toolchain_layout(zip, version, fd, tar, err);
	close(fd);
	if (rc < 0) {
		cache_unlink(&p->cache, tar);
		return rc;
	}
	*src = (struct merge_source){
		.archive = tar,
		.file = a->file,
		.sha256 = NULL,
		.size = stat(tar, &st) == 0 ? st.st_size : 0,
	};
	return 0;
}

/*
 * Build host's GOROOT from the cache into dest (NULL: hash only).  A cache
 * file that no longer matches its sha256 is evicted, fetched again and the
 * build retried once; nothing unverified is ever used.
 */
static int
build_goroot(struct project *p, struct lock *lock, const struct gn_platform *host, const char *dest,
	     bool record, char tree[LOCK_TREE_ID_LEN], struct gn_error *err)
{
	struct lock_artifact **arts;
	struct merge_source *sources;
	struct merge_opts mo = { 0 };
	uint8_t id[GN_SHA256_LEN];
	size_t n = 0;
	int rc;

	arts = gn_arena_array(&p->arena, lock->n_platforms + 1, sizeof(*arts));
	sources = gn_arena_array(&p->arena, lock->n_platforms + 1, sizeof(*sources));
	if (!arts || !sources) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	if (gn_goversion_parse(lock->go, &mo.version) != 0) {
		return gn_error_set(err, GN_E_LOCK, "%s: bad go version %s", p->lock_path,
				    lock->go);
	}
	if ((rc = host_artifacts(p, lock, host, arts, &n, err)) < 0) {
		return rc;
	}
	for (int attempt = 0;; attempt++) {
		struct fetch_plan plan;
		bool overlap, download_failed = false;

		if ((rc = plan_fetch(p, arts, n, record, &plan, err)) < 0) {
			return rc;
		}
		/* Worth a thread when a download can hide another archive's merge. */
		overlap = attempt == 0 && plan.n_reqs > 0 && n > 1 && !from_proxy(p) &&
			  arts[0]->os[0] != '\0';
		rc = overlap ? finish_prepare(p, &plan, arts, n, record, true, err)
			     : run_plan(p, &plan, arts, n, record, err);
		if (rc < 0) {
			return rc;
		}
		for (size_t i = 0; i < n; i++) {
			char *path = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
			if (!path) {
				return gn_error_set(err, GN_E_NOMEM, "out of memory");
			}
			cache_archive_path(&p->cache, arts[i]->sha256, path);
			if (from_proxy(p)) {
				rc = layout_module(p, arts[i], path, &sources[i], err);
				if (rc < 0) {
					while (i-- > 0) {
						cache_unlink(&p->cache, sources[i].archive);
					}
					return rc;
				}
				gn_platform_from_index(arts[i]->os, arts[i]->arch,
						       &sources[i].platform);
				continue;
			}
			sources[i] = (struct merge_source){
				.archive = path,
				.file = arts[i]->file,
				/* Just downloaded and hashed on arrival: no second hash. */
				.sha256 = shas_has(&p->fetched, arts[i]->sha256) ||
						  (overlap && planned(&plan, arts[i]))
					  ? NULL
					  : arts[i]->sha256,
				.size = arts[i]->size,
			};
			gn_platform_from_index(arts[i]->os, arts[i]->arch, &sources[i].platform);
		}
		mo.host = sources[0];
		mo.targets = sources + 1;
		mo.n_targets = n - 1;
		mo.dest = dest;
		mo.events = p->opts.events;
		if (arts[0]->os[0] == '\0') {
			rc = build_from_source(p, &mo, dest, id, err);
			break;
		}
		rc = overlap ? merge_overlapped(p, &plan, arts, n, record, &mo, id,
						&download_failed, err)
			     : merge_goroot(&mo, id, err);
		if (from_proxy(p)) {
			for (size_t i = 0; i < n; i++) {
				cache_unlink(&p->cache, sources[i].archive);
			}
		}
		if (rc != -GN_E_INTEGRITY || attempt > 0 || download_failed) {
			break;
		}
		/* Offline the bad file still goes (nothing unverified stays), but
		 * it can't be fetched again: report the mismatch. */
		if (evict_changed(p, arts, n) == 0 || p->opts.offline) {
			break;
		}
		if (dest) {
			/* Start again from an empty staging folder. */
			if ((rc = gn_rm_rf(dest, err)) < 0 ||
			    (rc = gn_mkdir_p(dest, 0755, err)) < 0) {
				return rc;
			}
		}
		gn_error_clear(err);
	}
	if (rc < 0) {
		return rc;
	}
	tree_format_id(id, tree);
	return 0;
}

static struct trust_opts
trust_options(struct project *p)
{
	struct trust_opts to = {
		.sumdb = p->manifest.sumdb,
		.proxies = p->manifest.proxies,
		.n_proxies = p->manifest.n_proxies,
		.cache = &p->cache,
		.events = p->opts.events,
		.net = p->opts.net,
	};
	return to;
}

/*
 * sumdb: set: each Go >= 1.21 binary archive must reproduce the h1 the
 * checksum database records for its toolchain module (builder/trust.h).
 * An archive fetched in this run that fails leaves the cache again.
 */
static int
check_trust_roots(struct project *p, struct lock *lock, struct gn_error *err)
{
	struct lock_artifact **arts;
	const char **paths;
	struct trust_opts to;
	size_t n = 0;
	int rc;

	if (!p->manifest.sumdb) {
		return 0;
	}
	arts = gn_arena_array(&p->arena, lock->n_artifacts + 1, sizeof(*arts));
	paths = gn_arena_array(&p->arena, lock->n_artifacts + 1, sizeof(*paths));
	if (!arts || !paths) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		if (from_proxy(p) || trust_applies(lock->go, &lock->artifacts[i])) {
			arts[n++] = &lock->artifacts[i];
		}
	}
	if (n == 0) {
		return 0;
	}
	if (p->opts.offline) {
		return gn_error_set(err, GN_E_OFFLINE,
				    "sumdb: the checksum database cannot be asked with --offline; "
				    "lock without it");
	}
	if ((rc = prepare_artifacts(p, arts, n, true, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		char *path = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
		if (!path) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		cache_archive_path(&p->cache, arts[i]->sha256, path);
		if (!cache_is_file(&p->cache, path, true)) {
			return gn_error_set(err, GN_E_INTEGRITY, "cached %s is not a regular file",
					    arts[i]->file);
		}
		paths[i] = path;
	}
	to = trust_options(p);
	/* The head is written into the cache: under the lock. */
	cache_assert_locked(&p->cache);
	rc = trust_check_index(&to, lock->go, arts, paths, n, &p->arena, err);
	if (rc == -GN_E_INTEGRITY || rc == -GN_E_SIGNATURE) {
		for (size_t i = 0; i < n; i++) {
			if (shas_has(&p->fetched, arts[i]->sha256)) {
				cache_evict_archive(&p->cache, arts[i]->sha256);
			}
		}
	}
	return rc;
}

/* The lock names the first proxy's list: the same lock whichever answered. */
static void
fresh_index_url(struct project *p, struct lock *lock)
{
	const char *url = gn_arena_printf(&p->arena, "%slist",
					  toolchain_base(&p->arena, p->manifest.proxies[0]));
	if (url) {
		lock->index = url;
	}
}

/* source: proxy: the toolchains @v/list names, as an index whose files'
 * sha256 is known only from the previous lock (else a placeholder). */
static int
load_toolchain_index(struct project *p, struct lock_index *index, struct gn_error *err)
{
	struct toolchain_opts to = {
		.proxies = p->manifest.proxies,
		.n_proxies = p->manifest.n_proxies,
		.cache = &p->cache,
		.events = p->opts.events,
		.net = p->opts.net,
	};
	int rc;

	if (p->opts.offline) {
		return gn_error_set(err, GN_E_OFFLINE,
				    "source: proxy lists the toolchains on the proxy; run once "
				    "without --offline");
	}
	if ((rc = open_cache(p, err)) < 0 ||
	    (rc = toolchain_index(&to, &p->arena, index, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; p->have_lock && i < index->n_releases; i++) {
		for (size_t j = 0; j < index->releases[i].n_files; j++) {
			struct lock_index_file *f = &index->releases[i].files[j];
			const struct lock_artifact *old = lock_find_artifact(&p->lock, f->filename);

			if (old) {
				f->sha256 = old->sha256;
				f->size = old->size;
			}
		}
	}
	return 0;
}

/* Download the module zips a lock names for the first time: their sha256
 * and size are learnt here; the log's h1 is checked next. */
static int
fetch_new_modules(struct project *p, struct lock *lock, struct gn_error *err)
{
	struct toolchain_opts to = {
		.proxies = p->manifest.proxies,
		.n_proxies = p->manifest.n_proxies,
		.cache = &p->cache,
		.events = p->opts.events,
		.net = p->opts.net,
	};

	fresh_index_url(p, lock);
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		struct lock_artifact *a = &lock->artifacts[i];
		char tmp[CACHE_PATH_MAX], dest[CACHE_PATH_MAX], name[96];
		uint8_t digest[GN_SHA256_LEN];
		struct fetch_request req;
		struct fetch_opts fo = fetch_options(p);
		const char **urls;
		size_t n_urls = 0;
		struct stat st;
		char version[128];
		int rc;

		if (strcmp(a->sha256, TOOLCHAIN_UNKNOWN_SHA256) != 0) {
			continue;
		}
		if (!toolchain_module_version(a->file, version, sizeof(version))) {
			return gn_error_set(err, GN_E_INDEX, "%s is not a golang.org/toolchain zip",
					    a->file);
		}
		if ((rc = toolchain_check_meta(&to, &p->arena, version, err)) < 0) {
			return rc;
		}
		if (!(urls = proxy_urls(p, a, &n_urls))) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		snprintf(name, sizeof(name), "module-%ld-%zu.zip", (long)getpid(), i);
		cache_tmp_path(&p->cache, name, tmp);
		req = (struct fetch_request){
			.name = a->file,
			.urls = urls,
			.n_urls = n_urls,
			.size = -1,
			.max_size = UNKNOWN_SIZE_CAP,
			.dest = tmp,
		};
		if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
			cache_unlink(&p->cache, tmp);
			return rc;
		}
		if ((rc = gn_sha256_file(tmp, digest, err)) < 0 || stat(tmp, &st) != 0) {
			cache_unlink(&p->cache, tmp);
			return rc < 0 ? rc : gn_error_set(err, GN_E_IO, "cannot stat %s", tmp);
		}
		gn_hex_encode(digest, sizeof(digest), a->sha256);
		a->size = st.st_size;
		cache_archive_path(&p->cache, a->sha256, dest);
		cache_assert_locked(&p->cache);
		if (cache_rename(&p->cache, tmp, dest) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", dest, strerror(errno));
			cache_unlink(&p->cache, tmp);
		}
		if (rc < 0) {
			return rc;
		}
		shas_add(p, &p->fetched, a->sha256);
	}
	return 0;
}

static void
copy_go(char *out, size_t len, const char *go)
{
	snprintf(out, len, "%s", go ? go : "");
}

/* project_lock's work, under the cache lock. */
static int
write_lock_locked(struct project *p, bool upgrade, struct project_lock_result *res,
		  struct gn_error *err)
{
	struct lock_index index;
	struct lock fresh;
	struct lock_cc cc_targets = {0};
	struct gn_buf bytes, old_bytes;
	char *old = NULL;
	size_t old_len = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (p->have_lock) {
		copy_go(res->previous_go, sizeof(res->previous_go), p->lock.go);
	}
	/* A platform Zig cannot serve fails before anything is downloaded. */
	if (p->manifest.cc.enabled) {
		struct zig_ctx z = zig_context(p);
		struct lock targets = {
			.platforms = p->manifest.platforms,
			.n_platforms = p->manifest.n_platforms,
		};

		if ((rc = zig_resolve_targets(&z, &targets, err)) < 0) {
			return rc;
		}
		cc_targets = targets.cc;
	}
	rc = from_proxy(p) ? load_toolchain_index(p, &index, err) : load_index(p, &index, err);
	if (rc < 0) {
		return rc;
	}
	rc = lock_resolve(&p->arena, &p->manifest, p->digest, &p->host, &index,
			  p->have_lock ? &p->lock : NULL, upgrade, &fresh, p->opts.events, err);
	if (rc < 0) {
		return rc;
	}
	/* Zig first: a tarball that fails its checks stops the lock before any
	 * Go archive is fetched or hashed. */
	if (p->manifest.cc.enabled) {
		struct zig_ctx z = zig_context(p);

		fresh.cc = cc_targets;
		if ((rc = open_cache(p, err)) < 0 ||
		    (rc = zig_lock(&z, &fresh, p->have_lock ? &p->lock : NULL, err)) < 0) {
			return rc;
		}
	}
	if (from_proxy(p) && (rc = fetch_new_modules(p, &fresh, err)) < 0) {
		return rc;
	}
	/* Every artifact's signer goes into the lock, even when no tree needs
	 * hashing again. */
	if (p->manifest.signatures.require_archives) {
		struct lock_artifact **all =
			gn_arena_array(&p->arena, fresh.n_artifacts + 1, sizeof(*all));
		if (!all) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < fresh.n_artifacts; i++) {
			all[i] = &fresh.artifacts[i];
		}
		if ((rc = prepare_artifacts(p, all, fresh.n_artifacts, true, err)) < 0) {
			return rc;
		}
	}
	if ((rc = check_trust_roots(p, &fresh, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < fresh.n_goroots; i++) {
		struct lock_goroot *g = &fresh.goroots[i];
		char text[GN_PLATFORM_TEXT];

		if (g->tree[0]) {
			continue;
		}
		gn_platform_format(&g->host, text, sizeof(text));
		gn_emitf(p->opts.events, GN_EV_INFO, "hashing the merged GOROOT for %s", text);
		if ((rc = build_goroot(p, &fresh, &g->host, NULL, true, g->tree, err)) < 0) {
			return rc;
		}
	}
	gn_buf_init(&bytes);
	gn_buf_init(&old_bytes);
	lock_write(&fresh, &bytes);
	if (bytes.failed) {
		gn_buf_free(&bytes);
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	if (gn_path_exists(p->lock_path)) {
		gn_read_file(p->lock_path, LOCK_MAX_BYTES, &old, &old_len, NULL);
	}
	if (!old || old_len != bytes.len || memcmp(old, bytes.data, bytes.len) != 0) {
		rc = gn_write_file_atomic(p->lock_path, bytes.data, bytes.len, 0644, err);
		res->written = rc == 0;
	}
	free(old);
	gn_buf_free(&bytes);
	if (rc < 0) {
		return rc;
	}
	p->lock = fresh;
	p->have_lock = true;
	copy_go(res->go, sizeof(res->go), fresh.go);
	return 0;
}

int
project_lock(struct project *p, bool upgrade, struct project_lock_result *res, struct gn_error *err)
{
	int rc;

	if ((rc = lock_cache(p, err)) < 0) {
		memset(res, 0, sizeof(*res));
		return rc;
	}
	rc = write_lock_locked(p, upgrade, res, err);
	cache_unlock(&p->cache);
	return rc;
}

static int
host_goroot(struct project *p, const struct lock_goroot **out, struct gn_error *err)
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

/*
 * Put the locked tree into the staging folder: from the tree store when it
 * holds it (no archive is read), else built from the cached archives and
 * checked against the lock, then kept in the store for next time.
 */
static int
fill_stage(struct project *p, const char *tree_id, const char *stage, struct gn_error *err)
{
	enum store_method mode = store_link_mode(), method;
	char stored[CACHE_PATH_MAX], tree[LOCK_TREE_ID_LEN];
	struct tree *check = NULL;
	struct gn_error store_err;
	bool found;
	int rc;

	cache_assert_locked(&p->cache);
	found = store_lookup(&p->cache, tree_id, stored);
	if (found) {
		/* Copies are hashed on the way: a changed store is never installed.
		 * Hard links (GONATIVE_LINK_MODE=hardlink) trust the stat record. */
		check = mode == STORE_HARDLINK ? NULL : tree_new();
		if (mode != STORE_HARDLINK && !check) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		gn_error_clear(&store_err);
		rc = store_clone(stored, stage, mode, check, &method, p->opts.events, &store_err);
		if (rc == 0 && check) {
			uint8_t id[GN_SHA256_LEN];

			rc = tree_root(check, id, &store_err);
			tree_format_id(id, tree);
			if (rc == 0 && strcmp(tree, tree_id) != 0) {
				gn_error_set(&store_err, GN_E_INTEGRITY,
					     "it hashes to %s, not the locked %s", tree, tree_id);
				rc = -GN_E_INTEGRITY;
			}
		}
		tree_free(check);
		if (rc == 0) {
			gn_emitf(p->opts.events, GN_EV_INFO, "filled from the tree store (%s)",
				 store_method_name(method));
			return 0;
		}
		if (rc == -GN_E_INTERRUPTED) {
			/* Not the store's fault: keep the entry. */
			cache_unlock(&p->cache);
			*err = store_err;
			return rc;
		}
		/* A store entry that fails is no reason to fail: drop it and build. */
		store_drop(&p->cache, tree_id);
		gn_emitf(p->opts.events, GN_EV_WARNING,
			 "tree store: %s; building from the verified archives instead",
			 store_err.message);
		if ((rc = gn_rm_rf(stage, err)) < 0 || (rc = gn_mkdir_p(stage, 0755, err)) < 0) {
			return rc;
		}
	}
	rc = build_goroot(p, &p->lock, &p->host, stage, false, tree, err);
	if (rc == 0 && strcmp(tree, tree_id) != 0) {
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the merged GOROOT does not hash to the locked value");
		gn_error_values(err, tree_id, tree);
	}
	if (rc < 0) {
		return rc;
	}
	/* Keep what is slow to rebuild (a make.bash build); with hard links,
	 * keeping costs nothing, so keep everything. */
	if (mode == STORE_HARDLINK || lock_source_artifact(&p->lock)) {
		gn_error_clear(&store_err);
		if (store_put(&p->cache, tree_id, stage, &store_err) < 0) {
			gn_emitf(p->opts.events, GN_EV_WARNING,
				 "could not keep the tree in the store: %s", store_err.message);
		}
	}
	return 0;
}

/* Go 1.21+ takes its GOPROXY/GOSUMDB/GOTOOLCHAIN defaults from go.env: a
 * GOROOT without it (a trimmed archive, a source build that dropped it)
 * would quietly change what the go command does. */
static int
check_go_env(struct project *p, const char *stage, struct gn_error *err)
{
	struct gn_goversion v;
	char path[INSTALL_PATH_MAX + 8];
	struct stat st;
	int rc;

	if (gn_goversion_parse(p->lock.go, &v) != 0 || !gn_goversion_at_least(&v, 1, 21)) {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/go.env", stage);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		return 0;
	}
	rc = gn_error_set(err, GN_E_INTEGRITY, "the %s GOROOT has no go.env (Go 1.21+ needs it)",
			  p->lock.go);
	gn_error_values(err, "go.env", "missing");
	return rc;
}

/* The GOROOT half of a sync. */
static int
sync_goroot(struct project *p, const struct lock_goroot *goroot, struct project_sync_result *res,
	    struct gn_error *err)
{
	struct statrec_report report;
	char stage[INSTALL_PATH_MAX];
	int rc;

	/* Fast path first without the lock: a warm sync costs a few lstat calls. */
	install_check(&p->install, goroot->tree, &report);
	if (report.status == STATREC_MATCH && !install_has_stale(&p->install)) {
		res->noop = true;
		return 0;
	}
	if ((rc = install_lock(&p->install, err)) < 0) {
		return rc;
	}
	/* A sync killed after its swap leaves the old tree in a staging folder. */
	install_cleanup_stale(&p->install);
	/* Another sync may have finished while we waited. */
	install_check(&p->install, goroot->tree, &report);
	if (report.status == STATREC_MATCH) {
		res->noop = true;
		goto out;
	}
	if ((rc = open_cache(p, err)) < 0) {
		goto out;
	}
	if ((rc = install_stage(&p->install, stage, err)) < 0) {
		goto out;
	}
	/* After the install lock, never before: project_lock above takes only
	 * the cache lock, so the two are always taken in this order. */
	if ((rc = lock_cache(p, err)) == 0) {
		rc = fill_stage(p, goroot->tree, stage, err);
		cache_unlock(&p->cache);
	}
	/* The last point to stop: once the swap starts it is finished, so the
	 * install path always holds the old tree or the new one, whole. */
	if (rc == 0 && gn_cancelled(p->opts.events)) {
		rc = gn_error_set(err, GN_E_INTERRUPTED, "interrupted before installing %s",
				  p->install.root);
	}
	if (rc == 0) {
		rc = check_go_env(p, stage, err);
	}
	if (rc == 0) {
		gn_emitf(p->opts.events, GN_EV_DEBUG, "installing %s", p->install.root);
		rc = install_commit(&p->install, stage, goroot->tree, err);
	}
	if (rc < 0) {
		gn_rm_rf(stage, NULL);
	}
out:
	install_unlock(&p->install);
	return rc;
}

/* The Zig half of a sync: beside the GOROOT, with the same guarantees. */
static int
sync_cc(struct project *p, struct project_sync_result *res, struct gn_error *err)
{
	struct zig_sync_result zr;
	struct zig_ctx z;
	int rc;

	if (!p->lock.cc.zig || !lock_cc_host_for(&p->lock, &p->host)) {
		return 0;
	}
	if ((rc = open_cache(p, err)) < 0) {
		return rc;
	}
	z = zig_context(p);
	if ((rc = zig_sync(&z, &p->lock, &p->host, &p->zig_install, &zr, err)) < 0) {
		return rc;
	}
	res->cc = true;
	res->cc_noop = zr.noop;
	snprintf(res->cc_tree, sizeof(res->cc_tree), "%s", zr.tree);
	snprintf(res->cc_root, sizeof(res->cc_root), "%s", p->zig_install.root);
	return 0;
}

int
project_sync(struct project *p, bool frozen, struct project_sync_result *res, struct gn_error *err)
{
	const struct lock_goroot *goroot;
	int rc;

	memset(res, 0, sizeof(*res));
	/* Everything that needs no network comes before the first download:
	 * both trees sync replaces must be gonative's own. */
	if ((rc = install_check_owner(&p->install, err)) < 0 ||
	    (rc = install_check_owner(&p->zig_install, err)) < 0) {
		return rc;
	}
	if (!lock_is_fresh(p)) {
		if (frozen) {
			if (!p->have_lock) {
				return gn_error_set(err, GN_E_LOCK,
						    "%s does not exist; --frozen installs only "
						    "from a committed lock (run `gonative lock`)",
						    p->lock_path);
			}
			return gn_error_set(err, GN_E_DRIFT,
					    "%s is out of date with %s; --frozen will not "
					    "update it (run `gonative lock`, or `gonative check` "
					    "to see what changed)",
					    p->lock_path, p->manifest.path);
		}
		struct project_lock_result lr;
		if ((rc = project_lock(p, false, &lr, err)) < 0) {
			return rc;
		}
		res->locked = lr.written;
	} else {
		/* Resolving warned already; from a fresh lock, say it here, once. */
		lock_warn_nothing_to_merge(&p->lock, p->opts.events);
	}
	copy_go(res->go, sizeof(res->go), p->lock.go);
	snprintf(res->root, sizeof(res->root), "%s", p->install.root);
	if ((rc = host_goroot(p, &goroot, err)) < 0) {
		return rc;
	}
	snprintf(res->tree, sizeof(res->tree), "%s", goroot->tree);

	if ((rc = sync_goroot(p, goroot, res, err)) < 0) {
		return rc;
	}
	return sync_cc(p, res, err);
}

/* check: the installed Zig tree against the lock, like the GOROOT. */
static int
check_cc(struct project *p, bool deep, struct project_check_result *res, struct gn_error *err)
{
	const struct lock_cc_host *h = lock_cc_host_for(&p->lock, &p->host);
	int rc;

	if (!h || !h->tree[0]) {
		return 0;
	}
	res->cc = true;
	snprintf(res->cc_expected_tree, sizeof(res->cc_expected_tree), "%s", h->tree);
	install_check(&p->zig_install, h->tree, &res->cc_install);
	if (res->cc_install.status != STATREC_MATCH) {
		res->drifted = true;
	}
	if (deep && res->cc_install.status != STATREC_MISSING) {
		uint8_t id[GN_SHA256_LEN];

		if ((rc = tree_hash_dir(p->zig_install.root, id, err)) < 0) {
			return rc;
		}
		tree_format_id(id, res->cc_actual_tree);
		if (strcmp(res->cc_actual_tree, h->tree) != 0) {
			res->drifted = true;
		}
	}
	return 0;
}

int
project_check(struct project *p, bool deep, bool upstream, struct project_check_result *res,
	      struct gn_error *err)
{
	const struct lock_goroot *goroot;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!p->have_lock) {
		res->lock_missing = true;
		res->drifted = true;
		return 0;
	}
	rc = lock_drift_manifest(&p->arena, &p->manifest, p->digest, &p->host, &p->lock,
				 &res->drift);
	if (rc < 0) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	res->drifted = res->drift.n_items > 0;
	goroot = lock_goroot_for(&p->lock, &p->host);
	if (!goroot || !goroot->tree[0]) {
		res->host_missing = true;
		res->drifted = true;
	} else {
		snprintf(res->expected_tree, sizeof(res->expected_tree), "%s", goroot->tree);
		install_check(&p->install, goroot->tree, &res->install);
		if (res->install.status != STATREC_MATCH) {
			res->drifted = true;
		}
		if (deep && res->install.status != STATREC_MISSING) {
			uint8_t id[GN_SHA256_LEN];
			if ((rc = tree_hash_dir(p->install.root, id, err)) < 0) {
				return rc;
			}
			tree_format_id(id, res->actual_tree);
			res->deep = true;
			if (strcmp(res->actual_tree, goroot->tree) != 0) {
				res->drifted = true;
			}
		}
	}
	if ((rc = check_cc(p, deep, res, err)) < 0) {
		return rc;
	}
	if (upstream) {
		struct lock_index index;
		struct lock newest;

		if ((rc = lock_cache(p, err)) < 0) {
			return rc;
		}
		rc = from_proxy(p) ? load_toolchain_index(p, &index, err)
				   : load_index(p, &index, err);
		cache_unlock(&p->cache);
		if (rc < 0) {
			return rc;
		}
		rc = lock_resolve(&p->arena, &p->manifest, p->digest, &p->host, &index, NULL, true,
				  &newest, NULL, err);
		if (rc < 0) {
			return rc;
		}
		res->upstream_checked = true;
		copy_go(res->upstream_go, sizeof(res->upstream_go), newest.go);
		if (strcmp(newest.go, p->lock.go) != 0) {
			res->drifted = true;
		}
		if (p->manifest.sumdb) {
			struct trust_opts to = trust_options(p);

			if ((rc = open_cache(p, err)) < 0 ||
			    (rc = trust_check_upstream(&to, &res->log, err)) < 0) {
				return rc;
			}
			res->log_checked = true;
		}
	}
	return 0;
}

/* verify: every byte of the installed Zig tree against the lock. */
static int
verify_cc(struct project *p, struct project_verify_result *res, struct gn_error *err)
{
	const struct lock_cc_host *h = lock_cc_host_for(&p->lock, &p->host);
	uint8_t id[GN_SHA256_LEN];
	int rc;

	if (!h || !h->tree[0]) {
		return 0;
	}
	res->cc = true;
	snprintf(res->cc_expected_tree, sizeof(res->cc_expected_tree), "%s", h->tree);
	if (!gn_is_dir(p->zig_install.root)) {
		return 0;
	}
	res->cc_installed = true;
	if ((rc = tree_hash_dir(p->zig_install.root, id, err)) < 0) {
		return rc;
	}
	tree_format_id(id, res->cc_actual_tree);
	res->cc_match = strcmp(res->cc_actual_tree, h->tree) == 0;
	return 0;
}

int
project_verify(struct project *p, struct project_verify_result *res, struct gn_error *err)
{
	const struct lock_goroot *goroot;
	uint8_t id[GN_SHA256_LEN];
	int rc;

	memset(res, 0, sizeof(*res));
	if (!p->have_lock) {
		return gn_error_set(err, GN_E_LOCK, "%s does not exist (run `gonative lock`)",
				    p->lock_path);
	}
	if ((rc = host_goroot(p, &goroot, err)) < 0) {
		return rc;
	}
	snprintf(res->expected_tree, sizeof(res->expected_tree), "%s", goroot->tree);
	if (!gn_is_dir(p->install.root)) {
		return verify_cc(p, res, err);
	}
	res->installed = true;
	if ((rc = tree_hash_dir(p->install.root, id, err)) < 0) {
		return rc;
	}
	tree_format_id(id, res->actual_tree);
	res->match = strcmp(res->actual_tree, goroot->tree) == 0;
	if (!res->match) {
		install_check(&p->install, NULL, &res->changed);
	}
	return verify_cc(p, res, err);
}

static int
require_fresh_lock(const struct project *p, struct gn_error *err)
{
	if (!p->have_lock) {
		return gn_error_set(err, GN_E_LOCK, "%s does not exist (run `gonative lock`)",
				    p->lock_path);
	}
	if (!lock_is_fresh(p)) {
		return gn_error_set(err, GN_E_DRIFT,
				    "%s is out of date with %s (run `gonative lock`)", p->lock_path,
				    p->manifest.path);
	}
	return 0;
}

int
project_fetch_all(struct project *p, struct gn_error *err)
{
	struct lock_artifact **all;
	int rc;

	if ((rc = require_fresh_lock(p, err)) < 0) {
		return rc;
	}
	all = gn_arena_array(&p->arena, p->lock.n_artifacts + 1, sizeof(*all));
	if (!all) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->lock.n_artifacts; i++) {
		all[i] = &p->lock.artifacts[i];
	}
	if ((rc = lock_cache(p, err)) < 0) {
		return rc;
	}
	rc = prepare_artifacts(p, all, p->lock.n_artifacts, false, err);
	cache_unlock(&p->cache);
	if (rc == 0 && p->lock.cc.zig) {
		struct zig_ctx z = zig_context(p);

		rc = zig_fetch_all(&z, &p->lock, err);
	}
	return rc;
}

void
project_archive_path(struct project *p, const struct lock_artifact *a, char *out)
{
	cache_archive_path(&p->cache, a->sha256, out);
}
