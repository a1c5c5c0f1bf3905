#include "builder/toolchain.h"

#include "builder/fetch.h"
#include "builder/trust.h"
#include "gn/fs.h"
#include "gn/goversion.h"
#include "gn/platform.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST_MAX_BYTES (4 * 1024 * 1024)
#define GO_MOD_MAX (1024 * 1024)

const char *
toolchain_base(struct gn_arena *arena, const char *proxy)
{
	size_t n = strlen(proxy);

	return gn_arena_printf(arena, "%s%s" TRUST_MODULE "/@v/", proxy,
			       n && proxy[n - 1] == '/' ? "" : "/");
}

bool
toolchain_module_version(const char *file, char *out, size_t len)
{
	size_t n = strlen(file);

	if (n < 12 || strncmp(file, "v0.0.1-go", 9) != 0 || strcmp(file + n - 4, ".zip") != 0 ||
	    n - 4 >= len) {
		return false;
	}
	return gn_path_fmt(out, len, "%.*s", (int)(n - 4), file);
}

/* "v0.0.1-go1.21.5.linux-amd64" -> go1.21.5 and linux/amd64. */
static bool
parse_version(const char *v, char *go, size_t go_len, struct gn_platform *p)
{
	const char *rest = v + 7, *dot = strrchr(v, '.');
	char plat[GN_PLATFORM_TEXT];
	struct gn_goversion parsed;
	const char *dash;

	if (strncmp(v, "v0.0.1-", 7) != 0 || !dot || dot < rest) {
		return false;
	}
	if ((size_t)(dot - rest) >= go_len) {
		return false;
	}
	gn_path_fmt(go, go_len, "%.*s", (int)(dot - rest), rest); /* fits: checked above */
	dash = strchr(dot + 1, '-');
	if (!dash || (size_t)(dash - dot) >= sizeof(plat) / 2) {
		return false;
	}
	if (!gn_path_fmt(plat, sizeof(plat), "%.*s/%s", (int)(dash - dot - 1), dot + 1, dash + 1)) {
		return false;
	}
	return gn_goversion_parse(go, &parsed) == 0 && gn_platform_parse(plat, p) == GN_PLATFORM_OK;
}

static int
get(const struct toolchain_opts *opts, const char *url, char **data, size_t *len,
    struct gn_error *err)
{
	char name[64], dest[GN_PATH_MAX];
	const char *urls[] = { url };
	struct fetch_request req = {
		.name = "toolchain list",
		.urls = urls,
		.n_urls = 1,
		.size = -1,
		.max_size = LIST_MAX_BYTES,
		.dest = dest,
	};
	struct fetch_opts fo = { .retries = 0, .net = opts->net };
	int rc;

	snprintf(name, sizeof(name), "toolchain-list-%ld", (long)getpid());
	cache_tmp_path(opts->cache, name, dest);
	if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
		cache_unlink(opts->cache, dest);
		return rc;
	}
	rc = cache_read_file(opts->cache, dest, LIST_MAX_BYTES, data, len, err);
	cache_unlink(opts->cache, dest);
	return rc;
}

int
toolchain_check_meta(const struct toolchain_opts *opts, struct gn_arena *arena,
		     const char *module_version, struct gn_error *err)
{
	static const char *const exts[] = { "mod", "info" };

	for (size_t e = 0; e < 2; e++) {
		char *data = NULL, want[256];
		size_t len = 0;
		const char *url = NULL;
		int rc = -GN_E_FETCH;

		for (size_t i = 0; i < opts->n_proxies && rc < 0; i++) {
			url = gn_arena_printf(arena, "%s%s.%s",
					      toolchain_base(arena, opts->proxies[i]),
					      module_version, exts[e]);
			if (!url) {
				return gn_error_nomem(err);
			}
			rc = get(opts, url, &data, &len, err);
		}
		if (rc < 0) {
			return rc;
		}
		snprintf(want, sizeof(want), "\"Version\":\"%s\"", module_version);
		if (e == 0 ? len != strlen(TOOLCHAIN_GO_MOD) ||
				     memcmp(data, TOOLCHAIN_GO_MOD, len) != 0
			   : !strstr(data, want)) {
			free(data);
			rc = gn_error_set(err, GN_E_INTEGRITY, "the proxy's %s.%s is not %s",
					  module_version, exts[e],
					  e == 0 ? "\"module golang.org/toolchain\""
						 : "for that version");
			gn_error_url(err, url);
			return rc;
		}
		free(data);
	}
	return 0;
}

