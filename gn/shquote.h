/*
 * gn/shquote.h - quote text as one literal word for a shell to read back.
 *
 * Each shell has its own single-quote grammar, so each gets its own quoter:
 *
 *   POSIX (sh, bash, dash, zsh)  '...'  nothing is special inside but the
 *       closing quote; a quote is written as '\'' (close, escaped quote,
 *       reopen).  Any byte but NUL can stand inside.
 *   fish  '...'  \' and \\ are the only escapes inside (fish's "Quotes"
 *       documentation); every other backslash is literal.  A newline is
 *       written '\n' (the escape outside quotes) so the output stays one
 *       line per word: `eval (cmd)` splits at newlines.
 *   PowerShell  '...'  a verbatim string; U+0027 and U+2018..U+201B all
 *       open and close it (about_Quoting_Rules), so each of them is written
 *       twice inside; nothing else is special.
 *
 * Text that a shell cannot hold is refused, never written half-safe:
 * a NUL byte (no shell keeps one in a word); for fish and PowerShell
 * invalid UTF-8 (both decode their input as Unicode text, so the value
 * would change and a stray byte could be read as a quote); for PowerShell
 * CR and LF (`cmd | Invoke-Expression` runs each line on its own, so the
 * tail of a string split across lines would run as code).
 *
 * The quoters append to a caller-owned gn_buf and touch it only when the
 * text is accepted; on refusal they return -GN_E_USAGE and fill err (the
 * message names the shell and the offset, err->got shows the text with
 * non-printable bytes as \xNN).  Callers check buf->failed for ENOMEM.
 */
#ifndef GN_SHQUOTE_H
#define GN_SHQUOTE_H

#include "gn/buf.h"
#include "gn/error.h"

#include <stddef.h>

enum gn_shell {
	GN_SHELL_POSIX,
	GN_SHELL_FISH,
	GN_SHELL_POWERSHELL,
};

int gn_shquote_posix(struct gn_buf *out, const char *s, size_t len, struct gn_error *err);
int gn_shquote_fish(struct gn_buf *out, const char *s, size_t len, struct gn_error *err);
int gn_shquote_powershell(struct gn_buf *out, const char *s, size_t len, struct gn_error *err);

/* The quoter for shell; s is NUL-terminated. */
int gn_shquote(struct gn_buf *out, enum gn_shell shell, const char *s, struct gn_error *err);

/* "sh", "fish" or "powershell" (static). */
const char *gn_shell_name(enum gn_shell shell);

#endif
