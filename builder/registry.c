/*
 * builder/registry.c - mirrors and registries as URLs for one run.
 */
#include "builder/registry.h"
#include "builder/project_private.h"

#include "builder/oci.h"
#include "manifest/mirrorurl.h"

#include <stdio.h>
#include <string.h>

struct registry_tag {
	const char *tag;
	struct oci_layer *layers;
	size_t n_layers;
};

struct registry_mirror {
	bool is_oci;
	bool opened;
	int open_rc; /* 0, or the failure of oci_open, kept for the run */
	struct gn_error open_err;
	struct oci_session session;
	struct registry_tag tags[8]; /* manifests read in this run */
	size_t n_tags;
};

struct project_registry {
	struct registry_mirror *mirrors;    /* parallel to manifest.mirrors */
	struct registry_mirror *cc_mirrors; /* parallel to manifest.cc.mirrors */
	struct registry_mirror index;
	struct fetch_header headers[64];
	size_t n_headers;
};

static struct project_registry *
registry_of(struct project *p)
{
	if (!p->registry) {
		p->registry = gn_arena_alloc(&p->arena, sizeof(*p->registry));
		if (!p->registry) {
			return NULL;
		}
		memset(p->registry, 0, sizeof(*p->registry));
		p->registry->mirrors = gn_arena_array(&p->arena, p->manifest.n_mirrors + 1,
						      sizeof(*p->registry->mirrors));
		p->registry->cc_mirrors = gn_arena_array(&p->arena, p->manifest.cc.n_mirrors + 1,
							 sizeof(*p->registry->cc_mirrors));
		if (!p->registry->mirrors || !p->registry->cc_mirrors) {
			p->registry = NULL;
			return NULL;
		}
		memset(p->registry->mirrors, 0,
		       (p->manifest.n_mirrors + 1) * sizeof(*p->registry->mirrors));
		memset(p->registry->cc_mirrors, 0,
		       (p->manifest.cc.n_mirrors + 1) * sizeof(*p->registry->cc_mirrors));
	}
	return p->registry;
}

/* One list of mirrors: the Go archives' (mirrors:) or Zig's (cc.mirrors:). */
struct mirror_set {
	const char *const *urls;
	size_t n;
	struct registry_mirror *registries; /* parallel to urls */
};

static struct mirror_set
mirror_set_of(struct project *p, struct project_registry *reg, bool cc)
{
	if (cc) {
		return (struct mirror_set){p->manifest.cc.mirrors, p->manifest.cc.n_mirrors,
					   reg->cc_mirrors};
	}
	return (struct mirror_set){p->manifest.mirrors, p->manifest.n_mirrors, reg->mirrors};
}

/* Parse and authorize a registry once; later calls repeat the outcome. */
static int
open_registry(struct project *p, struct registry_mirror *rm, const char *url, struct gn_error *err)
{
	struct project_registry *reg = p->registry;
	struct oci_ref ref;
	char why[256];

	if (rm->opened) {
		if (rm->open_rc < 0) {
			*err = rm->open_err;
		}
		return rm->open_rc;
	}
	rm->opened = true;
	rm->is_oci = true;
	gn_error_clear(&rm->open_err);
	if (oci_ref_parse(url, p->manifest.insecure_registries, p->manifest.n_insecure_registries,
			  &ref, why, sizeof(why)) != 0) {
		rm->open_rc = gn_error_set(&rm->open_err, GN_E_MANIFEST, "%s: %s", url, why);
	} else {
		rm->open_rc = oci_open(&p->arena, &ref, "pull", &p->opts.registry, &rm->session,
				       &rm->open_err);
	}
	if (rm->open_rc == 0 && rm->session.auth_header &&
	    reg->n_headers < sizeof(reg->headers) / sizeof(reg->headers[0])) {
		reg->headers[reg->n_headers].prefix = rm->session.ref.api;
		reg->headers[reg->n_headers].header = rm->session.auth_header;
		reg->n_headers++;
	}
	if (rm->open_rc < 0) {
		*err = rm->open_err;
	}
	return rm->open_rc;
}

