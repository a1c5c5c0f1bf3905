/*
 * tests/gn/test_shquote.c - the three quoters against tables written from
 * each shell's grammar.
 *
 * sh/bash/dash/zsh and fish are also run for real on every byte by
 * tests/e2e/test_23_shell_quoting.py; PowerShell is not packaged for the
 * test machine, so its table here is the check.  It follows
 * about_Quoting_Rules ("to include a single quotation mark in a
 * single-quoted string, use a second consecutive single quote") and the
 * PowerShell language specification, whose single-quote-character is any of
 * U+0027 ' U+2018 ' U+2019 ' U+201A ' U+201B '.
 */
#include "gn/buf.h"
#include "gn/shquote.h"
#include "tap.h"

#include <string.h>

/* The UTF-8 bytes of the quote characters PowerShell knows. */
#define LSQUO "\xe2\x80\x98"  /* U+2018 LEFT SINGLE QUOTATION MARK */
#define RSQUO "\xe2\x80\x99"  /* U+2019 RIGHT SINGLE QUOTATION MARK */
#define SBQUO "\xe2\x80\x9a"  /* U+201A SINGLE LOW-9 QUOTATION MARK */
#define SHRQUO "\xe2\x80\x9b" /* U+201B SINGLE HIGH-REVERSED-9 QUOTATION MARK */
#define LDQUO "\xe2\x80\x9c"  /* U+201C LEFT DOUBLE QUOTATION MARK: not special */
#define HBAR "\xe2\x80\x97"   /* U+2017 DOUBLE LOW LINE: E2 80 97, the byte before */

struct quote_case {
	enum gn_shell shell;
	const char *in;
	size_t len;	 /* 0: strlen(in) */
	const char *out; /* NULL: refused */
	const char *why; /* part of the refusal message */
};

/* clang-format off */
#define OK(shell, in, out) { shell, in, 0, out, NULL }
#define NO(shell, in, why) { shell, in, 0, NULL, why }
#define NO_LEN(shell, in, len, why) { shell, in, len, NULL, why }
/* clang-format on */

