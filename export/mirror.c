#include "export/mirror.h"

#include "builder/oci.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "lockfiles/index.h"
#include "manifest/mirrorurl.h"
#include "manifest/ociref.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* go.dev orders a release's files by os, arch, kind, then file name. */
static int
file_order(const void *a, const void *b)
{
	const struct lock_index_file *x = a, *y = b;
	int c;

	if ((c = strcmp(x->os, y->os)) != 0) {
		return c;
	}
	if ((c = strcmp(x->arch, y->arch)) != 0) {
		return c;
	}
	if ((c = strcmp(x->kind, y->kind)) != 0) {
		return c;
	}
	return strcmp(x->filename, y->filename);
}

static int
write_signature(const char *path, const char *sig_text, struct gn_error *err)
{
	return gn_write_file_atomic(path, sig_text, strlen(sig_text), 0644, err);
}

static int
sign_into(const char *path, const struct minisign_seckey *key, struct gn_error *err)
{
	char *sig_path = NULL, *sig = NULL;
	int rc;

	if (asprintf(&sig_path, "%s.minisig", path) < 0) {
		return gn_error_nomem(err);
	}
	if ((rc = minisign_sign_file(path, key, NULL, &sig, err)) == 0) {
		rc = write_signature(sig_path, sig, err);
	}
	free(sig);
	free(sig_path);
	return rc;
}

/*
 * The locked Zig tarballs with Zig's own signatures, as cc.mirrors expects
 * them (<file> and <file>.minisig).  --sign does not re-sign them: cc.keys
 * names Zig's key, and its signature is what the lock recorded.
 */
static int
copy_zig(struct project *p, const char *dir, struct mirror_result *res, struct gn_error *err)
{
	const struct lock_cc *cc = &project_locked(p)->cc;
	char cached[GN_PATH_MAX], cached_sig[GN_PATH_MAX + 16];
	char path[4096], sig_path[4096 + 16];
	int rc;

	for (size_t i = 0; i < cc->n_hosts; i++) {
		const struct lock_cc_host *h = &cc->hosts[i];

		cache_archive_path(project_cache(p), h->sha256, cached);
		snprintf(cached_sig, sizeof(cached_sig), "%s.minisig", cached);
		if (!gn_path_join(path, sizeof(path), dir, h->file)) {
			return gn_error_set(err, GN_E_IO, "%s: path too long", dir);
		}
		snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
		if (!cache_is_file(project_cache(p), cached_sig, false)) {
			return gn_error_set(err, GN_E_SIGNATURE, "%s: its signature is not in the cache",
					    h->file);
		}
		if ((rc = gn_copy_file(cached, path, 0644, err)) < 0 ||
		    (rc = gn_copy_file(cached_sig, sig_path, 0644, err)) < 0) {
			return rc;
		}
		res->n_files++;
		res->n_signed++;
		res->n_cc_files++;
	}
	return 0;
}

static int mirror_push(struct project *p, const char *ref_text, const struct minisign_seckey *key,
		       struct mirror_result *res, struct gn_error *err);