static int
set_file_urls(struct project *p, struct mirror_set set, const char *file, const char *sha256,
	      const char ***urls, size_t *n_urls, struct gn_error *err)
{
	const char **list;
	int last_rc = 0;

	*n_urls = 0;
	list = gn_arena_array(&p->arena, set.n + 1, sizeof(*list));
	if (!list) {
		return gn_error_nomem(err);
	}
	for (size_t m = 0; m < set.n; m++) {
		const char *mirror = set.urls[m];
		const char *url;

		if (oci_is_ref(mirror)) {
			struct gn_error why;

			gn_error_clear(&why);
			if ((last_rc = open_registry(p, &set.registries[m], mirror, &why)) < 0) {
				*err = why;
				continue;
			}
			url = oci_blob_url(&p->arena, &set.registries[m].session.ref, sha256);
		} else {
			url = mirror_url_for(&p->arena, mirror, file, sha256);
		}
		if (!url) {
			return gn_error_nomem(err);
		}
		list[(*n_urls)++] = url;
	}
	*urls = list;
	if (*n_urls == 0 && set.n > 0) {
		return last_rc < 0 ? last_rc : gn_error_set(err, GN_E_FETCH, "%s: no mirror", file);
	}
	return 0;
}

int
registry_file_urls(struct project *p, const char *file, const char *sha256, const char ***urls,
		   size_t *n_urls, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);

	if (!reg) {
		return gn_error_nomem(err);
	}
	if (p->manifest.n_mirrors == 0) {
		*n_urls = 0;
		return gn_error_set(err, GN_E_FETCH, "%s: no mirror", file);
	}
	return set_file_urls(p, mirror_set_of(p, reg, false), file, sha256, urls, n_urls, err);
}

int
registry_cc_file_urls(struct project *p, const char *file, const char *sha256,
		      const char ***urls, size_t *n_urls, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);

	if (!reg) {
		return gn_error_nomem(err);
	}
	return set_file_urls(p, mirror_set_of(p, reg, true), file, sha256, urls, n_urls, err);
}

/* The blob titled title in tag's manifest, as a URL. */
static int
titled_blob(struct project *p, struct registry_mirror *rm, const char *tag, const char *title,
	    const char **url, const char **sha256, struct gn_error *err)
{
	struct registry_tag *t = NULL;
	int rc;

	for (size_t i = 0; i < rm->n_tags; i++) {
		if (strcmp(rm->tags[i].tag, tag) == 0) {
			t = &rm->tags[i];
		}
	}
	if (!t) {
		struct registry_tag fresh = {.tag = gn_arena_strdup(&p->arena, tag)};

		if (!fresh.tag) {
			return gn_error_nomem(err);
		}
		rc = oci_manifest_layers(&p->arena, &rm->session, tag, &fresh.layers,
					 &fresh.n_layers, NULL, err);
		if (rc < 0) {
			return rc;
		}
		if (rm->n_tags < sizeof(rm->tags) / sizeof(rm->tags[0])) {
			rm->tags[rm->n_tags++] = fresh;
			t = &rm->tags[rm->n_tags - 1];
		} else {
			t = gn_arena_alloc(&p->arena, sizeof(*t));
			if (!t) {
				return gn_error_nomem(err);
			}
			*t = fresh;
		}
	}
	for (size_t i = 0; i < t->n_layers; i++) {
		if (t->layers[i].title && strcmp(t->layers[i].title, title) == 0) {
			*url = oci_blob_url(&p->arena, &rm->session.ref, t->layers[i].sha256);
			if (sha256) {
				*sha256 = t->layers[i].sha256;
			}
			return *url ? 0 : gn_error_nomem(err);
		}
	}
	rc = gn_error_set(err, GN_E_FETCH, "registry %s: no file %s under the tag %s",
			  rm->session.ref.host, title, tag);
	gn_error_url(err, rm->session.ref.api);
	return rc;
}


