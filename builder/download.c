/*
 * builder/download.c - how a project downloads: the fetch options of a run
 * (jobs, network, registry tokens), requests that write through the
 * cache's folder fds, one small file (a signature) and the proxy URLs of a
 * toolchain module.  The transfers themselves are builder/fetch.c's.
 */
#include "builder/project_private.h"

#include "builder/cachefetch.h"
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
	cachefetch_bind(&p->cache, req);
}

int
download_small(struct project *p, const char *name, const char *url, const char *dest,
	       int64_t max_size, struct gn_error *err)
{
	struct fetch_opts fo = download_opts(p);

	return cachefetch_small(&p->cache, &fo, name, url, dest, max_size, err);
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
