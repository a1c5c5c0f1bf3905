#include "export/provenance.h"

#include "gn/buf.h"
#include "gn/fs.h"
#include "gn/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
key_string(struct gn_buf *out, const char *indent, const char *key, const char *value, bool comma)
{
	gn_buf_printf(out, "%s", indent);
	gn_buf_json_string(out, key);
	gn_buf_puts(out, ": ");
	gn_buf_json_string(out, value);
	gn_buf_puts(out, comma ? ",\n" : "\n");
}

static int
file_digest(const char *path, char hex[GN_SHA256_HEX], struct gn_error *err)
{
	uint8_t digest[GN_SHA256_LEN];
	char *data = NULL;
	size_t len;
	int rc;

	if ((rc = gn_read_file(path, LOCK_MAX_BYTES, &data, &len, err)) < 0) {
		return rc;
	}
	gn_sha256(data, len, digest);
	free(data);
	gn_hex_encode(digest, sizeof(digest), hex);
	return 0;
}

int
provenance_write(struct project *p, const struct project_sync_result *sync, const char *path,
		 const struct minisign_seckey *key, struct gn_error *err)
{
	const char *tree_hex = sync->tree + GN_TREE_ID_PREFIX_LEN;
	char lock_digest[GN_SHA256_HEX], host[GN_PLATFORM_TEXT], text[128];
	struct gn_buf out;
	int rc;

	if (strncmp(sync->tree, GN_TREE_ID_PREFIX, GN_TREE_ID_PREFIX_LEN) != 0) {
		return gn_error_set(err, GN_E_USAGE, "no GOROOT to describe");
	}
	if ((rc = file_digest(project_lock_path(p), lock_digest, err)) < 0) {
		return rc;
	}
	gn_platform_format(project_host(p), host, sizeof(host));
	gn_buf_init(&out);
	gn_buf_puts(&out, "{\n");
	key_string(&out, "  ", "_type", "https://in-toto.io/Statement/v1", true);
	gn_buf_puts(&out, "  \"subject\": [\n    {\n");
	snprintf(text, sizeof(text), "GOROOT %s %s", sync->go, host);
	key_string(&out, "      ", "name", text, true);
	gn_buf_puts(&out, "      \"digest\": {\n");
	key_string(&out, "        ", "gitTree", tree_hex, false);
	gn_buf_puts(&out, "      }\n    }\n  ],\n");
	key_string(&out, "  ", "predicateType", PROVENANCE_PREDICATE_TYPE, true);
	gn_buf_puts(&out, "  \"predicate\": {\n");
	key_string(&out, "    ", "go", sync->go, true);
	key_string(&out, "    ", "host", host, true);
	key_string(&out, "    ", "goroot", sync->tree, true);
	snprintf(text, sizeof(text), "sha256:%s", project_digest(p));
	key_string(&out, "    ", "manifestDigest", text, true);
	snprintf(text, sizeof(text), "sha256:%s", lock_digest);
	key_string(&out, "    ", "lockDigest", text, true);
	key_string(&out, "    ", "builder", "gonative " GONATIVE_VERSION, true);
	gn_buf_puts(&out, "    \"resolvedDependencies\": [\n");
	for (size_t i = 0; i < project_locked(p)->n_artifacts; i++) {
		const struct lock_artifact *a = &project_locked(p)->artifacts[i];

		gn_buf_puts(&out, "      {\n");
		key_string(&out, "        ", "name", a->file, true);
		gn_buf_puts(&out, "        \"digest\": {\n");
		key_string(&out, "          ", "sha256", a->sha256, false);
		gn_buf_puts(&out, a->signed_by ? "        },\n" : "        }\n");
		if (a->signed_by) {
			key_string(&out, "        ", "signedBy", a->signed_by, false);
		}
		gn_buf_puts(&out, i + 1 < project_locked(p)->n_artifacts ? "      },\n"
									 : "      }\n");
	}
	gn_buf_puts(&out, "    ]\n  }\n}\n");
	if (out.failed) {
		gn_buf_free(&out);
		return gn_error_nomem(err);
	}
	rc = gn_write_file_atomic(path, out.data, out.len, 0644, err);
	gn_buf_free(&out);
	if (rc == 0 && key) {
		char *sig_path = NULL, *sig = NULL;

		if (asprintf(&sig_path, "%s.minisig", path) < 0) {
			return gn_error_nomem(err);
		}
		if ((rc = minisign_sign_file(path, key, NULL, &sig, err)) == 0) {
			rc = gn_write_file_atomic(sig_path, sig, strlen(sig), 0644, err);
			free(sig);
		}
		free(sig_path);
	}
	return rc;
}
