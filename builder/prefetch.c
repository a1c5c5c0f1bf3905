/*
 * builder/prefetch.c - artifacts into the cache: what is missing is
 * fetched in parallel (builder/fetch.c), each download's signature checked
 * before it enters the cache, cached archives not yet checked in this run
 * checked now; cached files that changed are evicted.  With source: proxy,
 * module zips named for the first time are fetched to learn their sha256.
 * project_fetch_all() takes the locked Zig tarballs too (builder/zig.h).
 */
#include "builder/project_private.h"

#include "builder/registry.h"
#include "builder/toolchain.h"
#include "gn/sha256.h"

#include <errno.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* One download per sha256: two names with the same bytes share one cache
 * entry and one part file. */
static bool
already_planned(const struct fetch_request *reqs, size_t n_reqs, const struct lock_artifact *a)
{
	for (size_t j = 0; j < n_reqs; j++) {
		if (strcmp(reqs[j].name, a->file) == 0 || strcmp(reqs[j].sha256, a->sha256) == 0) {
			return true;
		}
	}
	return false;
}

/* The request (and its signature job) for an artifact not in the cache. */
static int
plan_download(struct project *p, struct lock_artifact *a, bool record, struct fetch_request *req,
	      struct archive_sig_job *job, struct gn_error *err)
{
	const char **urls;
	size_t n_urls = 0;
	char *dest, *part, name[96];
	int rc;

	/* A file of the wrong size under this name is no cache entry. */
	cache_evict_archive(&p->cache, a->sha256);
	if (p->opts.offline) {
		return gn_error_set(err, GN_E_OFFLINE,
				    "%s is not in the cache and --offline was given", a->file);
	}
	if (project_from_proxy(p)) {
		urls = download_proxy_urls(p, a, &n_urls);
		rc = urls ? 0 : gn_error_nomem(err);
	} else {
		rc = registry_file_urls(p, a->file, a->sha256, &urls, &n_urls, err);
	}
	if (rc < 0) {
		return rc;
	}
	dest = gn_arena_alloc(&p->arena, GN_PATH_MAX);
	part = dest ? gn_arena_alloc(&p->arena, GN_PATH_MAX) : NULL;
	if (!part) {
		return gn_error_nomem(err);
	}
	cache_archive_path(&p->cache, a->sha256, dest);
	snprintf(name, sizeof(name), "%s.part", a->sha256);
	cache_tmp_path(&p->cache, name, part);
	*job = (struct archive_sig_job){ .p = p, .artifact = a, .record = record };
	*req = (struct fetch_request){
		.name = a->file,
		.urls = urls,
		.n_urls = n_urls,
		.size = a->size > 0 ? a->size : -1,
		.max_size = UNKNOWN_SIZE_CAP,
		.sha256 = a->sha256,
		.dest = dest,
		.part = part,
		.verify = archive_sig_needed(p, a) ? archive_sig_hook : NULL,
		.verify_user = job,
	};
	download_in_cache(p, req);
	return 0;
}

/*
 * Plan the downloads of every listed artifact that is not in the cache.
 * Decided under the cache lock: another process may be fetching the same
 * files into this cache right now.
 */
int
prefetch_plan(struct project *p, struct lock_artifact **arts, size_t n, bool record,
	      struct prefetch_plan *plan, struct gn_error *err)
{
	struct archive_sig_job *jobs;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->fo = download_opts(p);
	if ((rc = project_open_cache(p, err)) < 0) {
		return rc;
	}
	plan->reqs = gn_arena_array(&p->arena, n ? n : 1, sizeof(*plan->reqs));
	jobs = gn_arena_array(&p->arena, n ? n : 1, sizeof(*jobs));
	if (!plan->reqs || !jobs) {
		return gn_error_nomem(err);
	}
	cache_assert_locked(&p->cache);
	for (size_t i = 0; i < n; i++) {
		struct lock_artifact *a = arts[i];

		if (already_planned(plan->reqs, plan->n_reqs, a) ||
		    cache_has_archive(&p->cache, a->sha256, a->size > 0 ? a->size : -1)) {
			continue;
		}
		rc = plan_download(p, a, record, &plan->reqs[plan->n_reqs], &jobs[plan->n_reqs],
				   err);
		if (rc < 0) {
			return rc;
		}
		plan->n_reqs++;
	}
	/* Registries opened above may have given tokens. */
	registry_fetch_headers(p, &plan->fo);
	return 0;
}

