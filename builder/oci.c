/*
 * builder/oci.c - registry manifests and blobs (OCI distribution spec v1.1:
 * "Pulling blobs", "Pushing blobs" (POST then PUT, monolithic), "Pushing
 * manifests").  The login and the session's calls are builder/oci_auth.c.
 */
#include "builder/oci_private.h"

#include "gn/buf.h"
#include "gn/fs.h"
#include "gn/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
sha256_hex(const void *data, size_t len, char out[GN_SHA256_HEX])
{
	uint8_t digest[GN_SHA256_LEN];

	gn_sha256(data, len, digest);
	gn_hex_encode(digest, sizeof(digest), out);
}

const char *
oci_blob_url(struct gn_arena *arena, const struct oci_ref *ref, const char *sha256)
{
	return gn_arena_printf(arena, "%sblobs/sha256:%s", ref->api, sha256);
}

static bool
parse_digest(const char *text, char out[65])
{
	if (!text || strncmp(text, "sha256:", 7) != 0 || !gn_is_sha256_hex(text + 7)) {
		return false;
	}
	memcpy(out, text + 7, 65);
	return true;
}

int
oci_manifest_layers(struct gn_arena *arena, const struct oci_session *s, const char *tag,
		    struct oci_layer **layers, size_t *n_layers, bool *missing,
		    struct gn_error *err)
{
	const char *url = gn_arena_printf(arena, "%smanifests/%s", s->ref.api, tag);
	struct http_reply reply;
	yaml_document_t doc;
	yaml_node_t *list;
	int rc;

	*layers = NULL;
	*n_layers = 0;
	if (missing) {
		*missing = false;
	}
	if (!url) {
		return gn_error_nomem(err);
	}
	rc = oci_session_exchange(s, "GET", url, "Accept: " OCI_MANIFEST_TYPE, NULL, OCI_MAX_MANIFEST,
			      &reply, err);
	if (rc < 0) {
		return rc;
	}
	if (reply.status != 200) {
		if (missing && reply.status == 404) {
			*missing = true;
		}
		rc = oci_registry_error(err, &s->ref, url, reply.status,
				    reply.status == 404 ? "no such tag" : "cannot read the manifest");
		http_reply_free(&reply);
		return rc;
	}
	if (!oci_json_load(&doc, reply.body, reply.len)) {
		rc = gn_error_set(err, GN_E_INDEX, "registry %s: the manifest %s is not JSON",
				  s->ref.host, tag);
		gn_error_url(err, url);
		http_reply_free(&reply);
		return rc;
	}
	list = oci_json_get(&doc, yaml_document_get_root_node(&doc), "layers");
	if (list && list->type == YAML_SEQUENCE_NODE) {
		size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);

		*layers = gn_arena_array(arena, n ? n : 1, sizeof(**layers));
		if (!*layers) {
			rc = gn_error_nomem(err);
		}
		for (yaml_node_item_t *it = list->data.sequence.items.start;
		     rc == 0 && it < list->data.sequence.items.top; it++) {
			yaml_node_t *layer = yaml_document_get_node(&doc, *it);
			struct oci_layer *l = &(*layers)[*n_layers];
			const char *title = oci_json_text(oci_json_get(
				&doc, oci_json_get(&doc, layer, "annotations"), OCI_TITLE_ANNOTATION));
			const char *size = oci_json_text(oci_json_get(&doc, layer, "size"));

			if (!parse_digest(oci_json_text(oci_json_get(&doc, layer, "digest")), l->sha256)) {
				continue; /* not a sha256 blob: nothing we could verify */
			}
			l->size = size ? strtoll(size, NULL, 10) : -1;
			l->title = title ? gn_arena_strdup(arena, title) : NULL;
			(*n_layers)++;
		}
	}
	yaml_document_delete(&doc);
	http_reply_free(&reply);
	return rc;
}

int
oci_blob_read(const struct oci_session *s, const char *sha256, size_t max, char **data,
	      size_t *len, struct gn_error *err)
{
	char url[800], got[GN_SHA256_HEX];
	struct http_reply reply;
	int rc;

	*data = NULL;
	*len = 0;
	snprintf(url, sizeof(url), "%sblobs/sha256:%s", s->ref.api, sha256);
	if ((rc = oci_session_exchange(s, "GET", url, NULL, NULL, max, &reply, err)) < 0) {
		return rc;
	}
	if (reply.status != 200) {
		rc = oci_registry_error(err, &s->ref, url, reply.status, "cannot read a blob");
		http_reply_free(&reply);
		return rc;
	}
	sha256_hex(reply.body, reply.len, got);
	if (strcmp(got, sha256) != 0) {
		rc = gn_error_set(err, GN_E_INTEGRITY, "registry %s: a blob is not what its digest says",
				  s->ref.host);
		gn_error_url(err, reply.effective_url[0] ? reply.effective_url : url);
		gn_error_values(err, sha256, got);
		http_reply_free(&reply);
		return rc;
	}
	*data = reply.body;
	*len = reply.len;
	return 0;
}

int
oci_blob_exists(const struct oci_session *s, const char *sha256, bool *exists,
		struct gn_error *err)
{
	char url[800];
	struct http_reply reply;
	int rc;

	snprintf(url, sizeof(url), "%sblobs/sha256:%s", s->ref.api, sha256);
	if ((rc = oci_session_exchange(s, "HEAD", url, NULL, NULL, 0, &reply, err)) < 0) {
		return rc;
	}
	*exists = reply.status == 200;
	if (reply.status != 200 && reply.status != 404) {
		rc = oci_registry_error(err, &s->ref, url, reply.status, "cannot check a blob");
	}
	http_reply_free(&reply);
	return rc;
}

