#include "gn/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
gn_buf_init(struct gn_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
}

void
gn_buf_free(struct gn_buf *buf)
{
	free(buf->data);
	gn_buf_init(buf);
}

void
gn_buf_reset(struct gn_buf *buf)
{
	buf->len = 0;
	if (buf->data) {
		buf->data[0] = '\0';
	}
}

static bool
reserve(struct gn_buf *buf, size_t extra)
{
	size_t want;
	char *grown;

	if (buf->failed) {
		return false;
	}
	if (extra >= (size_t)-1 / 2 - buf->len) {
		buf->failed = true;
		return false;
	}
	want = buf->len + extra + 1;
	if (want <= buf->cap) {
		return true;
	}
	if (want < buf->cap * 2) {
		want = buf->cap * 2;
	}
	if (want < 256) {
		want = 256;
	}
	grown = realloc(buf->data, want);
	if (!grown) {
		buf->failed = true;
		return false;
	}
	buf->data = grown;
	buf->cap = want;
	return true;
}

void
gn_buf_append(struct gn_buf *buf, const void *data, size_t len)
{
	if (!reserve(buf, len)) {
		return;
	}
	if (len) {
		memcpy(buf->data + buf->len, data, len);
	}
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void
gn_buf_puts(struct gn_buf *buf, const char *s)
{
	gn_buf_append(buf, s, strlen(s));
}

void
gn_buf_putc(struct gn_buf *buf, char c)
{
	gn_buf_append(buf, &c, 1);
}

void
gn_buf_printf(struct gn_buf *buf, const char *fmt, ...)
{
	va_list ap, again;
	int n;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && reserve(buf, (size_t)n)) {
		vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, again);
		buf->len += (size_t)n;
	}
	va_end(again);
}

void
gn_buf_json_string(struct gn_buf *buf, const char *s)
{
	gn_buf_putc(buf, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			gn_buf_puts(buf, "\\\"");
			break;
		case '\\':
			gn_buf_puts(buf, "\\\\");
			break;
		case '\n':
			gn_buf_puts(buf, "\\n");
			break;
		case '\t':
			gn_buf_puts(buf, "\\t");
			break;
		case '\r':
			gn_buf_puts(buf, "\\r");
			break;
		default:
			if (c < 0x20) {
				gn_buf_printf(buf, "\\u%04x", c);
			} else {
				gn_buf_putc(buf, (char)c);
			}
		}
	}
	gn_buf_putc(buf, '"');
}
