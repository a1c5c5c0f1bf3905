/*
 * manifest/gomod.c - the Go version a go.mod or go.work asks for.
 */
#include "manifest/gomod.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool
gomod_is_path(const char *go_value)
{
	return strcmp(go_value, "go.mod") == 0 || strcmp(go_value, "go.work") == 0 ||
	       ends_with(go_value, "/go.mod") || ends_with(go_value, "/go.work");
}

struct line_scan {
	const char *name;
	struct gn_error *err;
	int line;
	bool have_go, have_toolchain;
	struct gomod_version go, toolchain;
};

/* One whitespace-separated word of a line: start and length, or len 0. */
static size_t
next_word(const char *s, size_t len, size_t *pos, size_t *start)
{
	while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t' || s[*pos] == '\r')) {
		(*pos)++;
	}
	*start = *pos;
	while (*pos < len && s[*pos] != ' ' && s[*pos] != '\t' && s[*pos] != '\r') {
		(*pos)++;
	}
	return *pos - *start;
}

/* The go line's grammar (golang.org/x/mod/modfile's GoVersionRE):
 * 1.N, 1.N.P or 1.N<pre>K, digits without leading zeros. */
static bool
go_line_syntax(const char *v)
{
	const char *s = v;
	int parts = 0;

	for (;;) {
		if (!isdigit((unsigned char)*s) || (*s == '0' && isdigit((unsigned char)s[1]))) {
			return false;
		}
		while (isdigit((unsigned char)*s)) {
			s++;
		}
		parts++;
		if (*s != '.' || parts == 3) {
			break;
		}
		s++;
	}
	if (parts < 2) {
		return false;
	}
	if (*s == '\0') {
		return true;
	}
	/* a prerelease: letters then digits, only after 1.N */
	if (parts != 2 || !islower((unsigned char)*s)) {
		return false;
	}
	while (islower((unsigned char)*s)) {
		s++;
	}
	if (!isdigit((unsigned char)*s)) {
		return false;
	}
	while (isdigit((unsigned char)*s)) {
		s++;
	}
	return *s == '\0';
}

static int
take(struct line_scan *scan, const char *directive, const char *arg, size_t arg_len, int col)
{
	bool toolchain = strcmp(directive, "toolchain") == 0;
	struct gomod_version *out = toolchain ? &scan->toolchain : &scan->go;
	bool *have = toolchain ? &scan->have_toolchain : &scan->have_go;
	const char *version;

	if (*have) {
		return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
				   "repeated %s directive (the first is on line %d)", directive,
				   out->line);
	}
	if (arg_len == 0) {
		return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
				   "%s directive without a version", directive);
	}
	if (arg_len >= sizeof(out->text)) {
		return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
				   "%s: version too long", directive);
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->text, arg, arg_len);
	snprintf(out->directive, sizeof(out->directive), "%s", directive);
	out->line = scan->line;
	*have = true;

	if (toolchain) {
		if (strcmp(out->text, "default") == 0) {
			/* "use the go line's toolchain": as if absent */
			*have = false;
			return 0;
		}
		version = out->text;
		if (strncmp(version, "go", 2) != 0 || !go_line_syntax(version + 2)) {
			return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
					   "toolchain \"%s\" is not a Go release (e.g. toolchain "
					   "go1.21.5); gonative installs only released toolchains",
					   out->text);
		}
	} else {
		version = out->text;
		if (!go_line_syntax(version)) {
			return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
					   "go \"%s\" is not a Go version (e.g. go 1.21 or go 1.21.5)",
					   out->text);
		}
	}
	if (gn_goversion_parse(version, &out->version) != 0) {
		return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line, col,
				   "%s \"%s\" is not a Go version this gonative knows", directive,
				   out->text);
	}
	return 0;
}

/* One line (comment cut off): blocks are skipped, go and toolchain taken. */
static int
scan_line(struct line_scan *scan, const char *line, size_t line_len, int *block_depth)
{
	size_t pos = 0, start, n = next_word(line, line_len, &pos, &start);
	size_t arg_start, arg_len, extra_start;
	char word[16];

	if (n == 0) {
		return 0;
	}
	if (n == 1 && line[start] == ')') {
		*block_depth -= *block_depth > 0;
		return 0;
	}
	if (line_len > 0 && line[line_len - 1] == '(') {
		++*block_depth;
		return 0;
	}
	if (*block_depth > 0 || n >= sizeof(word)) {
		return 0;
	}
	memcpy(word, line + start, n);
	word[n] = '\0';
	if (strcmp(word, "go") != 0 && strcmp(word, "toolchain") != 0) {
		return 0;
	}
	arg_len = next_word(line, line_len, &pos, &arg_start);
	if (next_word(line, line_len, &pos, &extra_start) != 0) {
		return gn_error_at(scan->err, GN_E_MANIFEST, scan->name, scan->line,
				   (int)extra_start + 1, "%s directive takes one version, found more",
				   word);
	}
	return take(scan, word, line + arg_start, arg_len,
		    (int)(arg_len ? arg_start : start) + 1);
}

/* The version go.mod asks for, with Go's rule for a bare "go 1.N". */
static int
settle(struct line_scan *scan, const char *name, struct gomod_version *out,
       struct gn_error *err)
{
	if (scan->have_toolchain) {
		*out = scan->toolchain;
		out->exact = true;
		return 0;
	}
	if (!scan->have_go) {
		return gn_error_at(err, GN_E_MANIFEST, name, 0, 0,
				   "has no go or toolchain line to take the Go version from");
	}
	*out = scan->go;
	/* Since Go 1.21 the go line names a release: "1.22" is go1.22.0.  Before,
	 * it names a language version, served by the newest patch of that line. */
	if (out->version.has_patch || out->version.pre != GN_PRE_NONE) {
		out->exact = true;
	} else if (gn_goversion_at_least(&out->version, 1, 21)) {
		out->version.has_patch = true;
		out->version.patch = 0;
		out->exact = true;
	} else {
		out->exact = false;
	}
	return 0;
}

int
gomod_parse(const char *name, const char *data, size_t len, struct gomod_version *out,
	    struct gn_error *err)
{
	struct line_scan scan = {.name = name, .err = err};
	int block_depth = 0, rc;
	size_t at = 0;

	memset(out, 0, sizeof(*out));
	if (len > GOMOD_MAX_BYTES) {
		return gn_error_at(err, GN_E_MANIFEST, name, 0, 0,
				   "larger than the limit of %d bytes", GOMOD_MAX_BYTES);
	}
	if (memchr(data, '\0', len)) {
		return gn_error_at(err, GN_E_MANIFEST, name, 0, 0, "holds a NUL byte: not a %s",
				   strstr(name, "go.work") ? "go.work" : "go.mod");
	}
	while (at < len) {
		const char *line = data + at, *nl = memchr(line, '\n', len - at);
		size_t line_len = nl ? (size_t)(nl - line) : len - at;
		/* `//` starts a comment; module paths and versions never hold it. */
		const char *comment = memmem(line, line_len, "//", 2);

		at += line_len + (nl ? 1 : 0);
		scan.line++;
		if (comment) {
			line_len = (size_t)(comment - line);
		}
		if ((rc = scan_line(&scan, line, line_len, &block_depth)) != 0) {
			return rc;
		}
	}
	return settle(&scan, name, out, err);
}
