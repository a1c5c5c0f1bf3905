#include "gn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int exit_code;
	const char *message;
} gn_error_table[] = {
#define GN_ERROR_ROW(name, exit_code, message) { #name, exit_code, message },
	GN_ERRORS(GN_ERROR_ROW)
#undef GN_ERROR_ROW
};

static enum gn_code
clamp(enum gn_code code)
{
	if ((int)code < 0 || code >= GN_CODE_COUNT) {
		return GN_E_IO;
	}
	return code;
}

void
gn_error_clear(struct gn_error *err)
{
	if (err) {
		memset(err, 0, sizeof(*err));
	}
}

/*
 * A new failure starts from an empty context: nothing (a URL, expected and
 * got values) may leak from an earlier one into it.  The message is
 * formatted first, since its arguments may point into err itself.
 */
static void
set_error(struct gn_error *err, enum gn_code code, const char *file, int line, int col,
	  const char *fmt, va_list ap)
{
	char message[GN_ERR_TEXT], where[GN_ERR_TEXT];

	vsnprintf(message, sizeof(message), fmt, ap);
	snprintf(where, sizeof(where), "%s", file ? file : "");
	memset(err, 0, sizeof(*err));
	err->code = clamp(code);
	memcpy(err->message, message, sizeof(err->message));
	memcpy(err->file, where, sizeof(err->file));
	err->line = line;
	err->col = col;
}

int
gn_error_set(struct gn_error *err, enum gn_code code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		set_error(err, code, NULL, 0, 0, fmt, ap);
		va_end(ap);
	}
	return -(int)clamp(code);
}

int
gn_error_at(struct gn_error *err, enum gn_code code, const char *file, int line, int col,
	    const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		set_error(err, code, file, line, col, fmt, ap);
		va_end(ap);
	}
	return -(int)clamp(code);
}

int
gn_error_nomem(struct gn_error *err)
{
	return gn_error_set(err, GN_E_NOMEM, "out of memory");
}

void
gn_error_url(struct gn_error *err, const char *url)
{
	if (err) {
		snprintf(err->url, sizeof(err->url), "%s", url ? url : "");
	}
}

void
gn_error_file(struct gn_error *err, const char *file)
{
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	}
}

void
gn_error_values(struct gn_error *err, const char *expected, const char *got)
{
	if (err) {
		snprintf(err->expected, sizeof(err->expected), "%s", expected ? expected : "");
		snprintf(err->got, sizeof(err->got), "%s", got ? got : "");
	}
}

const char *
gn_code_name(enum gn_code code)
{
	return gn_error_table[clamp(code)].name;
}

const char *
gn_code_message(enum gn_code code)
{
	return gn_error_table[clamp(code)].message;
}

int
gn_code_exit(enum gn_code code)
{
	return gn_error_table[clamp(code)].exit_code;
}

enum gn_code
gn_code_of(int rc)
{
	if (rc >= 0) {
		return GN_OK;
	}
	return clamp((enum gn_code) - rc);
}

void
gn_error_format(const struct gn_error *err, char *buf, size_t len)
{
	size_t used = 0;
	int n;

	if (len == 0) {
		return;
	}
	buf[0] = '\0';
#define APPEND(...)                                                                                \
	do {                                                                                       \
		n = snprintf(buf + used, len - used, __VA_ARGS__);                                 \
		if (n < 0 || (size_t)n >= len - used) {                                            \
			return;                                                                    \
		}                                                                                  \
		used += (size_t)n;                                                                 \
	} while (0)
	if (err->file[0] && err->line > 0 && err->col > 0) {
		APPEND("%s:%d:%d: ", err->file, err->line, err->col);
	} else if (err->file[0] && err->line > 0) {
		APPEND("%s:%d: ", err->file, err->line);
	} else if (err->file[0]) {
		APPEND("%s: ", err->file);
	}
	APPEND("%s", err->message[0] ? err->message : gn_code_message(err->code));
	if (err->url[0]) {
		APPEND("\n  url:      %s", err->url);
	}
	if (err->expected[0] || err->got[0]) {
		APPEND("\n  expected: %s\n  got:      %s", err->expected, err->got);
	}
#undef APPEND
}
