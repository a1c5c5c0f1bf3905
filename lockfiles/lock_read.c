/*
 * lockfiles/lock_read.c - gonative.lock's strict reader: gn/yamltree.h's
 * tree -> struct lock, section by section (artifacts, goroot, cc, the top
 * level), every key checked with file:line:col (lock_parse(), lock_load()).
 * The typed fields they read are in lock_fields.c.
 */
#include "lockfiles/lock_private.h"

#include "gn/utf8.h"
#include "gn/fs.h"
#include "gn/yamltree.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- reading: gn/yamltree.h's strict tree -> the model ------------------- */

enum {
	A_FILE,
	A_OS,
	A_ARCH,
	A_SIZE,
	A_SHA256,
	A_SIGNED_BY, /* optional from here */
	A_H1,
	A_COUNT,
};

static const char *const artifact_keys[A_COUNT] = {
	"file", "os", "arch", "size", "sha256", "signed-by", "h1",
};

static int
read_artifact(struct lock_reader *r, const struct gn_yaml_node *n, struct lock_artifact *a)
{
	const struct gn_yaml_node *v[A_COUNT];
	struct gn_platform p;
	const char *os, *arch;
	int rc;

	if ((rc = lock_need_map(r, n, "artifacts")) < 0 ||
	    (rc = lock_check_keys(r, n, "artifacts", artifact_keys, A_COUNT, v, NULL)) < 0 ||
	    (rc = lock_need_keys(r, n, "artifacts", artifact_keys, v, A_SIGNED_BY)) < 0 ||
	    (rc = lock_get_file(r, v[A_FILE], &a->file)) < 0 ||
	    (rc = lock_get_string(r, v[A_OS], "os", &os)) < 0 ||
	    (rc = lock_get_string(r, v[A_ARCH], "arch", &arch)) < 0) {
		return rc;
	}
	if (lock_is_source_artifact(a->file, os, arch)) {
		/* base: source: the source archive has no platform. */
	} else if (!gn_platform_from_index(os, arch, &p) || strlen(os) >= sizeof(a->os) ||
		   strlen(arch) >= sizeof(a->arch)) {
		return rfail(r, v[A_OS]->line, v[A_OS]->col, "os/arch: %s/%s is not a known platform",
			     os, arch);
	}
	snprintf(a->os, sizeof(a->os), "%s", os);
	snprintf(a->arch, sizeof(a->arch), "%s", arch);
	if ((rc = lock_get_int(r, v[A_SIZE], "size", &a->size)) < 0 ||
	    (rc = lock_get_sha256(r, v[A_SHA256], a->sha256)) < 0 ||
	    (rc = lock_get_signed_by(r, v[A_SIGNED_BY], &a->signed_by)) < 0) {
		return rc;
	}
	a->h1 = NULL;
	if (v[A_H1]) {
		return lock_get_checked(r, v[A_H1], "h1", lock_valid_h1,
					"expected \"h1:\" and 44 base64 characters", &a->h1);
	}
	return 0;
}

static int
read_artifacts(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	size_t i = 0;

	if (n->kind != GN_YAML_SEQ) {
		return rfail(r, n->line, n->col, "artifacts: expected a list, found %s",
			     gn_yaml_kind_name(n));
	}
	out->artifacts = gn_arena_array(r->arena, n->n ? n->n : 1, sizeof(*out->artifacts));
	if (!out->artifacts) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *item = n->first; item; item = item->next, i++) {
		struct lock_artifact *a = &out->artifacts[i];
		int rc = read_artifact(r, item, a);

		if (rc < 0) {
			return rc;
		}
		for (size_t j = 0; j < i; j++) {
			const struct lock_artifact *b = &out->artifacts[j];

			if (strcmp(a->file, b->file) == 0) {
				return rfail(r, item->line, item->col,
					     "artifacts: %s is listed twice", a->file);
			}
			if (strcmp(a->os, b->os) == 0 && strcmp(a->arch, b->arch) == 0) {
				return rfail(r, item->line, item->col,
					     "artifacts: two files for %s-%s (%s, %s)", a->os,
					     a->arch, b->file, a->file);
			}
		}
	}
	out->n_artifacts = n->n;
	return 0;
}

static int
read_goroots(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	size_t i = 0;
	int rc;

	if ((rc = lock_need_map(r, n, "goroot")) < 0) {
		return rc;
	}
	out->goroots = gn_arena_array(r->arena, n->n ? n->n / 2 : 1, sizeof(*out->goroots));
	if (!out->goroots) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = n->first; key; key = key->next->next, i++) {
		struct lock_goroot *g = &out->goroots[i];

		if ((rc = lock_get_platform_key(r, key, "goroot", out->hosts, out->n_hosts, "hosts",
						&g->host)) < 0 ||
		    (rc = lock_get_tree(r, key->next, key->text, g->tree)) < 0) {
			return rc;
		}
	}
	out->n_goroots = i;
	return 0;
}

enum {
	CH_FILE,
	CH_URL,
	CH_SIZE,
	CH_SHA256,
	CH_TREE,
	CH_SIGNED_BY, /* optional */
	CH_COUNT,
};

