/* gn/shquote.c - one quoter per shell grammar (see gn/shquote.h) */
#include "gn/shquote.h"
#include "gn/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* err->got: the text with bytes outside printable ASCII as \xNN, cut short
 * with "..." when it does not fit. */
static void
show_text(char *dst, size_t cap, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char piece[5];
		size_t plen;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			piece[0] = (char)c;
			piece[1] = '\0';
		} else if (c == '\\') {
			snprintf(piece, sizeof(piece), "\\\\");
		} else {
			snprintf(piece, sizeof(piece), "\\x%02x", c);
		}
		plen = strlen(piece);
		if (n + plen + 4 > cap) {
			snprintf(dst + n, cap - n, "...");
			return;
		}
		memcpy(dst + n, piece, plen);
		n += plen;
	}
	dst[n] = '\0';
}

static int
refuse(struct gn_error *err, enum gn_shell shell, const char *s, size_t len, size_t at,
       const char *what, const char *expected)
{
	int rc = gn_error_set(err, GN_E_USAGE, "cannot quote text for %s: %s at byte %zu (0x%02x)",
			      gn_shell_name(shell), what, at, (unsigned char)s[at]);

	if (err) {
		snprintf(err->expected, sizeof(err->expected), "%s", expected);
		show_text(err->got, sizeof(err->got), s, len);
	}
	return rc;
}

/* NUL anywhere: no shell keeps it inside a word. */
static int
check_no_nul(enum gn_shell shell, const char *s, size_t len, struct gn_error *err)
{
	const char *nul = memchr(s, '\0', len);

	if (nul) {
		return refuse(err, shell, s, len, (size_t)(nul - s), "a NUL byte",
			      "text without NUL bytes");
	}
	return 0;
}

/* Text that fish and PowerShell decode as Unicode must be valid UTF-8. */
static int
check_utf8(enum gn_shell shell, const char *s, size_t len, struct gn_error *err)
{
	static const char expected[] = "valid UTF-8 without NUL bytes";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char seq[5] = { 0 };
		uint32_t cp;
		size_t n;

		if (u[i] == 0) {
			return refuse(err, shell, s, len, i, "a NUL byte", expected);
		}
		/* A NUL-padded copy: the decoder may look 3 bytes ahead, past len,
		 * and a sequence cut short by the end then fails on the padding. */
		memcpy(seq, u + i, len - i < 4 ? len - i : 4);
		n = u[i] < 0x80 ? 1 : gn_utf8_decode(seq, &cp);
		if (n == 0 || n > len - i) {
			return refuse(err, shell, s, len, i, "invalid UTF-8", expected);
		}
		i += n;
	}
	return 0;
}

int
gn_shquote_posix(struct gn_buf *out, const char *s, size_t len, struct gn_error *err)
{
	int rc = check_no_nul(GN_SHELL_POSIX, s, len, err);

	if (rc < 0) {
		return rc;
	}
	gn_buf_putc(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'') {
			/* Close, an escaped quote outside, reopen. */
			gn_buf_puts(out, "'\\''");
		} else {
			gn_buf_putc(out, s[i]);
		}
	}
	gn_buf_putc(out, '\'');
	return 0;
}

int
gn_shquote_fish(struct gn_buf *out, const char *s, size_t len, struct gn_error *err)
{
	int rc = check_utf8(GN_SHELL_FISH, s, len, err);

	if (rc < 0) {
		return rc;
	}
	gn_buf_putc(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			/* Close, fish's \n escape outside quotes, reopen: the line
			 * stays whole for `eval (gonative env)`, which splits the
			 * output at newlines. */
			gn_buf_puts(out, "'\\n'");
			continue;
		}
		if (s[i] == '\'' || s[i] == '\\') {
			gn_buf_putc(out, '\\');
		}
		gn_buf_putc(out, s[i]);
	}
	gn_buf_putc(out, '\'');
	return 0;
}

/* Length of a PowerShell single-quote character at s (U+0027, or U+2018..
 * U+201B as E2 80 98..9B), else 0. */
static size_t
powershell_quote_at(const unsigned char *s, size_t left)
{
	if (s[0] == '\'') {
		return 1;
	}
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x98 && s[2] <= 0x9b) {
		return 3;
	}
	return 0;
}

int
gn_shquote_powershell(struct gn_buf *out, const char *s, size_t len, struct gn_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	int rc = check_utf8(GN_SHELL_POWERSHELL, s, len, err);

	if (rc < 0) {
		return rc;
	}
	/* `... | Invoke-Expression` runs each line on its own: a string
	 * split across lines would leave its tail to run as code. */
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			return refuse(err, GN_SHELL_POWERSHELL, s, len, i, "a line break",
				      "valid UTF-8 without NUL, CR or LF");
		}
	}
	gn_buf_putc(out, '\'');
	for (size_t i = 0; i < len;) {
		size_t q = powershell_quote_at(u + i, len - i);

		if (q > 0) {
			/* Any quote character doubled stands for itself. */
			gn_buf_append(out, s + i, q);
			gn_buf_append(out, s + i, q);
			i += q;
		} else {
			gn_buf_putc(out, s[i]);
			i++;
		}
	}
	gn_buf_putc(out, '\'');
	return 0;
}

int
gn_shquote(struct gn_buf *out, enum gn_shell shell, const char *s, struct gn_error *err)
{
	switch (shell) {
	case GN_SHELL_FISH:
		return gn_shquote_fish(out, s, strlen(s), err);
	case GN_SHELL_POWERSHELL:
		return gn_shquote_powershell(out, s, strlen(s), err);
	case GN_SHELL_POSIX:
	default:
		return gn_shquote_posix(out, s, strlen(s), err);
	}
}

const char *
gn_shell_name(enum gn_shell shell)
{
	switch (shell) {
	case GN_SHELL_FISH:
		return "fish";
	case GN_SHELL_POWERSHELL:
		return "powershell";
	case GN_SHELL_POSIX:
	default:
		return "sh";
	}
}
