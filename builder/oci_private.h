/*
 * builder/oci_private.h - what builder/oci.c (manifests, blobs),
 * builder/oci_auth.c (credentials, the handshake, session calls) and
 * builder/oci_json.c share.  Only they include it.
 */
#ifndef OCI_PRIVATE_H
#define OCI_PRIVATE_H

#include "builder/http.h"
#include "builder/oci.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define OCI_MAX_MANIFEST (1u << 20)
#define OCI_MAX_TOKEN (64u * 1024)
#define OCI_MAX_JSON_DEPTH 32
/* sha256 of "{}", the empty config every artifact manifest points at */
#define OCI_EMPTY_CONFIG "{}"
#define OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"

/* builder/oci_json.c: a small JSON reader over libyaml's document API. */
bool oci_json_load(yaml_document_t *doc, const char *s, size_t len);
yaml_node_t *oci_json_get(yaml_document_t *doc, yaml_node_t *object, const char *key);
const char *oci_json_text(yaml_node_t *node);

/* builder/oci_auth.c */
int oci_registry_error(struct gn_error *err, const struct oci_ref *ref, const char *url,
		       long status, const char *what);
int oci_session_exchange(const struct oci_session *s, const char *method, const char *url,
			 const char *header, const struct http_call *body, size_t max_reply,
			 struct http_reply *reply, struct gn_error *err);

#endif