static const struct quote_case cases[] = {
	/* POSIX: nothing is special inside '...' but the quote itself. */
	OK(GN_SHELL_POSIX, "", "''"),
	OK(GN_SHELL_POSIX, "/opt/go", "'/opt/go'"),
	OK(GN_SHELL_POSIX, "a'b", "'a'\\''b'"),
	OK(GN_SHELL_POSIX, "'", "''\\'''"),
	OK(GN_SHELL_POSIX, "''", "''\\'''\\'''"),
	OK(GN_SHELL_POSIX, "a\\", "'a\\'"),
	OK(GN_SHELL_POSIX, "\\'", "'\\'\\'''"),
	OK(GN_SHELL_POSIX, "$(touch PWNED)`touch PWNED`", "'$(touch PWNED)`touch PWNED`'"),
	OK(GN_SHELL_POSIX, "; touch PWNED #", "'; touch PWNED #'"),
	OK(GN_SHELL_POSIX, "a\nb\r\t", "'a\nb\r\t'"),
	OK(GN_SHELL_POSIX, "\x01\x7f\x80\xff", "'\x01\x7f\x80\xff'"),
	OK(GN_SHELL_POSIX, RSQUO "!*?[~", "'" RSQUO "!*?[~'"),
	NO_LEN(GN_SHELL_POSIX, "a\0b", 3, "a NUL byte at byte 1"),
	NO_LEN(GN_SHELL_POSIX, "\0", 1, "NUL"),

	/* fish: inside '...' only \\ and \' are escapes; newline as '\n'. */
	OK(GN_SHELL_FISH, "", "''"),
	OK(GN_SHELL_FISH, "/opt/go", "'/opt/go'"),
	OK(GN_SHELL_FISH, "a'b", "'a\\'b'"),
	OK(GN_SHELL_FISH, "a\\b", "'a\\\\b'"),
	OK(GN_SHELL_FISH, "x\\", "'x\\\\'"),
	OK(GN_SHELL_FISH, "\\'", "'\\\\\\''"),
	OK(GN_SHELL_FISH, "a\nb", "'a'\\n'b'"),
	OK(GN_SHELL_FISH, "\n", "''\\n''"),
	OK(GN_SHELL_FISH, "\r\t\x01\x7f", "'\r\t\x01\x7f'"),
	OK(GN_SHELL_FISH, "(touch PWNED) $HOME {a,b} *", "'(touch PWNED) $HOME {a,b} *'"),
	OK(GN_SHELL_FISH, "caf\xc3\xa9 " RSQUO " \xf0\x9f\x90\x9f",
	   "'caf\xc3\xa9 " RSQUO " \xf0\x9f\x90\x9f'"),
	NO(GN_SHELL_FISH, "a\xff", "invalid UTF-8 at byte 1"),
	NO(GN_SHELL_FISH, "\x80", "invalid UTF-8"),
	NO(GN_SHELL_FISH, "\xe2\x80", "invalid UTF-8"),		/* cut short */
	NO(GN_SHELL_FISH, "\xc0\xa7", "invalid UTF-8"),		/* overlong ' */
	NO(GN_SHELL_FISH, "\xed\xa0\x80", "invalid UTF-8"),	/* surrogate */
	NO(GN_SHELL_FISH, "\xf4\x90\x80\x80", "invalid UTF-8"), /* > U+10FFFF */
	NO_LEN(GN_SHELL_FISH, "ab\0", 3, "a NUL byte at byte 2"),

	/* PowerShell: ' and U+2018..U+201B are doubled; nothing else changes. */
	OK(GN_SHELL_POWERSHELL, "", "''"),
	OK(GN_SHELL_POWERSHELL, "C:\\Go", "'C:\\Go'"),
	OK(GN_SHELL_POWERSHELL, "a'b", "'a''b'"),
	OK(GN_SHELL_POWERSHELL, "'", "''''"),
	OK(GN_SHELL_POWERSHELL, "a" LSQUO "b", "'a" LSQUO LSQUO "b'"),
	OK(GN_SHELL_POWERSHELL, "a" RSQUO "b", "'a" RSQUO RSQUO "b'"),
	OK(GN_SHELL_POWERSHELL, "a" SBQUO "b", "'a" SBQUO SBQUO "b'"),
	OK(GN_SHELL_POWERSHELL, "a" SHRQUO "b", "'a" SHRQUO SHRQUO "b'"),
	OK(GN_SHELL_POWERSHELL, "'" RSQUO "; calc; " LSQUO,
	   "'''" RSQUO RSQUO "; calc; " LSQUO LSQUO "'"),
	OK(GN_SHELL_POWERSHELL, LSQUO RSQUO SBQUO SHRQUO,
	   "'" LSQUO LSQUO RSQUO RSQUO SBQUO SBQUO SHRQUO SHRQUO "'"),
	/* Special only in double-quoted strings or outside strings. */
	OK(GN_SHELL_POWERSHELL, "$env:HOME `n $(calc) \" " LDQUO " " HBAR " @{}",
	   "'$env:HOME `n $(calc) \" " LDQUO " " HBAR " @{}'"),
	OK(GN_SHELL_POWERSHELL, "a\\", "'a\\'"),
	OK(GN_SHELL_POWERSHELL, "\t\x01\x7f caf\xc3\xa9 \xf0\x9f\x90\x9f",
	   "'\t\x01\x7f caf\xc3\xa9 \xf0\x9f\x90\x9f'"),
	NO(GN_SHELL_POWERSHELL, "a\nb", "a line break at byte 1"),
	NO(GN_SHELL_POWERSHELL, "a\rb", "a line break"),
	NO(GN_SHELL_POWERSHELL, "\xe2\x80\x99\xff", "invalid UTF-8 at byte 3"),
	NO(GN_SHELL_POWERSHELL, "\xe2\x80", "invalid UTF-8"),
	NO(GN_SHELL_POWERSHELL, "\xc0\xa7", "invalid UTF-8"),
	NO_LEN(GN_SHELL_POWERSHELL, "'\0", 2, "NUL"),
};

static int
quote(enum gn_shell shell, struct gn_buf *out, const char *s, size_t len, struct gn_error *err)
{
	switch (shell) {
	case GN_SHELL_FISH:
		return gn_shquote_fish(out, s, len, err);
	case GN_SHELL_POWERSHELL:
		return gn_shquote_powershell(out, s, len, err);
	case GN_SHELL_POSIX:
	default:
		return gn_shquote_posix(out, s, len, err);
	}
}

