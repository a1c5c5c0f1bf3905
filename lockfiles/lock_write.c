/*
 * lockfiles/lock_write.c - gonative.lock's canonical writer: sorted, every
 * scalar that another YAML reader could mistake quoted (lock_write()).
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

static bool
needs_quotes(const char *s)
{
	if (!*s || s[0] == '-' || s[0] == '?') {
		return true;
	}
	if (!lock_all_in(s,
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-")) {
		return true;
	}
	return lock_plain_non_string(s);
}

/* A YAML double-quoted scalar. */
static void
put_quoted(struct gn_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	gn_buf_putc(out, '"');
	while (*p) {
		uint32_t cp;
		size_t n;

		if (*p == '"' || *p == '\\') {
			gn_buf_putc(out, '\\');
			gn_buf_putc(out, (char)*p++);
			continue;
		}
		if (*p == '\t') {
			gn_buf_puts(out, "\\t");
			p++;
			continue;
		}
		if (*p == '\n') {
			gn_buf_puts(out, "\\n");
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			gn_buf_printf(out, "\\x%02X", *p++);
			continue;
		}
		n = gn_utf8_decode(p, &cp);
		if (n == 0) {
			/* Not representable in YAML; the reader would refuse it. */
			gn_buf_puts(out, "\\uFFFD");
			p++;
			continue;
		}
		if (cp == 0x85) {
			gn_buf_puts(out, "\\N");
		} else if (cp == 0x2028) {
			gn_buf_puts(out, "\\L");
		} else if (cp == 0x2029) {
			gn_buf_puts(out, "\\P");
		} else if ((cp >= 0x80 && cp < 0xa0) || cp == 0xfeff || cp == 0xfffe ||
			   cp == 0xffff) {
			gn_buf_printf(out, "\\u%04X", (unsigned)cp);
		} else {
			gn_buf_append(out, p, n);
		}
		p += n;
	}
	gn_buf_putc(out, '"');
}

static void
put_scalar(struct gn_buf *out, const char *s)
{
	if (!s) {
		s = "";
	}
	if (needs_quotes(s)) {
		put_quoted(out, s);
	} else {
		gn_buf_puts(out, s);
	}
}

/* "sha256:<hex>" / "git-sha256:<hex>": plain when well formed (':' not
 * followed by a space is plain-safe), quoted otherwise. */
static void
put_prefixed(struct gn_buf *out, const char *prefix, const char *hex)
{
	if (hex && gn_is_sha256_hex(hex)) {
		gn_buf_printf(out, "%s%s", prefix, hex);
	} else {
		put_scalar(out, hex);
	}
}

static void
put_platforms(struct gn_buf *out, const char *key, const struct gn_platform *ps, size_t n)
{
	gn_buf_printf(out, "%s: [", key);
	for (size_t i = 0; i < n; i++) {
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&ps[i], text, sizeof(text));
		if (i) {
			gn_buf_puts(out, ", ");
		}
		put_scalar(out, text);
	}
	gn_buf_puts(out, "]\n");
}

static void
put_tree(struct gn_buf *out, const char *tree)
{
	size_t plen = GN_TREE_ID_PREFIX_LEN;

	if (strncmp(tree, GN_TREE_ID_PREFIX, plen) == 0 && gn_is_sha256_hex(tree + plen)) {
		put_prefixed(out, GN_TREE_ID_PREFIX, tree + plen);
	} else {
		put_scalar(out, tree);
	}
}

/* cc: after goroot:, only when the manifest has one. */
static void
put_cc(struct gn_buf *out, const struct lock_cc *cc)
{
	gn_buf_puts(out, "cc:\n  zig: ");
	put_scalar(out, cc->zig);
	gn_buf_puts(out, "\n  index: ");
	put_scalar(out, cc->index);
	gn_buf_puts(out, cc->n_hosts ? "\n  hosts:\n" : "\n  hosts: {}\n");
	for (size_t i = 0; i < cc->n_hosts; i++) {
		const struct lock_cc_host *h = &cc->hosts[i];
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&h->host, text, sizeof(text));
		gn_buf_puts(out, "    ");
		put_scalar(out, text);
		gn_buf_puts(out, ":\n      file: ");
		put_scalar(out, h->file);
		gn_buf_puts(out, "\n      url: ");
		put_scalar(out, h->url);
		gn_buf_printf(out, "\n      size: %lld\n      sha256: ", (long long)h->size);
		put_scalar(out, h->sha256);
		if (h->signed_by) {
			gn_buf_puts(out, "\n      signed-by: ");
			put_scalar(out, h->signed_by);
		}
		gn_buf_puts(out, "\n      tree: ");
		put_tree(out, h->tree);
		gn_buf_putc(out, '\n');
	}
	gn_buf_puts(out, cc->n_targets ? "  targets:\n" : "  targets: {}\n");
	for (size_t i = 0; i < cc->n_targets; i++) {
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&cc->targets[i].platform, text, sizeof(text));
		gn_buf_puts(out, "    ");
		put_scalar(out, text);
		gn_buf_puts(out, ": ");
		put_scalar(out, cc->targets[i].triple);
		gn_buf_putc(out, '\n');
	}
}

void
lock_write(struct lock *lock, struct gn_buf *out)
{
	lock_sort(lock);
	gn_buf_puts(out, LOCK_HEADER);
	gn_buf_printf(out, "lock-version: %d\n", LOCK_VERSION);
	gn_buf_puts(out, "manifest-digest: ");
	put_prefixed(out, "sha256:", lock->manifest_digest);
	gn_buf_puts(out, "\ngo: ");
	put_scalar(out, lock->go);
	gn_buf_puts(out, "\nindex: ");
	put_scalar(out, lock->index);
	gn_buf_putc(out, '\n');
	put_platforms(out, "hosts", lock->hosts, lock->n_hosts);
	put_platforms(out, "platforms", lock->platforms, lock->n_platforms);
	gn_buf_puts(out, lock->n_artifacts ? "artifacts:\n" : "artifacts: []\n");
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		gn_buf_puts(out, "  - file: ");
		put_scalar(out, a->file);
		gn_buf_puts(out, "\n    os: ");
		put_scalar(out, a->os);
		gn_buf_puts(out, "\n    arch: ");
		put_scalar(out, a->arch);
		gn_buf_printf(out, "\n    size: %lld\n    sha256: ", (long long)a->size);
		put_scalar(out, a->sha256);
		gn_buf_putc(out, '\n');
		if (a->signed_by) {
			gn_buf_puts(out, "    signed-by: ");
			put_scalar(out, a->signed_by);
			gn_buf_putc(out, '\n');
		}
		if (a->h1) {
			gn_buf_puts(out, "    h1: ");
			put_scalar(out, a->h1);
			gn_buf_putc(out, '\n');
		}
	}
	gn_buf_puts(out, lock->n_goroots ? "goroot:\n" : "goroot: {}\n");
	for (size_t i = 0; i < lock->n_goroots; i++) {
		const struct lock_goroot *g = &lock->goroots[i];
		char text[GN_PLATFORM_TEXT];

		gn_platform_format(&g->host, text, sizeof(text));
		gn_buf_puts(out, "  ");
		put_scalar(out, text);
		gn_buf_puts(out, ": ");
		put_tree(out, g->tree);
		gn_buf_putc(out, '\n');
	}
	if (lock->cc.zig) {
		put_cc(out, &lock->cc);
	}
}
