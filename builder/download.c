/*
 * builder/download.c - how a project downloads: the fetch options of a run
 * (jobs, network, registry tokens), requests that write through the
 * cache's folder fds, one small file (a signature) and the proxy URLs of a
 * toolchain module.  The transfers themselves are builder/fetch.c's.
 */
#include "builder/project_private.h"

#include "builder/registry.h"
#include "builder/toolchain.h"

struct fetch_opts
download_opts(const struct project *p)
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

void
download_in_cache(const struct project *p, struct fetch_request *req)
{
	if (req->dest) {
		cache_locate(&p->cache, req->dest, &req->dest_dir, &req->dest_name);
	}
	if (req->part) {
		cache_locate(&p->cache, req->part, &req->part_dir, &req->part_name);
	}
}

int
download_small(struct project *p, const char *name, const char *url, const char *dest,
	       int64_t max_size, struct gn_error *err)
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
	struct fetch_opts fo = download_opts(p);
	struct gn_events quiet = { 0 };
	int rc;

	download_in_cache(p, &req);
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

/* With source: proxy an artifact comes from each proxy's
 * golang.org/toolchain/@v/ folder.  NULL on OOM. */
const char **
download_proxy_urls(struct project *p, const struct lock_artifact *a, size_t *n)
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
