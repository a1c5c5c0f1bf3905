/*
 * builder/goroot.c - one host's GOROOT from the verified archives in the
 * cache: the host's archive (or, base: source, make.bash over the source
 * archive) merged with each target's precompiled std (builder/merge.h) and
 * hashed as it is written; downloads still needed can overlap the merge
 * (builder/pipeline.h).  A cached file that changed is evicted, fetched
 * again and the build retried once.
 */
#include "builder/project_private.h"

#include "builder/merge.h"
#include "builder/pipeline.h"
#include "builder/source.h"
#include "builder/store.h"
#include "builder/toolchain.h"
#include "builder/tree.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "lockfiles/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Targets largest first: downloads run in merge order (docs/design.md
 * section 18), so the smallest archive comes last and its merge is all that
 * is left after the last byte.  Targets write disjoint folders, so the
 * order does not change the tree.
 */
static void
order_targets(struct lock_artifact **targets, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct lock_artifact *a = targets[i];
		size_t j = i;

		for (; j > 0 && targets[j - 1]->size < a->size; j--) {
			targets[j] = targets[j - 1];
		}
		targets[j] = a;
	}
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
	order_targets(arts + 1, *n - 1);
	return 0;
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
	char work[GN_PATH_MAX], root[GN_PATH_MAX + 16], bootstrap[4096];
	char tree[GN_TREE_ID_TEXT], scratch[GN_PATH_MAX + 16];
	struct source_build sb = {
		.archive = mo->host.archive,
		.file = mo->host.file,
		.sha256 = mo->host.sha256,
		.size = mo->host.size,
		.bootstrap = bootstrap,
		.work = work,
		.path = p->opts.path,
		.home = p->opts.home,
		.events = p->opts.events,
	};
	int rc;

	rc = source_find_bootstrap(p->manifest.bootstrap, p->manifest.dir,
				   p->opts.goroot_bootstrap, bootstrap, sizeof(bootstrap), err);
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
		if (store_put(&p->cache, tree, root, project_store_method(p), &store_err) < 0) {
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
	char version[128], name[128], *tar = gn_arena_alloc(&p->arena, GN_PATH_MAX);
	struct stat st;
	int fd, rc;

	if (!tar) {
		return gn_error_nomem(err);
	}
	if (!toolchain_module_version(a->file, version, sizeof(version))) {
		return gn_error_set(err, GN_E_LOCK, "%s: %s is not a golang.org/toolchain zip",
				    p->lock_path, a->file);
	}
	if (!cache_is_file(&p->cache, zip, true)) {
		return gn_error_set(err, GN_E_INTEGRITY, "cached %s is not a regular file",
				    a->file);
	}
	if (!shaset_has(&p->fetched, a->sha256)) {
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

/* Merge order is arts' order; a source waits for its own download. */
struct overlap {
	struct pipeline *pl;
	const struct prefetch_plan *plan;
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
merge_overlapped(struct project *p, const struct prefetch_plan *plan,
		 struct lock_artifact **arts, size_t n, bool record, struct merge_opts *mo,
		 uint8_t id[GN_SHA256_LEN], bool *download_failed, struct gn_error *err)
{
	const struct gn_events *outer = p->opts.events;
	struct overlap o = {.plan = plan, .arts = arts};
	struct fetch_opts fo = plan->fo;
	struct gn_error fetch_err;
	int rc, fetch_rc;

	fo.in_order = true;
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
			shaset_add(&p->arena, &p->fetched, plan->reqs[i].sha256);
		}
		*download_failed = *download_failed || plan->reqs[i].result < 0;
	}
	if (rc == 0 && fetch_rc < 0) {
		*err = fetch_err;
		rc = fetch_rc;
	}
	return rc < 0 ? rc : prefetch_finish(p, plan, arts, n, record, false, err);
}

/* Plan this attempt's downloads and run them now, unless they are worth
 * overlapping with the merge (*overlap). */
static int
fetch_for_build(struct project *p, struct lock_artifact **arts, size_t n, bool record,
		int attempt, struct prefetch_plan *plan, bool *overlap, struct gn_error *err)
{
	int rc;

	if ((rc = prefetch_plan(p, arts, n, record, plan, err)) < 0) {
		return rc;
	}
	/* Worth a thread when a download can hide another archive's merge. */
	*overlap = attempt == 0 && plan->n_reqs > 0 && n > 1 && !project_from_proxy(p) &&
		   !gn_artifact_is_source(arts[0]->os, arts[0]->arch);
	return *overlap ? prefetch_finish(p, plan, arts, n, record, true, err)
			: prefetch_run(p, plan, arts, n, record, err);
}

/* The merge's inputs, host first: the cached archives (source: proxy:
 * the module zips laid out as tars, removed again on failure).  overlapped:
 * the plan whose downloads the merge waits for, or NULL. */
static int
merge_sources(struct project *p, struct lock_artifact **arts, size_t n,
	      const struct prefetch_plan *overlapped, struct merge_source *sources,
	      struct gn_error *err)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *path = gn_arena_alloc(&p->arena, GN_PATH_MAX);
		if (!path) {
			return gn_error_nomem(err);
		}
		cache_archive_path(&p->cache, arts[i]->sha256, path);
		if (project_from_proxy(p)) {
			rc = layout_module(p, arts[i], path, &sources[i], err);
			if (rc < 0) {
				while (i-- > 0) {
					cache_unlink(&p->cache, sources[i].archive);
				}
				return rc;
			}
			gn_platform_from_index(arts[i]->os, arts[i]->arch, &sources[i].platform);
			continue;
		}
		sources[i] = (struct merge_source){
			.archive = path,
			.file = arts[i]->file,
			/* Just downloaded and hashed on arrival: no second hash. */
			.sha256 = shaset_has(&p->fetched, arts[i]->sha256) ||
					  (overlapped && prefetch_planned(overlapped, arts[i]))
				  ? NULL
				  : arts[i]->sha256,
			.size = arts[i]->size,
		};
		gn_platform_from_index(arts[i]->os, arts[i]->arch, &sources[i].platform);
	}
	return 0;
}

