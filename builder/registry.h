/*
 * builder/registry.h - the project's mirrors as URLs: plain base URLs,
 * templates (manifest/mirrorurl.h) and OCI registries (builder/oci.h),
 * which are authorized once per run, on first use.
 *
 * Private to builder/: the project's stages call it (builder/project_private.h).
 * Everything it returns is owned by the project's arena.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include "builder/fetch.h"
#include "builder/project.h"

/*
 * The URLs of file (with its sha256) on every mirror that can serve it, in
 * the manifest's order, into *urls (n_urls).  A registry that refuses us is
 * left out; when every mirror is, that failure is returned (exit 3).
 */
int registry_file_urls(struct project *p, const char *file, const char *sha256,
		       const char ***urls, size_t *n_urls, struct gn_error *err);

/* The same for a Zig tarball and cc.mirrors; no cc.mirrors is 0 URLs. */
int registry_cc_file_urls(struct project *p, const char *file, const char *sha256,
			  const char ***urls, size_t *n_urls, struct gn_error *err);

/* The URL of file's .minisig on mirror m; for a registry, the blob titled
 * "<file>.minisig" in the manifest tagged with file's release (go1.21.5,
 * or zig-0.11.0 for a Zig tarball: manifest/mirrorurl.h). */
int registry_signature_url(struct project *p, size_t m, const char *file, const char *sha256,
			   const char **url, struct gn_error *err);

/* The .minisig URL for an archive that came from url (any mirror's). */
int registry_signature_for(struct project *p, const char *url, const char *file,
			   const char *sha256, const char **sig_url, struct gn_error *err);

/* The same for a Zig tarball that came from url (a cc.mirrors entry's). */
int registry_cc_signature_for(struct project *p, const char *url, const char *file,
			      const char *sha256, const char **sig_url, struct gn_error *err);

/* The index's URL, its signature's URL (NULL when there is none) and the
 * file name its signature must name; for oci:// the blobs titled
 * index.json(.minisig) in the tag (default "index"), and *sha256 the index
 * blob's digest (else NULL). */
int registry_index_urls(struct project *p, const char **url, const char **sha256,
			const char **sig_url, const char **sig_file, struct gn_error *err);

/* Request headers for registry URLs (bearer tokens), for fetch_opts. */
void registry_fetch_headers(const struct project *p, struct fetch_opts *fo);

#endif