static const char *const cc_host_keys[CH_COUNT] = {
	"file", "url", "size", "sha256", "tree", "signed-by",
};

static bool
valid_cc_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "file://", 7) == 0;
}

static int
read_cc_host(struct lock_reader *r, const struct gn_yaml_node *n, struct lock_cc_host *h)
{
	const struct gn_yaml_node *v[CH_COUNT];
	int rc;

	if ((rc = lock_need_map(r, n, "cc.hosts")) < 0 ||
	    (rc = lock_check_keys(r, n, "cc.hosts", cc_host_keys, CH_COUNT, v, NULL)) < 0 ||
	    (rc = lock_need_keys(r, n, "cc.hosts", cc_host_keys, v, CH_SIGNED_BY)) < 0 ||
	    (rc = lock_get_file(r, v[CH_FILE], &h->file)) < 0 ||
	    (rc = lock_get_checked(r, v[CH_URL], "url", valid_cc_url,
				   "expected an https://, http:// or file:// URL", &h->url)) < 0 ||
	    (rc = lock_get_int(r, v[CH_SIZE], "size", &h->size)) < 0 ||
	    (rc = lock_get_sha256(r, v[CH_SHA256], h->sha256)) < 0 ||
	    (rc = lock_get_signed_by(r, v[CH_SIGNED_BY], &h->signed_by)) < 0) {
		return rc;
	}
	return lock_get_tree(r, v[CH_TREE], "tree", h->tree);
}

enum {
	CC_ZIG,
	CC_INDEX,
	CC_HOSTS,
	CC_TARGETS,
	CC_COUNT,
};

static const char *const cc_keys[CC_COUNT] = {"zig", "index", "hosts", "targets"};

static int
read_cc_targets(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	struct lock_cc *cc = &out->cc;
	size_t i = 0;

	cc->targets = gn_arena_array(r->arena, n->n ? n->n / 2 : 1, sizeof(*cc->targets));
	if (!cc->targets) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = n->first; key; key = key->next->next, i++) {
		const struct gn_yaml_node *value = key->next;
		struct lock_cc_target *t = &cc->targets[i];
		const char *triple;
		int rc;

		if ((rc = lock_get_platform_key(r, key, "cc.targets", out->platforms,
						out->n_platforms, "platforms", &t->platform)) < 0 ||
		    (rc = lock_get_string(r, value, key->text, &triple)) < 0) {
			return rc;
		}
		if (!lock_valid_triple(triple)) {
			return rfail(r, value->line, value->col,
				     "%s: \"%s\" is not a target triple such as "
				     "aarch64-linux-gnu.2.17",
				     key->text, triple);
		}
		snprintf(t->triple, sizeof(t->triple), "%s", triple);
	}
	cc->n_targets = i;
	return 0;
}

static int
read_cc(struct lock_reader *r, const struct gn_yaml_node *n, struct lock *out)
{
	const struct gn_yaml_node *v[CC_COUNT];
	struct lock_cc *cc = &out->cc;
	size_t i = 0;
	int rc;

	if ((rc = lock_need_map(r, n, "cc")) < 0 ||
	    (rc = lock_check_keys(r, n, "cc", cc_keys, CC_COUNT, v, NULL)) < 0 ||
	    (rc = lock_need_keys(r, n, "cc", cc_keys, v, CC_COUNT)) < 0 ||
	    (rc = lock_get_string(r, v[CC_ZIG], "cc.zig", &cc->zig)) < 0 ||
	    (rc = lock_get_string(r, v[CC_INDEX], "cc.index", &cc->index)) < 0) {
		return rc;
	}
	if (!cc->zig[0]) {
		return rfail(r, v[CC_ZIG]->line, v[CC_ZIG]->col, "cc.zig: must not be empty");
	}
	if ((rc = lock_need_map(r, v[CC_HOSTS], "cc")) < 0 ||
	    (rc = lock_need_map(r, v[CC_TARGETS], "cc")) < 0) {
		return rc;
	}
	cc->hosts = gn_arena_array(r->arena, v[CC_HOSTS]->n ? v[CC_HOSTS]->n / 2 : 1,
				   sizeof(*cc->hosts));
	if (!cc->hosts) {
		return rnomem(r);
	}
	for (const struct gn_yaml_node *key = v[CC_HOSTS]->first; key; key = key->next->next, i++) {
		struct lock_cc_host *h = &cc->hosts[i];

		if ((rc = lock_get_platform_key(r, key, "cc.hosts", out->hosts, out->n_hosts,
						"hosts", &h->host)) < 0 ||
		    (rc = read_cc_host(r, key->next, h)) < 0) {
			return rc;
		}
	}
	cc->n_hosts = i;
	return read_cc_targets(r, v[CC_TARGETS], out);
}

enum {
	K_VERSION,
	K_DIGEST,
	K_GO,
	K_INDEX,
	K_HOSTS,
	K_PLATFORMS,
	K_ARTIFACTS,
	K_GOROOT,
	K_CC, /* optional */
	K_COUNT,
};