static int
mirror_folder(struct project *p, const char *dir, const struct minisign_seckey *key,
	      struct mirror_result *res, struct gn_error *err)
{
	struct lock_index_release release = { 0 };
	struct lock_index index = { .releases = &release, .n_releases = 1 };
	struct lock_index_file *files;
	const struct lock *lock = project_locked(p); /* set once fetch_all succeeds */
	char path[4096], cached[GN_PATH_MAX], cached_sig[GN_PATH_MAX + 16];
	struct gn_buf json;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = project_fetch_all(p, err)) < 0) {
		return rc;
	}
	if ((rc = gn_mkdir_p(dir, 0755, err)) < 0) {
		return rc;
	}
	files = gn_arena_array(project_arena(p), lock->n_artifacts + 1, sizeof(*files));
	if (!files) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		project_archive_path(p, a, cached);
		if (!gn_path_join(path, sizeof(path), dir, a->file)) {
			return gn_error_set(err, GN_E_IO, "%s: path too long", dir);
		}
		if ((rc = gn_copy_file(cached, path, 0644, err)) < 0) {
			return rc;
		}
		res->n_files++;
		snprintf(cached_sig, sizeof(cached_sig), "%s.minisig", cached);
		if (key) {
			if ((rc = sign_into(path, key, err)) < 0) {
				return rc;
			}
			res->n_signed++;
		} else if (cache_is_file(project_cache(p), cached_sig, false)) {
			/* Only a real file: a link planted there is not copied from. */
			char sig_path[4096 + 16];

			snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
			if ((rc = gn_copy_file(cached_sig, sig_path, 0644, err)) < 0) {
				return rc;
			}
			res->n_signed++;
		}
		files[i] = (struct lock_index_file){
			.filename = a->file,
			.os = a->os,
			.arch = a->arch,
			.version = lock->go,
			.sha256 = a->sha256,
			.size = a->size,
			.kind = "archive",
		};
	}
	if ((rc = copy_zig(p, dir, res, err)) < 0) {
		return rc;
	}
	qsort(files, lock->n_artifacts, sizeof(*files), file_order);
	release.version = lock->go;
	release.stable = !strstr(lock->go, "rc") && !strstr(lock->go, "beta");
	release.files = files;
	release.n_files = lock->n_artifacts;
	gn_buf_init(&json);
	lock_index_write(&index, &json);
	if (json.failed) {
		gn_buf_free(&json);
		return gn_error_nomem(err);
	}
	gn_path_join(path, sizeof(path), dir, MIRROR_INDEX_NAME);
	rc = gn_write_file_atomic(path, json.data, json.len, 0644, err);
	gn_buf_free(&json);
	if (rc == 0 && key) {
		rc = sign_into(path, key, err);
		res->n_signed += rc == 0;
	}
	return rc;
}

int
mirror_write(struct project *p, const char *dir, const struct minisign_seckey *key,
	     struct mirror_result *res, struct gn_error *err)
{
	if (oci_is_ref(dir)) {
		return mirror_push(p, dir, key, res, err);
	}
	return mirror_folder(p, dir, key, res, err);
}

/* --- oci:// ----------------------------------------------------------------- */

static int
cmp_release_newest_first(const void *a, const void *b)
{
	const struct lock_index_release *x = a, *y = b;
	struct gn_goversion vx, vy;

	if (gn_goversion_parse(x->version, &vx) != 0 || gn_goversion_parse(y->version, &vy) != 0) {
		return strcmp(y->version, x->version);
	}
	return gn_goversion_cmp(&vy, &vx);
}

/*
 * The index to put under the index tag: what the registry holds there
 * (verified by its digest), with this release added or replaced.
 */
static int
merged_index(struct project *p, const struct oci_session *s, const char *tag,
	     const char *release_index, struct gn_buf *out, struct gn_error *err)
{
	struct lock_index old = {0}, fresh = {0}, merged = {0};
	struct oci_layer *layers = NULL;
	size_t n_layers = 0;
	bool missing = false;
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = gn_read_file(release_index, LOCK_INDEX_MAX_BYTES, &data, &len, err);
	if (rc == 0) {
		rc = lock_index_parse(project_arena(p), release_index, data, len, &fresh, err);
	}
	free(data);
	if (rc < 0) {
		return rc;
	}
	rc = oci_manifest_layers(project_arena(p), s, tag, &layers, &n_layers, &missing, err);
	if (rc < 0 && !missing) {
		return rc;
	}
	/* No index tag yet: this release is the whole index. */
	rc = 0;
	gn_error_clear(err);
	for (size_t i = 0; rc == 0 && i < n_layers; i++) {
		if (!layers[i].title || strcmp(layers[i].title, MIRROR_INDEX_NAME) != 0) {
			continue;
		}
		rc = oci_blob_read(s, layers[i].sha256, LOCK_INDEX_MAX_BYTES, &data, &len, err);
		if (rc == 0) {
			rc = lock_index_parse(project_arena(p), MIRROR_INDEX_NAME, data, len, &old,
					      err);
		}
		free(data);
		break;
	}
	if (rc < 0) {
		return rc;
	}
	merged.releases = gn_arena_array(project_arena(p), old.n_releases + fresh.n_releases + 1,
					 sizeof(*merged.releases));
	if (!merged.releases) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < fresh.n_releases; i++) {
		merged.releases[merged.n_releases++] = fresh.releases[i];
	}
	for (size_t i = 0; i < old.n_releases; i++) {
		bool replaced = false;

		for (size_t j = 0; j < fresh.n_releases; j++) {
			replaced = replaced || strcmp(old.releases[i].version,
						      fresh.releases[j].version) == 0;
		}
		if (!replaced) {
			merged.releases[merged.n_releases++] = old.releases[i];
		}
	}
	qsort(merged.releases, merged.n_releases, sizeof(*merged.releases),
	      cmp_release_newest_first);
	lock_index_write(&merged, out);
	return out->failed ? gn_error_nomem(err) : 0;
}