/*
 * Build host's GOROOT from the cache into dest (NULL: hash only).  A cache
 * file that no longer matches its sha256 is evicted, fetched again and the
 * build retried once; nothing unverified is ever used.
 */
int
goroot_build(struct project *p, struct lock *lock, const struct gn_platform *host,
	     const char *dest, bool record, char tree[GN_TREE_ID_TEXT], struct gn_error *err)
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
		return gn_error_nomem(err);
	}
	if (gn_goversion_parse(lock->go, &mo.version) != 0) {
		return gn_error_set(err, GN_E_LOCK, "%s: bad go version %s", p->lock_path,
				    lock->go);
	}
	if ((rc = host_artifacts(p, lock, host, arts, &n, err)) < 0) {
		return rc;
	}
	for (int attempt = 0;; attempt++) {
		struct prefetch_plan plan;
		bool overlap, download_failed = false;

		if ((rc = fetch_for_build(p, arts, n, record, attempt, &plan, &overlap, err)) < 0 ||
		    (rc = merge_sources(p, arts, n, overlap ? &plan : NULL, sources, err)) < 0) {
			return rc;
		}
		mo.host = sources[0];
		mo.targets = sources + 1;
		mo.n_targets = n - 1;
		mo.dest = dest;
		mo.events = p->opts.events;
		if (gn_artifact_is_source(arts[0]->os, arts[0]->arch)) {
			rc = build_from_source(p, &mo, dest, id, err);
			break;
		}
		rc = overlap ? merge_overlapped(p, &plan, arts, n, record, &mo, id,
						&download_failed, err)
			     : merge_goroot(&mo, id, err);
		if (project_from_proxy(p)) {
			for (size_t i = 0; i < n; i++) {
				cache_unlink(&p->cache, sources[i].archive);
			}
		}
		if (rc != -GN_E_INTEGRITY || attempt > 0 || download_failed) {
			break;
		}
		/* Offline the bad file still goes (nothing unverified stays), but
		 * it can't be fetched again: report the mismatch. */
		if (prefetch_evict_changed(p, arts, n) == 0 || p->opts.offline) {
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
