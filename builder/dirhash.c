#include "builder/dirhash.h"

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOLCHAIN_MODULE "golang.org/toolchain"
/* A Go distribution holds ~15k files; this is far beyond any. */
#define MAX_FILES (1u << 20)

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct dirhash_file *)a)->name,
		      ((const struct dirhash_file *)b)->name);
}

int
dirhash_hash1(struct dirhash_file *files, size_t n, char out[DIRHASH_H1_LEN], struct gn_error *err)
{
	struct gn_sha256 h;
	uint8_t sum[GN_SHA256_LEN];
	char hex[GN_SHA256_HEX];

	qsort(files, n, sizeof(*files), cmp_file);
	if (gn_sha256_init(&h) < 0) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		if (strchr(files[i].name, '\n')) {
			gn_sha256_dispose(&h);
			return gn_error_set(err, GN_E_INTEGRITY,
					    "dirhash: file names with newlines are not supported");
		}
		gn_hex_encode(files[i].sha256, GN_SHA256_LEN, hex);
		gn_sha256_update(&h, hex, 64);
		gn_sha256_update(&h, "  ", 2);
		gn_sha256_update(&h, files[i].name, strlen(files[i].name));
		gn_sha256_update(&h, "\n", 1);
	}
	gn_sha256_final(&h, sum);
	memcpy(out, "h1:", 3);
	sodium_bin2base64(out + 3, DIRHASH_H1_LEN - 3, sum, sizeof(sum),
			  sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
dirhash_valid_h1(const char *s)
{
	uint8_t sum[GN_SHA256_LEN + 4];
	size_t got = 0;
	const char *end = NULL;

	if (strncmp(s, "h1:", 3) != 0 || strlen(s) != DIRHASH_H1_LEN - 1) {
		return 0;
	}
	return sodium_base642bin(sum, sizeof(sum), s + 3, 44, NULL, &got, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       got == GN_SHA256_LEN && end == s + DIRHASH_H1_LEN - 1;
}

/* Maps an archive name to its hashed name (malloc'd), or NULL to skip it. */
typedef char *(*map_fn)(const char *name, bool regular, const void *user);

struct collected {
	struct dirhash_file *files;
	size_t n, cap;
};

static void
collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->files[i].name);
	}
	free(c->files);
}

static int
hash_entry(struct archive *ar, uint8_t out[GN_SHA256_LEN], struct gn_error *err)
{
	struct gn_sha256 h;
	char buf[64 * 1024];
	la_ssize_t got;

	if (gn_sha256_init(&h) < 0) {
		return gn_error_nomem(err);
	}
	while ((got = archive_read_data(ar, buf, sizeof(buf))) > 0) {
		gn_sha256_update(&h, buf, (size_t)got);
	}
	if (got < 0) {
		gn_sha256_dispose(&h);
		return gn_error_set(err, GN_E_INTEGRITY, "cannot read the archive: %s",
				    archive_error_string(ar));
	}
	gn_sha256_final(&h, out);
	return 0;
}

static int
hash_archive(const char *path, bool zip, map_fn map, const void *user, char out[DIRHASH_H1_LEN],
	     struct gn_error *err)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *entry;
	struct collected c = { 0 };
	int r, rc = 0;

	if (!ar) {
		return gn_error_nomem(err);
	}
	if (zip) {
		archive_read_support_format_zip_seekable(ar);
	} else {
		archive_read_support_filter_gzip(ar);
		archive_read_support_format_tar(ar);
	}
	if (archive_read_open_filename(ar, path, 64 * 1024) != ARCHIVE_OK) {
		rc = gn_error_set(err, GN_E_IO, "cannot open %s: %s", path,
				  archive_error_string(ar));
		archive_read_free(ar);
		return rc;
	}
	while ((r = archive_read_next_header(ar, &entry)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(entry);
		bool regular = archive_entry_filetype(entry) == AE_IFREG;
		char *mapped = name ? map(name, regular, user) : NULL;

		if (!mapped) {
			continue;
		}
		if (c.n == c.cap) {
			size_t cap = c.cap ? c.cap * 2 : 256;
			struct dirhash_file *grown =
				cap <= MAX_FILES ? realloc(c.files, cap * sizeof(*grown)) : NULL;
			if (!grown) {
				free(mapped);
				rc = gn_error_nomem(err);
				break;
			}
			c.files = grown;
			c.cap = cap;
		}
		c.files[c.n].name = mapped;
		if ((rc = hash_entry(ar, c.files[c.n].sha256, err)) < 0) {
			free(mapped);
			break;
		}
		c.n++;
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		rc = gn_error_set(err, GN_E_INTEGRITY, "cannot read %s: %s", path,
				  archive_error_string(ar));
	}
	archive_read_free(ar);
	if (rc == 0) {
		rc = dirhash_hash1(c.files, c.n, out, err);
	}
	for (size_t i = 1; rc == 0 && i < c.n; i++) {
		if (strcmp(c.files[i - 1].name, c.files[i].name) == 0) {
			rc = gn_error_set(err, GN_E_INTEGRITY, "%s lists %s twice", path,
					  c.files[i].name);
		}
	}
	collected_free(&c);
	return rc;
}

static char *
map_identity(const char *name, bool regular, const void *user)
{
	(void)regular;
	(void)user;
	return strdup(name);
}

int
dirhash_zip(const char *zip_path, char out[DIRHASH_H1_LEN], struct gn_error *err)
{
	return hash_archive(zip_path, true, map_identity, NULL, out, err);
}

static bool
is_dropped_top(const char *rel)
{
	static const char *const dropped[] = { "api/", "doc/", "misc/", "test/" };

	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		if (strncmp(rel, dropped[i], strlen(dropped[i])) == 0) {
			return true;
		}
	}
	return false;
}

/* go/<rel> -> golang.org/toolchain@<version>/<rel with go.mod -> _go.mod> */
static char *
map_distpack(const char *name, bool regular, const void *user)
{
	const char *prefix = user, *rel, *base;
	size_t rel_len;
	char *out;

	if (!regular || strncmp(name, "go/", 3) != 0) {
		return NULL;
	}
	rel = name + 3;
	if (*rel == '\0' || is_dropped_top(rel)) {
		return NULL;
	}
	base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	rel_len = strlen(rel);
	out = malloc(strlen(prefix) + rel_len + 2);
	if (!out) {
		return NULL;
	}
	if (strcmp(base, "go.mod") == 0) {
		sprintf(out, "%s%.*s_go.mod", prefix, (int)(base - rel), rel);
	} else {
		sprintf(out, "%s%s", prefix, rel);
	}
	return out;
}

int
dirhash_toolchain_dist(const char *archive, const char *module_version, char out[DIRHASH_H1_LEN],
		       struct gn_error *err)
{
	char prefix[256];
	size_t n = strlen(archive);
	bool zip = n > 4 && strcmp(archive + n - 4, ".zip") == 0;
	FILE *f;
	unsigned char magic[2] = { 0 };

	/* Cache files have no extension: tell zip from gzip by the bytes. */
	f = fopen(archive, "rb");
	if (f) {
		if (fread(magic, 1, 2, f) == 2) {
			zip = magic[0] == 'P' && magic[1] == 'K';
		}
		fclose(f);
	}
	snprintf(prefix, sizeof(prefix), "%s@%s/", TOOLCHAIN_MODULE, module_version);
	return hash_archive(archive, zip, map_distpack, prefix, out, err);
}
