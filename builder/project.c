#include "builder/project.h"

#include "builder/fetch.h"
#include "builder/merge.h"
#include "builder/tree.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "lockfiles/index.h"
#include "lockfiles/resolve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MANIFEST "gonative.yaml"

static void
lock_path_for(const char *manifest_path, char *out, size_t len)
{
	size_t n = strlen(manifest_path);
	const char *suffixes[] = {".yaml", ".yml"};

	for (size_t i = 0; i < 2; i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && strcmp(manifest_path + n - s, suffixes[i]) == 0) {
			snprintf(out, len, "%.*s.lock", (int)(n - s), manifest_path);
			return;
		}
	}
	snprintf(out, len, "%s.lock", manifest_path);
}

int
project_open(struct project *p, const struct project_opts *opts, struct gn_error *err)
{
	char install_path[PROJECT_PATH_MAX];
	int rc;

	memset(p, 0, sizeof(*p));
	gn_arena_init(&p->arena);
	p->cache.lock_fd = -1;
	p->install.lock_fd = -1;
	p->opts = *opts;
	if (!p->opts.manifest_path) {
		p->opts.manifest_path = DEFAULT_MANIFEST;
	}
	if ((rc = manifest_load(&p->arena, p->opts.manifest_path, &p->manifest, err)) < 0) {
		return rc;
	}
	manifest_digest(&p->manifest, p->digest);
	lock_path_for(p->opts.manifest_path, p->lock_path, sizeof(p->lock_path));
	if (!gn_platform_host(&p->host)) {
		return gn_error_set(err, GN_E_USAGE, "this machine is not a platform Go supports");
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
	return install_init(&p->install, install_path, err);
}

void
project_close(struct project *p)
{
	install_unlock(&p->install);
	cache_close(&p->cache);
	gn_arena_free(&p->arena);
}

static int
open_cache(struct project *p, struct gn_error *err)
{
	if (p->cache.root[0]) {
		return 0;
	}
	return cache_open(&p->cache, p->opts.cache_dir, err);
}

static bool
lock_is_fresh(const struct project *p)
{
	return p->have_lock && strcmp(p->lock.manifest_digest, p->digest) == 0;
}

/* Mirror base + file name, with exactly one slash between. */
static const char *
mirror_url(struct gn_arena *arena, const char *mirror, const char *file)
{
	size_t n = strlen(mirror);

	if (n > 0 && mirror[n - 1] == '/') {
		return gn_arena_printf(arena, "%s%s", mirror, file);
	}
	return gn_arena_printf(arena, "%s/%s", mirror, file);
}

static struct fetch_opts
fetch_options(const struct project *p)
{
	struct fetch_opts fo = {
		.jobs = p->opts.jobs,
		.events = p->opts.events,
	};
	return fo;
}

/* Fetch (or, offline, read back) the release index. */
static int
load_index(struct project *p, struct lock_index *index, struct gn_error *err)
{
	const char *url = p->manifest.index;
	char cached[CACHE_PATH_MAX], fresh[CACHE_PATH_MAX + 8];
	char *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = open_cache(p, err)) < 0) {
		return rc;
	}
	cache_index_path(&p->cache, url, cached);
	if (p->opts.offline) {
		if (!gn_path_exists(cached)) {
			rc = gn_error_set(err, GN_E_OFFLINE,
					  "the release index is not in the cache (run once "
					  "without --offline)");
			gn_error_url(err, url);
			return rc;
		}
		if ((rc = gn_read_file(cached, LOCK_INDEX_MAX_BYTES, &data, &len, err)) < 0) {
			return rc;
		}
	} else {
		const char *urls[] = {url};
		struct fetch_request req = {
			.name = "release index",
			.urls = urls,
			.n_urls = 1,
			.size = -1,
			.max_size = LOCK_INDEX_MAX_BYTES,
			.dest = fresh,
		};
		struct fetch_opts fo = fetch_options(p);

		snprintf(fresh, sizeof(fresh), "%s.new", cached);
		gn_emitf(p->opts.events, GN_EV_DEBUG, "fetching the release index %s", url);
		if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
			return rc;
		}
		rc = gn_read_file(fresh, LOCK_INDEX_MAX_BYTES, &data, &len, err);
		if (rc < 0) {
			unlink(fresh);
			return rc;
		}
	}
	rc = lock_index_parse(&p->arena, url, data, len, index, err);
	free(data);
	if (!p->opts.offline) {
		/* Only an index that parsed replaces the cached copy. */
		if (rc == 0 && rename(fresh, cached) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache the index at %s: %s", cached,
					  strerror(errno));
		}
		unlink(fresh);
	}
	return rc;
}