static int
set_signature_url(struct project *p, struct mirror_set set, size_t m, const char *file,
		  const char *sha256, const char **url, struct gn_error *err)
{
	const char *mirror = set.urls[m];
	const char *title;
	char tag[80];
	int rc;

	if (!oci_is_ref(mirror)) {
		const char *base = mirror_url_for(&p->arena, mirror, file, sha256);

		*url = base ? mirror_signature_url(&p->arena, base) : NULL;
		return *url ? 0 : gn_error_nomem(err);
	}
	if ((rc = open_registry(p, &set.registries[m], mirror, err)) < 0) {
		return rc;
	}
	title = gn_arena_printf(&p->arena, "%s.minisig", file);
	if (mirror_release_tag(file, tag, sizeof(tag)) != 0 || !title) {
		return gn_error_set(err, GN_E_FETCH, "%s: not a release file name", file);
	}
	return titled_blob(p, &set.registries[m], tag, title, url, NULL, err);
}

int
registry_signature_url(struct project *p, size_t m, const char *file, const char *sha256,
		       const char **url, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);

	if (!reg) {
		return gn_error_nomem(err);
	}
	return set_signature_url(p, mirror_set_of(p, reg, false), m, file, sha256, url, err);
}

int
registry_index_urls(struct project *p, const char **url, const char **sha256,
		    const char **sig_url, const char **sig_file, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);
	const char *index = p->manifest.index;
	struct registry_mirror *rm;
	const char *tag;
	int rc;

	if (!reg) {
		return gn_error_nomem(err);
	}
	*sha256 = NULL;
	if (!oci_is_ref(index)) {
		const char *end = index + strcspn(index, "?#"), *start = end;

		*url = index;
		*sig_url = mirror_signature_url(&p->arena, index);
		while (start > index && start[-1] != '/') {
			start--;
		}
		*sig_file = start == end ? NULL
					 : gn_arena_strndup(&p->arena, start, (size_t)(end - start));
		return *sig_url ? 0 : gn_error_nomem(err);
	}
	rm = &reg->index;
	if ((rc = open_registry(p, rm, index, err)) < 0) {
		return rc;
	}
	tag = rm->session.ref.tag[0] ? rm->session.ref.tag : OCI_DEFAULT_INDEX_TAG;
	if ((rc = titled_blob(p, rm, tag, "index.json", url, sha256, err)) < 0) {
		return rc;
	}
	*sig_file = "index.json";
	/* Only a signed index has a signature layer. */
	if (titled_blob(p, rm, tag, "index.json.minisig", sig_url, NULL, err) < 0) {
		*sig_url = NULL;
		gn_error_clear(err);
	}
	return 0;
}

void
registry_fetch_headers(const struct project *p, struct fetch_opts *fo)
{
	if (p->registry && p->registry->n_headers) {
		fo->headers = p->registry->headers;
		fo->n_headers = p->registry->n_headers;
	}
}

/* The signature of a file that came from url: from the registry url
 * belongs to, else beside url. */
static int
set_signature_for(struct project *p, struct mirror_set set, const char *url, const char *file,
		  const char *sha256, const char **sig_url, struct gn_error *err)
{
	for (size_t m = 0; m < set.n; m++) {
		const struct registry_mirror *rm = &set.registries[m];
		size_t n = strlen(rm->session.ref.api);

		if (rm->is_oci && rm->open_rc == 0 && n && strncmp(url, rm->session.ref.api, n) == 0) {
			return set_signature_url(p, set, m, file, sha256, sig_url, err);
		}
	}
	*sig_url = mirror_signature_url(&p->arena, url);
	return *sig_url ? 0 : gn_error_nomem(err);
}

int
registry_signature_for(struct project *p, const char *url, const char *file, const char *sha256,
		       const char **sig_url, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);

	if (!reg) {
		return gn_error_nomem(err);
	}
	return set_signature_for(p, mirror_set_of(p, reg, false), url, file, sha256, sig_url, err);
}

int
registry_cc_signature_for(struct project *p, const char *url, const char *file,
			  const char *sha256, const char **sig_url, struct gn_error *err)
{
	struct project_registry *reg = registry_of(p);

	if (!reg) {
		return gn_error_nomem(err);
	}
	return set_signature_for(p, mirror_set_of(p, reg, true), url, file, sha256, sig_url, err);
}