static struct lock_index_release *
release_for(struct gn_arena *arena, struct lock_index *out, size_t *cap, const char *go)
{
	struct lock_index_release *rel;

	for (size_t i = 0; i < out->n_releases; i++) {
		if (strcmp(out->releases[i].version, go) == 0) {
			return &out->releases[i];
		}
	}
	if (out->n_releases == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 16;
		struct lock_index_release *grown = gn_arena_array(arena, grown_cap, sizeof(*grown));
		if (!grown) {
			return NULL;
		}
		if (out->n_releases) {
			memcpy(grown, out->releases, out->n_releases * sizeof(*grown));
		}
		out->releases = grown;
		*cap = grown_cap;
	}
	rel = &out->releases[out->n_releases++];
	memset(rel, 0, sizeof(*rel));
	rel->version = gn_arena_strdup(arena, go);
	rel->stable = !strstr(go, "rc") && !strstr(go, "beta");
	return rel->version ? rel : NULL;
}

static bool
add_file(struct gn_arena *arena, struct lock_index_release *rel, const char *version,
	 const struct gn_platform *p)
{
	struct lock_index_file *files = gn_arena_array(arena, rel->n_files + 1, sizeof(*files));
	struct lock_index_file *f;

	if (!files) {
		return false;
	}
	if (rel->n_files) {
		memcpy(files, rel->files, rel->n_files * sizeof(*files));
	}
	f = &files[rel->n_files];
	f->filename = gn_arena_printf(arena, "%s.zip", version);
	f->os = gn_arena_strdup(arena, p->os);
	f->arch = gn_arena_strdup(arena, gn_platform_index_arch(p));
	f->version = rel->version;
	f->sha256 = TOOLCHAIN_UNKNOWN_SHA256;
	f->size = 0;
	f->kind = "archive";
	rel->files = files;
	rel->n_files++;
	return f->filename && f->os && f->arch;
}

int
toolchain_index(const struct toolchain_opts *opts, struct gn_arena *arena, struct lock_index *out,
		struct gn_error *err)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc = -GN_E_FETCH;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < opts->n_proxies && rc < 0; i++) {
		const char *url =
			gn_arena_printf(arena, "%slist", toolchain_base(arena, opts->proxies[i]));
		if (!url) {
			return gn_error_nomem(err);
		}
		gn_emitf(opts->events, GN_EV_DEBUG, "listing toolchains at %s", url);
		rc = get(opts, url, &data, &len, err);
	}
	if (rc < 0) {
		return rc;
	}
	for (char *line = data; line < data + len;) {
		char *nl = memchr(line, '\n', (size_t)(data + len - line));
		char go[64];
		struct gn_platform p;
		struct lock_index_release *rel;

		if (nl) {
			*nl = '\0';
		}
		if (parse_version(line, go, sizeof(go), &p)) {
			rel = release_for(arena, out, &cap, go);
			if (!rel || !add_file(arena, rel, line, &p)) {
				free(data);
				return gn_error_nomem(err);
			}
		}
		if (!nl) {
			break;
		}
		line = nl + 1;
	}
	free(data);
	return 0;
}

/* Copy the current entry's data to the writer. */
static int
copy_data(struct archive *in, struct archive *out, struct gn_error *err)
{
	char buf[64 * 1024];
	la_ssize_t got;

	while ((got = archive_read_data(in, buf, sizeof(buf))) > 0) {
		if (archive_write_data(out, buf, (size_t)got) != got) {
			return gn_error_set(err, GN_E_IO, "cannot write the toolchain tree: %s",
					    archive_error_string(out));
		}
	}
	if (got < 0) {
		return gn_error_set(err, GN_E_INTEGRITY, "cannot read the module zip: %s",
				    archive_error_string(in));
	}
	return 0;
}

static int
write_entry(struct archive *out, const char *name, int64_t size, mode_t mode, struct gn_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e) {
		return gn_error_nomem(err);
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(out, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK) {
		return gn_error_set(err, GN_E_IO, "cannot write the toolchain tree: %s",
				    archive_error_string(out));
	}
	return 0;
}