/* Make sure every listed artifact is in the cache, fetching what is not. */
static int
fetch_artifacts(struct project *p, const struct lock *lock, const struct lock_artifact **arts,
		size_t n, struct gn_error *err)
{
	struct fetch_request *reqs;
	size_t n_reqs = 0;
	struct fetch_opts fo = fetch_options(p);
	int rc;

	if ((rc = open_cache(p, err)) < 0) {
		return rc;
	}
	reqs = gn_arena_array(&p->arena, n ? n : 1, sizeof(*reqs));
	if (!reqs) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct lock_artifact *a = arts[i];
		const char **urls;
		char *dest;
		bool seen = false;

		for (size_t j = 0; j < n_reqs; j++) {
			seen = seen || strcmp(reqs[j].name, a->file) == 0;
		}
		if (seen || cache_has_archive(&p->cache, a->sha256, a->size)) {
			continue;
		}
		if (p->opts.offline) {
			rc = gn_error_set(err, GN_E_OFFLINE,
					  "%s is not in the cache and --offline was given",
					  a->file);
			return rc;
		}
		urls = gn_arena_array(&p->arena, p->manifest.n_mirrors, sizeof(*urls));
		dest = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
		if (!urls || !dest) {
			return gn_error_set(err, GN_E_NOMEM, "out of memory");
		}
		for (size_t m = 0; m < p->manifest.n_mirrors; m++) {
			urls[m] = mirror_url(&p->arena, p->manifest.mirrors[m], a->file);
		}
		cache_archive_path(&p->cache, a->sha256, dest);
		reqs[n_reqs++] = (struct fetch_request){
			.name = a->file,
			.urls = urls,
			.n_urls = p->manifest.n_mirrors,
			.size = a->size,
			.sha256 = a->sha256,
			.dest = dest,
		};
	}
	(void)lock;
	if (n_reqs == 0) {
		return 0;
	}
	if ((rc = cache_lock(&p->cache, err)) < 0) {
		return rc;
	}
	rc = fetch_run(reqs, n_reqs, &fo, err);
	cache_unlock(&p->cache);
	return rc;
}

/* The artifacts one host's GOROOT is built from: host first. */
static int
host_artifacts(const struct project *p, const struct lock *lock, const struct gn_platform *host,
	       const struct lock_artifact **arts, size_t *n, struct gn_error *err)
{
	char text[GN_PLATFORM_TEXT];

	*n = 0;
	arts[(*n)++] = lock_artifact_for(lock, host);
	if (!arts[0]) {
		gn_platform_format(host, text, sizeof(text));
		return gn_error_set(err, GN_E_LOCK, "%s: no artifact for host %s", p->lock_path,
				    text);
	}
	for (size_t i = 0; i < lock->n_platforms; i++) {
		const struct gn_platform *t = &lock->platforms[i];
		if (gn_platform_equal(t, host)) {
			continue;
		}
		arts[*n] = lock_artifact_for(lock, t);
		if (!arts[*n]) {
			gn_platform_format(t, text, sizeof(text));
			return gn_error_set(err, GN_E_LOCK, "%s: no artifact for platform %s",
					    p->lock_path, text);
		}
		(*n)++;
	}
	return 0;
}

