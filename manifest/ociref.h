/*
 * manifest/ociref.h - oci://HOST[:PORT]/REPO[:TAG], an OCI registry
 * repository used as a mirror (blobs by sha256) or as the index (the blob
 * titled index.json in the manifest tagged TAG, default "index").
 *
 * Plain http is used only for localhost, 127.0.0.1 and [::1], or for a
 * host listed in the manifest's insecure-registries (as docker does).
 */
#ifndef MANIFEST_OCIREF_H
#define MANIFEST_OCIREF_H

#include <stdbool.h>
#include <stddef.h>

#define OCI_DEFAULT_INDEX_TAG "index"

struct oci_ref {
	char host[256]; /* "registry.example:5000", "[::1]:5000" */
	char repo[256]; /* "team/go" */
	char tag[129];  /* "" when not given */
	bool plain_http;
	char api[640];  /* "https://HOST/v2/REPO/" */
};

bool oci_is_ref(const char *url);

/*
 * Parse and check a reference.  insecure lists "host[:port]" entries that
 * may use plain http.  0, or -1 with the reason in why (why_len bytes).
 */
int oci_ref_parse(const char *url, const char *const *insecure, size_t n_insecure,
		  struct oci_ref *out, char *why, size_t why_len);

#endif
