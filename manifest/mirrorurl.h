/*
 * manifest/mirrorurl.h - what one entry of `mirrors:` means for one file.
 *
 *   https://dl.example/go/               base: <base><file>
 *   https://art.example/{version}/{file}  template: {file} the file name,
 *                                        {sha256} its sha256 hex, {version}
 *                                        the release without "go" (1.21.5),
 *                                        for a Zig tarball Zig's version
 *
 * The values put into a template are checked names (docs/design.md,
 * section 4) and hex, so a template can't be made to leave its host.
 */
#ifndef MANIFEST_MIRRORURL_H
#define MANIFEST_MIRRORURL_H

#include "gn/arena.h"

#include <stdbool.h>
#include <stddef.h>

/* Does the mirror hold a {placeholder}? */
bool mirror_is_template(const char *mirror);

/*
 * Check a template's placeholders: each is {file}, {sha256} or {version},
 * braces come in pairs, and {file} or {sha256} appears (else every file
 * would have one URL).  0, or -1 with the reason in why (why_len bytes) and
 * the byte offset of the problem in *offset.
 */
int mirror_template_check(const char *mirror, char *why, size_t why_len, size_t *offset);

/* The URL of file (with its sha256 hex) on this mirror, owned by arena;
 * NULL when out of memory. */
const char *mirror_url_for(struct gn_arena *arena, const char *mirror, const char *file,
			   const char *sha256);

/* "<url>.minisig", inserted before any query string: where a file's
 * detached signature sits beside it.  Owned by arena; NULL when out of
 * memory. */
const char *mirror_signature_url(struct gn_arena *arena, const char *url);

/* The release a Go or Zig file name belongs to: "1.21.5" for
 * go1.21.5.linux-amd64.tar.gz, "0.11.0" for zig-linux-x86_64-0.11.0.tar.xz;
 * "" for any other name. */
void mirror_file_version(const char *file, char *out, size_t len);

/* The registry tag a release's files are listed under: "go1.21.5", or
 * "zig-0.11.0" for Zig's tarballs.  0, or -1 for a name of neither shape. */
int mirror_release_tag(const char *file, char *out, size_t len);

#endif