/* Push one file of the staging folder (unless the registry has it) and
 * describe it as a layer. */
static int
push_file(struct project *p, const struct oci_session *s, const char *dir, const char *name,
	  struct oci_layer *layer, struct mirror_result *res, struct gn_error *err)
{
	char path[4096];
	uint8_t digest[GN_SHA256_LEN];
	struct stat st;
	bool exists = false;
	int rc;

	if (!gn_path_join(path, sizeof(path), dir, name)) {
		return gn_error_set(err, GN_E_IO, "%s: path too long", dir);
	}
	if (stat(path, &st) != 0) {
		return gn_error_set(err, GN_E_IO, "cannot read %s: %s", path, strerror(errno));
	}
	if ((rc = gn_sha256_file(path, digest, err)) < 0) {
		return rc;
	}
	gn_hex_encode(digest, sizeof(digest), layer->sha256);
	layer->size = st.st_size;
	layer->title = gn_arena_strdup(project_arena(p), name);
	if (!layer->title) {
		return gn_error_nomem(err);
	}
	if ((rc = oci_blob_exists(s, layer->sha256, &exists, err)) < 0) {
		return rc;
	}
	if (exists) {
		res->n_present++;
		return 0;
	}
	gn_emitf(project_events(p), GN_EV_INFO, "pushing %s", name);
	if ((rc = oci_blob_push(project_arena(p), s, path, layer->sha256, err)) < 0) {
		return rc;
	}
	res->n_uploaded++;
	return 0;
}

/* Zig's tarballs and signatures, listed under "zig-<version>". */
static int
push_zig(struct project *p, const struct oci_session *s, const char *stage,
	 struct mirror_result *res, struct gn_error *err)
{
	const struct lock_cc *cc = &project_locked(p)->cc;
	struct oci_layer *layers;
	size_t n = 0;
	bool moved = false;
	int rc;

	if (cc->n_hosts == 0) {
		return 0;
	}
	if (mirror_release_tag(cc->hosts[0].file, res->cc_tag, sizeof(res->cc_tag)) != 0) {
		return gn_error_set(err, GN_E_LOCK, "%s: not a Zig tarball name",
				    cc->hosts[0].file);
	}
	layers = gn_arena_array(project_arena(p), 2 * cc->n_hosts, sizeof(*layers));
	if (!layers) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < cc->n_hosts; i++) {
		const char *file = cc->hosts[i].file;
		const char *sig = gn_arena_printf(project_arena(p), "%s.minisig", file);

		if (!sig) {
			return gn_error_nomem(err);
		}
		if ((rc = push_file(p, s, stage, file, &layers[n++], res, err)) < 0 ||
		    (rc = push_file(p, s, stage, sig, &layers[n++], res, err)) < 0) {
			return rc;
		}
	}
	if ((rc = oci_manifest_push(project_arena(p), s, res->cc_tag, layers, n, &moved,
				    err)) < 0) {
		return rc;
	}
	res->n_tags_moved += moved;
	return 0;
}

