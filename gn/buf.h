/*
 * gn/buf.h - growable byte buffer, always NUL-terminated after data[len].
 *
 * The buffer owns data; release it with gn_buf_free().  On allocation
 * failure the buffer records it in `failed` and later appends are no-ops,
 * so writers check once at the end.
 */
#ifndef GN_BUF_H
#define GN_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct gn_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void gn_buf_init(struct gn_buf *buf);
void gn_buf_free(struct gn_buf *buf);
void gn_buf_reset(struct gn_buf *buf);
void gn_buf_append(struct gn_buf *buf, const void *data, size_t len);
void gn_buf_puts(struct gn_buf *buf, const char *s);
void gn_buf_putc(struct gn_buf *buf, char c);
void gn_buf_printf(struct gn_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void gn_buf_json_string(struct gn_buf *buf, const char *s);

#endif
