/*
 * builder/oci.h - the parts of the OCI distribution spec gonative uses:
 * the auth handshake (anonymous or Basic bearer tokens, or Basic), image
 * manifests that list files as layers titled by name (the ORAS convention),
 * blob pulls by digest and monolithic blob pushes.
 *
 * Credentials never appear in an error message.  Everything returned is
 * owned by the caller's arena.
 */
#ifndef OCI_H
#define OCI_H

#include "gn/arena.h"
#include "gn/error.h"
#include "manifest/ociref.h"

struct fetch_net;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_ARTIFACT_TYPE "application/vnd.gonative.toolchain.v1"
#define OCI_TITLE_ANNOTATION "org.opencontainers.image.title"

/* Who we are to registries: the machine's settings (read in cmd/). */
struct oci_creds {
	const char *user_pass;     /* "user:password" for every registry, or NULL */
	const char *docker_config; /* path of docker's config.json, or NULL */
	const char *netrc;         /* path of a netrc file, or NULL */
	const struct fetch_net *net; /* CA certificates, proxies (fetch.h), or NULL */
};

/* An authorized session with one repository. */
struct oci_session {
	struct oci_ref ref;
	const char *auth_header; /* "Authorization: ..." or NULL (anonymous) */
	const char *netrc;
	const struct fetch_net *net;
};

/*
 * Ping the registry and, when it asks (401), get a bearer token for
 * repository:REPO:actions ("pull" or "pull,push"), or use Basic.
 * Wrong or missing credentials are GN_E_FETCH (exit 3) naming the registry.
 */
int oci_open(struct gn_arena *arena, const struct oci_ref *ref, const char *actions,
	     const struct oci_creds *creds, struct oci_session *out, struct gn_error *err);

/* "<api>blobs/sha256:<hex>", owned by arena. */
const char *oci_blob_url(struct gn_arena *arena, const struct oci_ref *ref, const char *sha256);

struct oci_layer {
	const char *title;  /* org.opencontainers.image.title, or NULL */
	char sha256[65];
	int64_t size;
};

/* The manifest tagged tag: its layers.  A missing tag is GN_E_FETCH with
 * *missing set (when missing is not NULL). */
int oci_manifest_layers(struct gn_arena *arena, const struct oci_session *s, const char *tag,
			struct oci_layer **layers, size_t *n_layers, bool *missing,
			struct gn_error *err);

/* Read a small blob into memory (malloc'd, NUL-terminated: the caller
 * frees it) and check it against its digest (GN_E_INTEGRITY otherwise). */
int oci_blob_read(const struct oci_session *s, const char *sha256, size_t max, char **data,
		  size_t *len, struct gn_error *err);

/* Is the blob there?  (HEAD) */
int oci_blob_exists(const struct oci_session *s, const char *sha256, bool *exists,
		    struct gn_error *err);

/* Upload path as a blob with the given digest (POST then PUT). */
int oci_blob_push(struct gn_arena *arena, const struct oci_session *s, const char *path,
		  const char *sha256, struct gn_error *err);

/* Put an image manifest (artifactType OCI_ARTIFACT_TYPE, an empty config)
 * listing layers under tag.  *changed tells whether the tag moved. */
int oci_manifest_push(struct gn_arena *arena, const struct oci_session *s, const char *tag,
		      const struct oci_layer *layers, size_t n_layers, bool *changed,
		      struct gn_error *err);

#endif