bool
prefetch_planned(const struct prefetch_plan *plan, const struct lock_artifact *a)
{
	for (size_t i = 0; i < plan->n_reqs; i++) {
		if (strcmp(plan->reqs[i].sha256, a->sha256) == 0) {
			return true;
		}
	}
	return false;
}

int
prefetch_finish(struct project *p, const struct prefetch_plan *plan, struct lock_artifact **arts,
		size_t n, bool record, bool only_cached, struct gn_error *err)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct lock_artifact *a = arts[i];

		if (only_cached && prefetch_planned(plan, a)) {
			continue;
		}
		if ((rc = archive_sig_ensure(p, a, record, err)) < 0) {
			return rc;
		}
		if (record && a->size <= 0) {
			char path[GN_PATH_MAX];
			struct stat st;

			cache_archive_path(&p->cache, a->sha256, path);
			if (stat(path, &st) == 0) {
				a->size = st.st_size;
			}
		}
	}
	return 0;
}

int
prefetch_run(struct project *p, const struct prefetch_plan *plan, struct lock_artifact **arts,
	     size_t n, bool record, struct gn_error *err)
{
	int rc;

	/* Held across fetches and signature checks: both write into the cache. */
	if (plan->n_reqs > 0 && (rc = fetch_run(plan->reqs, plan->n_reqs, &plan->fo, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < plan->n_reqs; i++) {
		shaset_add(&p->arena, &p->fetched, plan->reqs[i].sha256);
	}
	return prefetch_finish(p, plan, arts, n, record, false, err);
}

int
prefetch_artifacts(struct project *p, struct lock_artifact **arts, size_t n, bool record,
		   struct gn_error *err)
{
	struct prefetch_plan plan;
	int rc;

	if ((rc = prefetch_plan(p, arts, n, record, &plan, err)) < 0) {
		return rc;
	}
	return prefetch_run(p, &plan, arts, n, record, err);
}

/* Re-hash cached archives and drop the ones that changed since caching
 * (goroot.c retries its build once after this). */
size_t
prefetch_evict_changed(struct project *p, struct lock_artifact **arts, size_t n)
{
	size_t evicted = 0;

	for (size_t i = 0; i < n; i++) {
		char path[GN_PATH_MAX];
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

/* Download the module zips a lock names for the first time: their sha256
 * and size are learnt here; the log's h1 is checked next. */
int
prefetch_new_modules(struct project *p, struct lock *lock, struct gn_error *err)
{
	struct toolchain_opts to = project_toolchain_opts(p);

	fresh_index_url(p, lock);
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		struct lock_artifact *a = &lock->artifacts[i];
		char tmp[GN_PATH_MAX], dest[GN_PATH_MAX], name[96];
		uint8_t digest[GN_SHA256_LEN];
		struct fetch_request req;
		struct fetch_opts fo = download_opts(p);
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
		if (!(urls = download_proxy_urls(p, a, &n_urls))) {
			return gn_error_nomem(err);
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
		shaset_add(&p->arena, &p->fetched, a->sha256);
	}
	return 0;
}

int
project_fetch_all(struct project *p, struct gn_error *err)
{
	struct lock_artifact **all;
	int rc;

	if ((rc = project_require_fresh_lock(p, err)) < 0) {
		return rc;
	}
	all = gn_arena_array(&p->arena, p->lock.n_artifacts + 1, sizeof(*all));
	if (!all) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < p->lock.n_artifacts; i++) {
		all[i] = &p->lock.artifacts[i];
	}
	if ((rc = project_lock_cache(p, err)) < 0) {
		return rc;
	}
	rc = prefetch_artifacts(p, all, p->lock.n_artifacts, false, err);
	cache_unlock(&p->cache);
	if (rc == 0 && p->lock.cc.zig) {
		struct zig_ctx z = project_zig_ctx(p);

		rc = zig_fetch_all(&z, &p->lock, err);
	}
	return rc;
}