static void
test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct quote_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct gn_error err;
		struct gn_buf out;
		int rc;

		gn_error_clear(&err);
		gn_buf_init(&out);
		gn_buf_puts(&out, "X");
		rc = quote(c->shell, &out, c->in, len, &err);
		if (c->out) {
			TAP_EQ_INT(rc, 0, "%s case %zu accepted", gn_shell_name(c->shell), i);
			TAP_EQ_STR(out.data + 1, c->out, "%s case %zu quotes as the grammar says",
				   gn_shell_name(c->shell), i);
		} else {
			TAP_EQ_INT(rc, -GN_E_USAGE, "%s case %zu refused", gn_shell_name(c->shell),
				   i);
			TAP_EQ_STR(out.data, "X", "%s case %zu leaves the buffer as it was",
				   gn_shell_name(c->shell), i);
			if (!TAP_OK(strstr(err.message, c->why) != NULL &&
					    strstr(err.message, gn_shell_name(c->shell)) != NULL,
				    "%s case %zu says why: %s", gn_shell_name(c->shell), i,
				    c->why)) {
				tap_diag("message: %s", err.message);
			}
			TAP_OK(err.expected[0] != '\0' && err.got[0] != '\0',
			       "%s case %zu fills expected and got", gn_shell_name(c->shell), i);
		}
		gn_buf_free(&out);
	}
}

/* The dispatcher picks the quoter and takes a C string. */
static void
test_dispatch(void)
{
	static const char *const want[] = { "'a'\\''\\'", "'a\\'\\\\'", "'a''\\'" };
	static const enum gn_shell shells[] = { GN_SHELL_POSIX, GN_SHELL_FISH,
						GN_SHELL_POWERSHELL };

	for (size_t i = 0; i < 3; i++) {
		struct gn_error err;
		struct gn_buf out;

		gn_error_clear(&err);
		gn_buf_init(&out);
		TAP_EQ_INT(gn_shquote(&out, shells[i], "a'\\", &err), 0, "gn_shquote %s",
			   gn_shell_name(shells[i]));
		TAP_EQ_STR(out.data, want[i], "gn_shquote %s output", gn_shell_name(shells[i]));
		gn_buf_free(&out);
	}
	TAP_EQ_STR(gn_shell_name(GN_SHELL_POSIX), "sh", "name sh");
	TAP_EQ_STR(gn_shell_name(GN_SHELL_FISH), "fish", "name fish");
	TAP_EQ_STR(gn_shell_name(GN_SHELL_POWERSHELL), "powershell", "name powershell");
}

/* Every single byte 0x01..0xFF: POSIX takes each as it is; fish and
 * PowerShell take ASCII (but PowerShell not CR/LF) and refuse each lone
 * byte >= 0x80, which is never valid UTF-8 alone. */
static void
test_every_byte(void)
{
	int posix_ok = 0, fish_ok = 0, ps_ok = 0;

	for (int b = 1; b <= 0xff; b++) {
		char in[2] = { (char)b, '\0' };
		char want[8];
		struct gn_error err;
		struct gn_buf out;
		int rc;

		gn_buf_init(&out);
		gn_error_clear(&err);
		rc = gn_shquote_posix(&out, in, 1, &err);
		snprintf(want, sizeof(want), b == '\'' ? "''\\'''" : "'%c'", b);
		posix_ok += rc == 0 && strcmp(out.data, want) == 0;

		gn_buf_reset(&out);
		rc = gn_shquote_fish(&out, in, 1, &err);
		if (b == '\'' || b == '\\') {
			snprintf(want, sizeof(want), "'\\%c'", b);
		} else if (b == '\n') {
			snprintf(want, sizeof(want), "''\\n''");
		} else {
			snprintf(want, sizeof(want), "'%c'", b);
		}
		fish_ok += b < 0x80 ? rc == 0 && strcmp(out.data, want) == 0
				    : rc == -GN_E_USAGE && out.len == 0;

		gn_buf_reset(&out);
		rc = gn_shquote_powershell(&out, in, 1, &err);
		snprintf(want, sizeof(want), b == '\'' ? "''''" : "'%c'", b);
		ps_ok += b < 0x80 && b != '\n' && b != '\r' ? rc == 0 && strcmp(out.data, want) == 0
							    : rc == -GN_E_USAGE && out.len == 0;
		gn_buf_free(&out);
	}
	TAP_EQ_INT(posix_ok, 255, "posix: every byte 0x01..0xff as the grammar says");
	TAP_EQ_INT(fish_ok, 255, "fish: every byte 0x01..0xff as the grammar says");
	TAP_EQ_INT(ps_ok, 255, "powershell: every byte 0x01..0xff as the grammar says");
}

int
main(void)
{
	test_table();
	test_dispatch();
	test_every_byte();
	return tap_done();
}
