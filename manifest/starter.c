/*
 * manifest/starter.c - the commented gonative.yaml that `gonative init` writes.
 */
#include "manifest/manifest.h"

#include "gn/buf.h"

#define SCHEMA_URL                                                                                 \
	"https://raw.githubusercontent.com/gonative/gonative/main/schema/gonative.schema.json"

/* go: is always double-quoted so "1.20" stays a string for every YAML reader. */
static void
put_quoted(struct gn_buf *buf, const char *s)
{
	gn_buf_putc(buf, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			gn_buf_putc(buf, '\\');
		}
		gn_buf_putc(buf, *s);
	}
	gn_buf_putc(buf, '"');
}

static void
put_platform_list(struct gn_buf *buf, const struct gn_platform *list, size_t n)
{
	char text[GN_PLATFORM_TEXT];

	gn_buf_putc(buf, '[');
	for (size_t i = 0; i < n; i++) {
		gn_platform_format(&list[i], text, sizeof(text));
		gn_buf_printf(buf, "%s%s", i ? ", " : "", text);
	}
	gn_buf_putc(buf, ']');
}

char *
manifest_starter(struct gn_arena *arena, const char *go, const struct gn_platform *host,
		 const struct gn_platform *platforms, size_t n_platforms)
{
	struct gn_buf buf;
	char *text;

	gn_buf_init(&buf);
	gn_buf_puts(&buf,
		    "# yaml-language-server: $schema=" SCHEMA_URL "\n"
		    "#\n"
		    "# gonative.yaml: the Go toolchain this project builds with.\n"
		    "# `gonative lock` resolves it into gonative.lock (commit both);\n"
		    "# `gonative sync` installs the GOROOT that the lock describes.\n"
		    "\n"
		    "# Go release: \"1.21.5\" (exact), \"1.21\" (newest patch of that line),\n"
		    "# \"stable\" (newest stable release); prereleases only exact (\"1.22rc1\").\n"
		    "go: ");
	put_quoted(&buf, go ? go : "stable");
	gn_buf_puts(&buf, "\n"
			  "\n"
			  "# Machines that run the toolchain, as `go tool dist list` names them.\n"
			  "# Leave it out to mean the machine that runs `gonative lock`.\n");
	if (host) {
		gn_buf_puts(&buf, "hosts: ");
		put_platform_list(&buf, host, 1);
		gn_buf_puts(&buf, "\n");
	} else {
		gn_buf_puts(&buf, "# hosts: [linux/amd64]\n");
	}
	gn_buf_puts(&buf, "\n"
			  "# Target platforms whose precompiled standard library is merged in.\n"
			  "platforms: ");
	put_platform_list(&buf, platforms, n_platforms);
	gn_buf_puts(
	    &buf, "\n"
		  "\n"
		  "# Where release files come from, tried in order: https://, http:// or file://.\n"
		  "mirrors: [\"" MANIFEST_DEFAULT_MIRROR "\"]\n"
		  "\n"
		  "# Release index, in the shape of go.dev's JSON.\n"
		  "index: \"" MANIFEST_DEFAULT_INDEX "\"\n"
		  "\n"
		  "# Where `gonative sync` puts the GOROOT, relative to this file.\n"
		  "install: " MANIFEST_DEFAULT_INSTALL "\n"
		  "\n"
		  "# Optional sha256 pins: lock and sync fail if anything disagrees.\n"
		  "# checksums:\n"
		  "#   go1.21.5.linux-amd64.tar.gz: "
		  "e2bc0b3e4b64111ec117295c088bde5f00eeed1567999ff77bc859d7df70078e\n"
		  "\n"
		  "# Optional minisign (Ed25519) public keys, and what they must sign:\n"
		  "# index is <index URL>.minisig, archives is <file>.minisig on the mirror.\n"
		  "# signatures:\n"
		  "#   keys: [\"RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\"]\n"
		  "#   require: [index, archives]\n");
	if (buf.failed) {
		gn_buf_free(&buf);
		return NULL;
	}
	text = gn_arena_strndup(arena, buf.data, buf.len);
	gn_buf_free(&buf);
	return text;
}