static const char *const top_keys[K_COUNT] = {
	"lock-version", "manifest-digest", "go",     "index", "hosts",
	"platforms",	"artifacts",	   "goroot", "cc",
};

static int
read_lock(struct lock_reader *r, const struct gn_yaml_node *root, struct lock *out)
{
	const struct gn_yaml_node *v[K_COUNT];
	const struct gn_yaml_node *unknown = NULL;
	int64_t version;
	int rc;

	if (root->kind != GN_YAML_MAP) {
		return rfail(r, root->line, root->col, "expected a mapping, found %s",
			     gn_yaml_kind_name(root));
	}
	rc = lock_check_keys(r, root, "lockfile", top_keys, K_COUNT, v, &unknown);
	if (rc < 0) {
		return rc;
	}
	/* The version comes first: a newer lock may have keys we do not know. */
	if (!v[K_VERSION]) {
		return rfail(r, root->line, root->col, "missing key \"lock-version\"");
	}
	if ((rc = lock_get_int(r, v[K_VERSION], "lock-version", &version)) < 0) {
		return rc;
	}
	if (version > LOCK_VERSION) {
		return rfail(r, v[K_VERSION]->line, v[K_VERSION]->col,
			     "lock-version %lld: written by a newer gonative (this one reads "
			     "version %d); upgrade gonative",
			     (long long)version, LOCK_VERSION);
	}
	if (version != LOCK_VERSION) {
		return rfail(r, v[K_VERSION]->line, v[K_VERSION]->col,
			     "unsupported lock-version %lld", (long long)version);
	}
	out->version = (int)version;
	if (unknown) {
		return rfail(r, unknown->line, unknown->col, "unknown key \"%s\"", unknown->text);
	}
	if ((rc = lock_need_keys(r, root, "", top_keys, v, K_CC)) < 0 ||
	    (rc = lock_get_hex_field(r, v[K_DIGEST], "manifest-digest", "sha256:", false,
				     out->manifest_digest, sizeof(out->manifest_digest))) < 0 ||
	    (rc = lock_get_string(r, v[K_GO], "go", &out->go)) < 0 ||
	    (rc = lock_get_string(r, v[K_INDEX], "index", &out->index)) < 0) {
		return rc;
	}
	if (!out->go[0]) {
		return rfail(r, v[K_GO]->line, v[K_GO]->col, "go: must not be empty");
	}
	if ((rc = lock_get_platform_list(r, v[K_HOSTS], "hosts", &out->hosts, &out->n_hosts)) < 0 ||
	    (rc = lock_get_platform_list(r, v[K_PLATFORMS], "platforms", &out->platforms,
					 &out->n_platforms)) < 0 ||
	    (rc = read_artifacts(r, v[K_ARTIFACTS], out)) < 0 ||
	    (rc = read_goroots(r, v[K_GOROOT], out)) < 0) {
		return rc;
	}
	return v[K_CC] ? read_cc(r, v[K_CC], out) : 0;
}

int
lock_parse(struct gn_arena *arena, const char *name, const char *data, size_t len,
	   struct lock *out, struct gn_error *err)
{
	struct lock_reader r = {
		.arena = arena,
		.doc = {
			.name = name,
			.noun = "lockfile",
			.syntax = "malformed YAML",
			.code = GN_E_LOCK,
			.err = err,
		},
	};
	struct gn_yaml_node *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > LOCK_MAX_BYTES) {
		return gn_error_at(err, GN_E_LOCK, name, 0, 0, "lockfile is larger than %d bytes",
				   LOCK_MAX_BYTES);
	}
	rc = gn_yaml_read(arena, &r.doc, data, len, &root);
	if (rc == 0 && !root) {
		rc = rfail(&r, 1, 1, "empty lockfile");
	}
	if (rc == 0) {
		rc = read_lock(&r, root, out);
	}
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	lock_sort(out);
	return 0;
}

int
lock_load(struct gn_arena *arena, const char *path, struct lock *out, struct gn_error *err)
{
	char *data = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	if (!gn_path_exists(path)) {
		memset(out, 0, sizeof(*out));
		return gn_error_set(err, GN_E_LOCK, "%s does not exist", path);
	}
	/* An oversized lock is an invalid lock (exit 2), not an I/O error. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > LOCK_MAX_BYTES) {
		memset(out, 0, sizeof(*out));
		return gn_error_at(err, GN_E_LOCK, path, 0, 0, "larger than the limit of %d bytes",
				   LOCK_MAX_BYTES);
	}
	rc = gn_read_file(path, LOCK_MAX_BYTES, &data, &len, err);
	if (rc == -GN_E_USAGE) {
		/* A FIFO, folder or device (/dev/zero) is an invalid lock. */
		memset(out, 0, sizeof(*out));
		if (err) {
			err->code = GN_E_LOCK;
		}
		return -GN_E_LOCK;
	}
	if (rc < 0) {
		return rc;
	}
	rc = lock_parse(arena, path, data, len, out, err);
	free(data);
	return rc;
}
