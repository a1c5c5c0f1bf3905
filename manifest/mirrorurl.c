/*
 * manifest/mirrorurl.c - base URLs and {file}/{sha256}/{version} templates.
 */
#include "manifest/mirrorurl.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
mirror_is_template(const char *mirror)
{
	return strchr(mirror, '{') != NULL || strchr(mirror, '}') != NULL;
}

int
mirror_template_check(const char *mirror, char *why, size_t why_len, size_t *offset)
{
	bool names_file = false;

	for (const char *c = mirror; *c; c++) {
		const char *end;
		size_t len;

		if (*c == '}') {
			*offset = (size_t)(c - mirror);
			snprintf(why, why_len, "a '}' without its '{'");
			return -1;
		}
		if (*c != '{') {
			continue;
		}
		end = strchr(c, '}');
		*offset = (size_t)(c - mirror);
		if (!end) {
			snprintf(why, why_len, "a '{' without its '}'");
			return -1;
		}
		len = (size_t)(end - c - 1);
		if ((len == 4 && strncmp(c + 1, "file", 4) == 0) ||
		    (len == 6 && strncmp(c + 1, "sha256", 6) == 0)) {
			names_file = true;
		} else if (!(len == 7 && strncmp(c + 1, "version", 7) == 0)) {
			gn_text(why, why_len,
				"unknown placeholder {%.*s} (use {file}, {sha256} or {version})",
				 (int)(len > 32 ? 32 : len), c + 1);
			return -1;
		}
		c = end;
	}
	if (!names_file) {
		*offset = 0;
		snprintf(why, why_len,
			 "a template needs {file} or {sha256}, or every file has the same URL");
		return -1;
	}
	return 0;
}

/* "go1.21.5.linux-amd64.tar.gz" -> "1.21.5"; "go1.22rc1.src.tar.gz" ->
 * "1.22rc1": the dot-separated parts after "go" that start with a digit. */
static void
go_version_of(const char *file, char *out, size_t len)
{
	const char *s = file + 2, *end = s;

	while (isdigit((unsigned char)*end)) {
		end = strchr(end, '.');
		if (!end) {
			return;
		}
		end++;
	}
	/* a version too long for out is none, never a cut one */
	if (end > s && !gn_path_fmt(out, len, "%.*s", (int)(end - s - 1), s)) {
		out[0] = '\0';
	}
}

/* "zig-linux-x86_64-0.11.0.tar.xz" (and 0.14's "zig-x86_64-linux-0.14.0.zip")
 * -> "0.11.0": the last dash-part, without the archive suffix. */
static void
zig_version_of(const char *file, char *out, size_t len)
{
	const char *start = strrchr(file, '-'), *end;

	if (!start || !isdigit((unsigned char)start[1])) {
		return;
	}
	start++;
	end = strstr(start, ".tar.");
	if (!end) {
		end = strstr(start, ".zip");
	}
	if (end && end > start && !gn_path_fmt(out, len, "%.*s", (int)(end - start), start)) {
		out[0] = '\0';
	}
}

const char *
mirror_signature_url(struct gn_arena *arena, const char *url)
{
	const char *query = strchr(url, '?');

	if (!query) {
		return gn_arena_printf(arena, "%s.minisig", url);
	}
	return gn_arena_printf(arena, "%.*s.minisig%s", (int)(query - url), url, query);
}

void
mirror_file_version(const char *file, char *out, size_t len)
{
	out[0] = '\0';
	if (strncmp(file, "go", 2) == 0) {
		go_version_of(file, out, len);
	} else if (strncmp(file, "zig-", 4) == 0) {
		zig_version_of(file, out, len);
	}
}

int
mirror_release_tag(const char *file, char *out, size_t len)
{
	char version[64];

	mirror_file_version(file, version, sizeof(version));
	if (!version[0]) {
		return -1;
	}
	snprintf(out, len, "%s%s", strncmp(file, "zig-", 4) == 0 ? "zig-" : "go", version);
	return 0;
}

const char *
mirror_url_for(struct gn_arena *arena, const char *mirror, const char *file, const char *sha256)
{
	struct gn_buf url;
	char version[64];
	const char *out;
	size_t n = strlen(mirror);

	if (!mirror_is_template(mirror)) {
		if (n > 0 && mirror[n - 1] == '/') {
			return gn_arena_printf(arena, "%s%s", mirror, file);
		}
		return gn_arena_printf(arena, "%s/%s", mirror, file);
	}
	mirror_file_version(file, version, sizeof(version));
	gn_buf_init(&url);
	for (const char *c = mirror; *c; c++) {
		if (strncmp(c, "{file}", 6) == 0) {
			gn_buf_puts(&url, file);
			c += 5;
		} else if (strncmp(c, "{sha256}", 8) == 0) {
			gn_buf_puts(&url, sha256 ? sha256 : "");
			c += 7;
		} else if (strncmp(c, "{version}", 9) == 0) {
			gn_buf_puts(&url, version);
			c += 8;
		} else {
			gn_buf_putc(&url, *c);
		}
	}
	out = url.failed ? NULL : gn_arena_strdup(arena, url.data);
	gn_buf_free(&url);
	return out;
}