/* A _go.mod, kept twice: cmd/go copies each _go.mod back to go.mod. */
static int
copy_go_mod(struct archive *in, struct archive *out, struct archive_entry *entry,
	    const char *dest, const char *rel, const char *base, struct gn_error *err)
{
	la_int64_t size = archive_entry_size(entry);
	char *buf = size >= 0 && size <= GO_MOD_MAX ? malloc((size_t)size + 1) : NULL;
	la_ssize_t got = buf ? archive_read_data(in, buf, (size_t)size) : -1;
	char go_mod[GN_PATH_MAX];
	int rc;

	if (!buf || got != size) {
		free(buf);
		return gn_error_set(err, GN_E_INTEGRITY, "cannot read %s from the zip",
				    archive_entry_pathname(entry));
	}
	/* shorter than dest, which fit */
	gn_path_fmt(go_mod, sizeof(go_mod), "go/%.*sgo.mod", (int)(base - rel), rel);
	if ((rc = write_entry(out, dest, size, 0644, err)) == 0 &&
	    archive_write_data(out, buf, (size_t)size) == size &&
	    (rc = write_entry(out, go_mod, size, 0644, err)) == 0 &&
	    archive_write_data(out, buf, (size_t)size) != size) {
		rc = gn_error_set(err, GN_E_IO, "cannot write %s", go_mod);
	}
	free(buf);
	return rc;
}

/* One zip entry under prefix (plen bytes) into the tar as go/<rel>. */
static int
copy_module_entry(struct archive *in, struct archive *out, struct archive_entry *entry,
		  const char *prefix, size_t plen, struct gn_error *err)
{
	const char *name = archive_entry_pathname(entry);
	const char *rel, *base;
	char dest[GN_PATH_MAX];
	bool exec;

	if (!name || strncmp(name, prefix, plen) != 0) {
		return gn_error_set(err, GN_E_UNSAFE, "module zip entry '%s' is outside %s",
				    name ? name : "", prefix);
	}
	rel = name + plen;
	if (archive_entry_filetype(entry) == AE_IFDIR) {
		return 0;
	}
	if (archive_entry_filetype(entry) != AE_IFREG || *rel == '\0') {
		return gn_error_set(err, GN_E_UNSAFE, "module zip entry '%s' is not a regular file",
				    name);
	}
	if (!gn_path_fmt(dest, sizeof(dest), "go/%s", rel)) {
		return gn_error_set(err, GN_E_UNSAFE, "module zip entry '%s': name too long", name);
	}
	base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	if (strcmp(base, "_go.mod") == 0) {
		return copy_go_mod(in, out, entry, dest, rel, base, err);
	}
	/* cmd/go: execute bits for the commands (the zip keeps no modes). */
	exec = strncmp(rel, "bin/", 4) == 0 || strncmp(rel, "pkg/tool/", 9) == 0;
	int rc = write_entry(out, dest, archive_entry_size(entry), exec ? 0755 : 0644, err);

	return rc < 0 ? rc : copy_data(in, out, err);
}

int
toolchain_layout(const char *zip, const char *module_version, int out_fd, const char *out_path,
		 struct gn_error *err)
{
	struct archive *in = archive_read_new(), *out = archive_write_new();
	struct archive_entry *entry;
	char prefix[256];
	size_t plen;
	int r = ARCHIVE_OK, rc = 0;

	if (!in || !out) {
		archive_read_free(in);
		archive_write_free(out);
		return gn_error_nomem(err);
	}
	/* a cut prefix would be compared past its end */
	if (!gn_path_fmt(prefix, sizeof(prefix), TRUST_MODULE "@%s/", module_version)) {
		archive_read_free(in);
		archive_write_free(out);
		return gn_error_set(err, GN_E_USAGE, "toolchain version too long: %.64s...",
				    module_version);
	}
	plen = strlen(prefix);
	archive_read_support_format_zip_seekable(in);
	archive_write_set_format_pax_restricted(out);
	if (archive_read_open_filename(in, zip, 64 * 1024) != ARCHIVE_OK) {
		rc = gn_error_set(err, GN_E_IO, "cannot open %s: %s", zip,
				  archive_error_string(in));
	} else if (archive_write_open_fd(out, out_fd) != ARCHIVE_OK) {
		rc = gn_error_set(err, GN_E_IO, "cannot create %s: %s", out_path,
				  archive_error_string(out));
	}
	while (rc == 0 && (r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
		rc = copy_module_entry(in, out, entry, prefix, plen, err);
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		rc = gn_error_set(err, GN_E_INTEGRITY, "cannot read %s: %s", zip,
				  archive_error_string(in));
	}
	if (rc == 0 && archive_write_close(out) != ARCHIVE_OK) {
		rc = gn_error_set(err, GN_E_IO, "cannot write %s: %s", out_path,
				  archive_error_string(out));
	}
	archive_read_free(in);
	archive_write_free(out);
	return rc;
}