/* Re-hash cached archives and drop the ones that changed since caching. */
static size_t
evict_changed(struct project *p, const struct lock_artifact **arts, size_t n)
{
	size_t evicted = 0;

	for (size_t i = 0; i < n; i++) {
		char path[CACHE_PATH_MAX], *data = NULL;
		uint8_t digest[GN_SHA256_LEN];
		char hex[GN_SHA256_HEX];
		size_t len;

		cache_archive_path(&p->cache, arts[i]->sha256, path);
		if (gn_read_file(path, (size_t)arts[i]->size + 1, &data, &len, NULL) < 0) {
			cache_evict_archive(&p->cache, arts[i]->sha256);
			evicted++;
			continue;
		}
		gn_sha256(data, len, digest);
		free(data);
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
 * Build host's GOROOT from the cache into dest (NULL: hash only).  A cache
 * file that no longer matches its sha256 is evicted, fetched again and the
 * build retried once; nothing unverified is ever used.
 */
static int
build_goroot(struct project *p, const struct lock *lock, const struct gn_platform *host,
	     const char *dest, char tree[LOCK_TREE_ID_LEN], struct gn_error *err)
{
	const struct lock_artifact **arts;
	struct merge_source *sources;
	struct merge_opts mo = {0};
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
		if ((rc = fetch_artifacts(p, lock, arts, n, err)) < 0) {
			return rc;
		}
		for (size_t i = 0; i < n; i++) {
			char *path = gn_arena_alloc(&p->arena, CACHE_PATH_MAX);
			if (!path) {
				return gn_error_set(err, GN_E_NOMEM, "out of memory");
			}
			cache_archive_path(&p->cache, arts[i]->sha256, path);
			sources[i] = (struct merge_source){
				.archive = path,
				.file = arts[i]->file,
				.sha256 = arts[i]->sha256,
				.size = arts[i]->size,
			};
			gn_platform_from_index(arts[i]->os, arts[i]->arch, &sources[i].platform);
		}
		mo.host = sources[0];
		mo.targets = sources + 1;
		mo.n_targets = n - 1;
		mo.dest = dest;
		mo.events = p->opts.events;
		rc = merge_goroot(&mo, id, err);
		if (rc != -GN_E_INTEGRITY || attempt > 0 || p->opts.offline) {
			break;
		}
		if (evict_changed(p, arts, n) == 0) {
			break;
		}
		if (dest) {
			/* Start again from an empty staging folder. */
			if ((rc = gn_rm_rf(dest, err)) < 0 || (rc = gn_mkdir_p(dest, 0755, err)) < 0) {
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

static void
copy_go(char *out, size_t len, const char *go)
{
	snprintf(out, len, "%s", go ? go : "");
}

int
project_lock(struct project *p, bool upgrade, struct project_lock_result *res,
	     struct gn_error *err)
{
	struct lock_index index;
	struct lock fresh;
	struct gn_buf bytes, old_bytes;
	char *old = NULL;
	size_t old_len = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (p->have_lock) {
		copy_go(res->previous_go, sizeof(res->previous_go), p->lock.go);
	}
	if ((rc = load_index(p, &index, err)) < 0) {
		return rc;
	}
	rc = lock_resolve(&p->arena, &p->manifest, p->digest, &p->host, &index,
			  p->have_lock ? &p->lock : NULL, upgrade, &fresh, p->opts.events, err);
	if (rc < 0) {
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
		if ((rc = build_goroot(p, &fresh, &g->host, NULL, g->tree, err)) < 0) {
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

int
project_sync(struct project *p, bool frozen, struct project_sync_result *res,
	     struct gn_error *err)
{
	const struct lock_goroot *goroot;
	struct install_report report;
	char stage[INSTALL_PATH_MAX];
	int rc;

	memset(res, 0, sizeof(*res));
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
	}
	copy_go(res->go, sizeof(res->go), p->lock.go);
	snprintf(res->root, sizeof(res->root), "%s", p->install.root);
	if ((rc = host_goroot(p, &goroot, err)) < 0) {
		return rc;
	}
	snprintf(res->tree, sizeof(res->tree), "%s", goroot->tree);

	/* Fast path first without the lock: a warm sync costs a few lstat calls. */
	if ((rc = install_check(&p->install, goroot->tree, &report, err)) < 0) {
		return rc;
	}
	if (report.status == INSTALL_MATCH) {
		res->noop = true;
		return 0;
	}
	if ((rc = install_lock(&p->install, err)) < 0) {
		return rc;
	}
	/* Another sync may have finished while we waited. */
	if ((rc = install_check(&p->install, goroot->tree, &report, err)) < 0) {
		goto out;
	}
	if (report.status == INSTALL_MATCH) {
		res->noop = true;
		goto out;
	}
	install_cleanup_stale(&p->install);
	if ((rc = open_cache(p, err)) < 0) {
		goto out;
	}
	if ((rc = install_stage(&p->install, stage, err)) < 0) {
		goto out;
	}
	{
		char tree[LOCK_TREE_ID_LEN];

		rc = build_goroot(p, &p->lock, &p->host, stage, tree, err);
		if (rc == 0 && strcmp(tree, goroot->tree) != 0) {
			rc = gn_error_set(err, GN_E_INTEGRITY,
					  "the merged GOROOT does not hash to the locked value");
			gn_error_values(err, goroot->tree, tree);
		}
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
		if ((rc = install_check(&p->install, goroot->tree, &res->install, err)) < 0) {
			return rc;
		}
		if (res->install.status != INSTALL_MATCH) {
			res->drifted = true;
		}
		if (deep && res->install.status != INSTALL_MISSING) {
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
	if (upstream) {
		struct lock_index index;
		struct lock newest;

		if ((rc = load_index(p, &index, err)) < 0) {
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
	}
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
		return 0;
	}
	res->installed = true;
	if ((rc = tree_hash_dir(p->install.root, id, err)) < 0) {
		return rc;
	}
	tree_format_id(id, res->actual_tree);
	res->match = strcmp(res->actual_tree, goroot->tree) == 0;
	if (!res->match) {
		rc = install_check(&p->install, NULL, &res->changed, err);
	}
	return rc;
}