static int
push_staged(struct project *p, const struct oci_session *s, const char *stage,
	    const struct minisign_seckey *key, struct mirror_result *res, struct gn_error *err)
{
	struct oci_layer *layers;
	size_t n = 0, max = 2 * project_locked(p)->n_artifacts + 2;
	char path[4096], sig[4200];
	struct gn_buf index;
	bool moved = false;
	int rc;

	layers = gn_arena_array(project_arena(p), max, sizeof(*layers));
	if (!layers) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < project_locked(p)->n_artifacts; i++) {
		const char *file = project_locked(p)->artifacts[i].file;

		if ((rc = push_file(p, s, stage, file, &layers[n++], res, err)) < 0) {
			return rc;
		}
		if (!gn_path_fmt(sig, sizeof(sig), "%s.minisig", file) ||
		    !gn_path_join(path, sizeof(path), stage, sig)) {
			return gn_error_set(err, GN_E_IO, "path too long: %s/%s.minisig", stage, file);
		}
		if (gn_path_exists(path) &&
		    (rc = push_file(p, s, stage, sig, &layers[n++], res, err)) < 0) {
			return rc;
		}
	}
	if ((rc = push_file(p, s, stage, MIRROR_INDEX_NAME, &layers[n++], res, err)) < 0) {
		return rc;
	}
	if (key && (rc = push_file(p, s, stage, MIRROR_INDEX_NAME ".minisig", &layers[n++], res,
				   err)) < 0) {
		return rc;
	}
	if ((rc = oci_manifest_push(project_arena(p), s, res->version_tag, layers, n, &moved,
				    err)) < 0) {
		return rc;
	}
	res->n_tags_moved += moved;

	if ((rc = push_zig(p, s, stage, res, err)) < 0) {
		return rc;
	}

	/* The index tag: every release pushed so far. */
	gn_path_join(path, sizeof(path), stage, MIRROR_INDEX_NAME);
	gn_buf_init(&index);
	rc = merged_index(p, s, res->index_tag, path, &index, err);
	if (rc == 0) {
		rc = gn_write_file_atomic(path, index.data, index.len, 0644, err);
	}
	gn_buf_free(&index);
	if (rc == 0 && key) {
		rc = sign_into(path, key, err);
	}
	n = 0;
	if (rc == 0) {
		rc = push_file(p, s, stage, MIRROR_INDEX_NAME, &layers[n++], res, err);
	}
	if (rc == 0 && key) {
		rc = push_file(p, s, stage, MIRROR_INDEX_NAME ".minisig", &layers[n++], res, err);
	}
	if (rc == 0) {
		rc = oci_manifest_push(project_arena(p), s, res->index_tag, layers, n, &moved, err);
		res->n_tags_moved += moved;
	}
	return rc;
}

static int
mirror_push(struct project *p, const char *ref_text, const struct minisign_seckey *key,
	    struct mirror_result *res, struct gn_error *err)
{
	struct oci_session session;
	struct oci_ref ref;
	char why[256], stage[GN_PATH_MAX];
	int rc;

	memset(res, 0, sizeof(*res));
	if (oci_ref_parse(ref_text, project_manifest(p)->insecure_registries,
			  project_manifest(p)->n_insecure_registries, &ref, why,
			  sizeof(why)) != 0) {
		return gn_error_set(err, GN_E_USAGE, "%s: %s", ref_text, why);
	}
	snprintf(res->version_tag, sizeof(res->version_tag), "%s",
		 project_locked(p) ? project_locked(p)->go : "");
	snprintf(res->index_tag, sizeof(res->index_tag), "%s",
		 ref.tag[0] ? ref.tag : OCI_DEFAULT_INDEX_TAG);
	/* Log in before the slow part, so a wrong password fails at once. */
	if ((rc = oci_open(project_arena(p), &ref, "pull,push", project_registry_creds(p), &session,
			   err)) < 0) {
		return rc;
	}
	if ((rc = project_fetch_all(p, err)) < 0) {
		return rc;
	}
	snprintf(res->version_tag, sizeof(res->version_tag), "%s", project_locked(p)->go);
	{
		char name[64];

		snprintf(name, sizeof(name), "oci-push-%ld", (long)getpid());
		cache_tmp_path(project_cache(p), name, stage);
	}
	gn_rm_rf(stage, NULL);
	rc = mirror_folder(p, stage, key, res, err);
	/* mirror_folder() starts a fresh result */
	snprintf(res->version_tag, sizeof(res->version_tag), "%s", project_locked(p)->go);
	snprintf(res->index_tag, sizeof(res->index_tag), "%s",
		 ref.tag[0] ? ref.tag : OCI_DEFAULT_INDEX_TAG);
	if (rc == 0) {
		rc = push_staged(p, &session, stage, key, res, err);
	}
	gn_rm_rf(stage, NULL);
	return rc;
}
