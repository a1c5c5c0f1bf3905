#include "builder/mirror.h"

#include "gn/fs.h"
#include "lockfiles/index.h"

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
	char sig_path[4096];
	char *sig = NULL;
	int rc;

	snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
	if ((rc = minisign_sign_file(path, key, NULL, &sig, err)) < 0) {
		return rc;
	}
	rc = write_signature(sig_path, sig, err);
	free(sig);
	return rc;
}

int
mirror_write(struct project *p, const char *dir, const struct minisign_seckey *key,
	     struct mirror_result *res, struct gn_error *err)
{
	struct lock_index_release release = { 0 };
	struct lock_index index = { .releases = &release, .n_releases = 1 };
	struct lock_index_file *files;
	char path[4096], cached[CACHE_PATH_MAX], cached_sig[CACHE_PATH_MAX + 16];
	struct gn_buf json;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = project_fetch_all(p, err)) < 0) {
		return rc;
	}
	if ((rc = gn_mkdir_p(dir, 0755, err)) < 0) {
		return rc;
	}
	files = gn_arena_array(&p->arena, p->lock.n_artifacts + 1, sizeof(*files));
	if (!files) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->lock.n_artifacts; i++) {
		const struct lock_artifact *a = &p->lock.artifacts[i];

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
		} else if (gn_path_exists(cached_sig)) {
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
			.version = p->lock.go,
			.sha256 = a->sha256,
			.size = a->size,
			.kind = "archive",
		};
	}
	qsort(files, p->lock.n_artifacts, sizeof(*files), file_order);
	release.version = p->lock.go;
	release.stable = !strstr(p->lock.go, "rc") && !strstr(p->lock.go, "beta");
	release.files = files;
	release.n_files = p->lock.n_artifacts;
	gn_buf_init(&json);
	lock_index_write(&index, &json);
	if (json.failed) {
		gn_buf_free(&json);
		return gn_error_set(err, GN_E_NOMEM, "out of memory");
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