/* The upload URL the registry gave (maybe relative) plus the digest. */
static const char *
upload_put_url(struct gn_arena *arena, const struct oci_ref *ref, const char *location,
	       const char *sha256)
{
	const char *sep = strchr(location, '?') ? "&" : "?";

	if (location[0] == '/') {
		return gn_arena_printf(arena, "%s://%s%s%sdigest=sha256%%3A%s",
				       ref->plain_http ? "http" : "https", ref->host, location, sep,
				       sha256);
	}
	return gn_arena_printf(arena, "%s%sdigest=sha256%%3A%s", location, sep, sha256);
}

static int
blob_push(struct gn_arena *arena, const struct oci_session *s, const char *path, const void *data,
	  size_t len, const char *sha256, struct gn_error *err)
{
	const char *url = gn_arena_printf(arena, "%sblobs/uploads/", s->ref.api), *put;
	struct http_call body = {.body = data, .body_len = len, .body_file = path, .timeout = 3600};
	struct http_reply reply;
	int rc;

	if (!url) {
		return gn_error_nomem(err);
	}
	if ((rc = oci_session_exchange(s, "POST", url, NULL, NULL, 0, &reply, err)) < 0) {
		return rc;
	}
	if (reply.status != 202 || !reply.location[0]) {
		rc = oci_registry_error(err, &s->ref, url, reply.status, "refused to start an upload");
		http_reply_free(&reply);
		return rc;
	}
	put = upload_put_url(arena, &s->ref, reply.location, sha256);
	http_reply_free(&reply);
	if (!put) {
		return gn_error_nomem(err);
	}
	rc = oci_session_exchange(s, "PUT", put, "Content-Type: application/octet-stream", &body, 0,
			      &reply, err);
	if (rc < 0) {
		return rc;
	}
	if (reply.status != 201) {
		rc = oci_registry_error(err, &s->ref, url, reply.status, "refused a blob");
		gn_error_values(err, sha256, reply.docker_content_digest);
	}
	http_reply_free(&reply);
	return rc;
}

int
oci_blob_push(struct gn_arena *arena, const struct oci_session *s, const char *path,
	      const char *sha256, struct gn_error *err)
{
	return blob_push(arena, s, path, NULL, 0, sha256, err);
}

int
oci_manifest_push(struct gn_arena *arena, const struct oci_session *s, const char *tag,
		  const struct oci_layer *layers, size_t n_layers, bool *changed,
		  struct gn_error *err)
{
	char empty_sha[GN_SHA256_HEX], manifest_sha[GN_SHA256_HEX];
	const char *url = gn_arena_printf(arena, "%smanifests/%s", s->ref.api, tag);
	struct http_reply reply;
	struct gn_buf json;
	bool have_config = false;
	int rc;

	*changed = false;
	if (!url) {
		return gn_error_nomem(err);
	}
	sha256_hex(OCI_EMPTY_CONFIG, 2, empty_sha);
	if ((rc = oci_blob_exists(s, empty_sha, &have_config, err)) < 0) {
		return rc;
	}
	if (!have_config &&
	    (rc = blob_push(arena, s, NULL, OCI_EMPTY_CONFIG, 2, empty_sha, err)) < 0) {
		return rc;
	}
	gn_buf_init(&json);
	gn_buf_printf(&json,
		      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST_TYPE "\","
		      "\"artifactType\":\"" OCI_ARTIFACT_TYPE "\","
		      "\"config\":{\"mediaType\":\"" OCI_EMPTY_TYPE "\",\"digest\":\"sha256:%s\","
		      "\"size\":2},\"layers\":[",
		      empty_sha);
	for (size_t i = 0; i < n_layers; i++) {
		gn_buf_printf(&json,
			      "%s{\"mediaType\":\"application/octet-stream\",\"digest\":\"sha256:%s\","
			      "\"size\":%lld,\"annotations\":{\"" OCI_TITLE_ANNOTATION "\":",
			      i ? "," : "", layers[i].sha256, (long long)layers[i].size);
		gn_buf_json_string(&json, layers[i].title ? layers[i].title : "");
		gn_buf_puts(&json, "}}");
	}
	gn_buf_puts(&json, "]}");
	if (json.failed) {
		gn_buf_free(&json);
		return gn_error_nomem(err);
	}
	sha256_hex(json.data, json.len, manifest_sha);
	/* The same manifest under the tag already: nothing to do. */
	rc = oci_session_exchange(s, "HEAD", url, "Accept: " OCI_MANIFEST_TYPE, NULL, 0, &reply, err);
	if (rc < 0) {
		gn_buf_free(&json);
		return rc;
	}
	if (reply.status == 200 && strncmp(reply.docker_content_digest, "sha256:", 7) == 0 &&
	    strcmp(reply.docker_content_digest + 7, manifest_sha) == 0) {
		http_reply_free(&reply);
		gn_buf_free(&json);
		return 0;
	}
	http_reply_free(&reply);
	{
		struct http_call body = {.body = json.data, .body_len = json.len};

		rc = oci_session_exchange(s, "PUT", url, "Content-Type: " OCI_MANIFEST_TYPE, &body, 0,
				      &reply, err);
	}
	if (rc < 0) {
		gn_buf_free(&json);
		return rc;
	}
	if (reply.status != 201) {
		rc = oci_registry_error(err, &s->ref, url, reply.status, "refused the manifest");
		if (reply.body && reply.len) {
			gn_error_values(err, "201 Created", reply.body);
		}
	}
	*changed = rc == 0;
	http_reply_free(&reply);
	gn_buf_free(&json);
	return rc;
}
