/*
 * lockfiles/index_write.c - the go.dev release index: JSON out, byte for
 * byte as go.dev's encoding/json writes it (lock_index_write()).
 */
#include "lockfiles/index.h"

#include "gn/buf.h"
#include "gn/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A JSON string as Go's encoding/json writes it (HTML-safe escaping on). */
static void
put_go_string(struct gn_buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	gn_buf_putc(out, '"');
	while (*p) {
		uint32_t cp;
		size_t n;

		switch (*p) {
		case '"':
			gn_buf_puts(out, "\\\"");
			p++;
			continue;
		case '\\':
			gn_buf_puts(out, "\\\\");
			p++;
			continue;
		case '\b':
			gn_buf_puts(out, "\\b");
			p++;
			continue;
		case '\f':
			gn_buf_puts(out, "\\f");
			p++;
			continue;
		case '\n':
			gn_buf_puts(out, "\\n");
			p++;
			continue;
		case '\r':
			gn_buf_puts(out, "\\r");
			p++;
			continue;
		case '\t':
			gn_buf_puts(out, "\\t");
			p++;
			continue;
		case '<':
		case '>':
		case '&':
			gn_buf_printf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			gn_buf_printf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
			p++;
			continue;
		}
		n = gn_utf8_decode(p, &cp);
		if (n == 0) {
			gn_buf_puts(out, "\\ufffd");
			p++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			gn_buf_printf(out, "\\u%04x", (unsigned)cp);
		} else {
			gn_buf_append(out, p, n);
		}
		p += n;
	}
	gn_buf_putc(out, '"');
}

static void
put_field(struct gn_buf *out, const char *indent, const char *key, const char *value, bool last)
{
	gn_buf_puts(out, indent);
	put_go_string(out, key);
	gn_buf_puts(out, ": ");
	put_go_string(out, value ? value : "");
	gn_buf_puts(out, last ? "\n" : ",\n");
}

void
lock_index_write(const struct lock_index *index, struct gn_buf *out)
{
	if (index->n_releases == 0) {
		gn_buf_puts(out, "[]\n");
		return;
	}
	gn_buf_puts(out, "[\n");
	for (size_t r = 0; r < index->n_releases; r++) {
		const struct lock_index_release *rel = &index->releases[r];

		gn_buf_puts(out, " {\n");
		put_field(out, "  ", "version", rel->version, false);
		gn_buf_printf(out, "  \"stable\": %s,\n", rel->stable ? "true" : "false");
		if (rel->n_files == 0) {
			gn_buf_puts(out, "  \"files\": []\n");
		} else {
			gn_buf_puts(out, "  \"files\": [\n");
			for (size_t i = 0; i < rel->n_files; i++) {
				const struct lock_index_file *f = &rel->files[i];

				gn_buf_puts(out, "   {\n");
				put_field(out, "    ", "filename", f->filename, false);
				put_field(out, "    ", "os", f->os, false);
				put_field(out, "    ", "arch", f->arch, false);
				put_field(out, "    ", "version", f->version, false);
				put_field(out, "    ", "sha256", f->sha256, false);
				gn_buf_printf(out, "    \"size\": %lld,\n", (long long)f->size);
				put_field(out, "    ", "kind", f->kind, true);
				gn_buf_puts(out, i + 1 < rel->n_files ? "   },\n" : "   }\n");
			}
			gn_buf_puts(out, "  ]\n");
		}
		gn_buf_puts(out, r + 1 < index->n_releases ? " },\n" : " }\n");
	}
	gn_buf_puts(out, "]\n");
}
