/*
 * tests/manifest/test_gomod.c - the Go version a go.mod or go.work asks for
 * (manifest/gomod.h), with the go command's semantics.
 */
#include "manifest/gomod.h"

#include "tap.h"

#include <stdio.h>
#include <string.h>

static int
parse(const char *text, struct gomod_version *out, struct gn_error *err)
{
	gn_error_clear(err);
	return gomod_parse("go.mod", text, strlen(text), out, err);
}

/* The version gomod_parse chose, as the index spells it, plus "line" when it
 * means the newest patch of that line. */
static void
expect(const char *text, const char *want, bool exact, int line, const char *what)
{
	struct gomod_version v;
	struct gn_error err;
	char got[64];
	int rc = parse(text, &v, &err);

	if (!TAP_OK(rc == 0, "%s: parses", what)) {
		tap_diag("error: %s", err.message);
		return;
	}
	gn_goversion_format(&v.version, got, sizeof(got));
	TAP_EQ_STR(got, want, "%s: version", what);
	TAP_OK(v.exact == exact, "%s: %s", what, exact ? "exact" : "newest patch of the line");
	TAP_EQ_INT(v.line, line, "%s: directive line", what);
}

static void
refuse(const char *text, int line, int col, const char *needle, const char *what)
{
	struct gomod_version v;
	struct gn_error err;
	int rc = parse(text, &v, &err);

	TAP_EQ_INT(rc, -GN_E_MANIFEST, "%s: refused (exit 2)", what);
	TAP_EQ_INT(err.line, line, "%s: error line", what);
	TAP_EQ_INT(err.col, col, "%s: error column", what);
	if (!TAP_OK(strstr(err.message, needle) != NULL, "%s: message says %s", what, needle)) {
		tap_diag("message: %s", err.message);
	}
	TAP_EQ_STR(err.file, "go.mod", "%s: error names the file", what);
}

int
main(void)
{
	TAP_OK(gomod_is_path("go.mod") && gomod_is_path("go.work") &&
		       gomod_is_path("../app/go.mod") && gomod_is_path("/abs/go.work"),
	       "go.mod and go.work paths are recognised");
	TAP_OK(!gomod_is_path("1.21") && !gomod_is_path("stable") && !gomod_is_path("xgo.mod") &&
		       !gomod_is_path("go.mod.bak"),
	       "versions and look-alikes are not paths");

	expect("module example.com/m\n\ngo 1.21\n", "go1.21.0", true, 3,
	       "go 1.21 means go1.21.0");
	expect("module m\ngo 1.22\n", "go1.22.0", true, 2, "go 1.22 means go1.22.0");
	expect("module m\ngo 1.19\n", "go1.19", false, 2, "go 1.19 is the 1.19 line");
	expect("module m\ngo 1.20\n", "go1.20", false, 2, "go 1.20 is the 1.20 line");
	expect("module m\ngo 1.21.5\n", "go1.21.5", true, 2, "go 1.21.5 is exact");
	expect("module m\ngo 1.22rc1\n", "go1.22rc1", true, 2, "go 1.22rc1 is exact");
	expect("module m\n\ngo 1.21\n\ntoolchain go1.21.5\n", "go1.21.5", true, 5,
	       "toolchain wins over go");
	expect("module m\ntoolchain go1.22.1\ngo 1.21\n", "go1.22.1", true, 2,
	       "toolchain wins whatever the order");
	expect("module m\ngo 1.21\ntoolchain default\n", "go1.21.0", true, 2,
	       "toolchain default falls back to the go line");
	expect("// go 1.9 in a comment\nmodule m // go 1.8\n\trequire (\n\tgo 1.7 // not a "
	       "directive in a block\n\texample.com/x v1.0.0\n)\ngo 1.21.4 // trailing comment\n",
	       "go1.21.4", true, 7, "comments and blocks are skipped");
	expect("go 1.21.3\r\n", "go1.21.3", true, 1, "CRLF line ends");
	expect("go 1.21\n\nuse (\n\t./a\n\t./b\n)\n", "go1.21.0", true, 1, "a go.work");
	expect("module m\ngo\t1.18\n", "go1.18", false, 2, "a tab between directive and version");

	refuse("module m\n", 0, 0, "no go or toolchain line", "no directive");
	refuse("module m\ngo 1.x\n", 2, 4, "not a Go version", "go 1.x");
	refuse("module m\ngo go1.21\n", 2, 4, "not a Go version", "go line with a go prefix");
	refuse("module m\ngo 1.021\n", 2, 4, "not a Go version", "leading zero");
	refuse("module m\ngo 1.21\ngo 1.22\n", 3, 4, "repeated go directive", "two go lines");
	refuse("module m\ngo 1.21 1.22\n", 2, 9, "one version", "two versions on one line");
	refuse("module m\ngo\n", 2, 1, "without a version", "go without a version");
	refuse("module m\ngo 1.21\ntoolchain 1.21.5\n", 3, 11, "not a Go release",
	       "toolchain without the go prefix");
	refuse("module m\ngo 1.21\ntoolchain go1.21.5-custom\n", 3, 11, "not a Go release",
	       "custom toolchain names are refused");
	{
		struct gomod_version v;
		struct gn_error err;
		char nul[] = "go 1.21\0\n";

		gn_error_clear(&err);
		TAP_EQ_INT(gomod_parse("go.mod", nul, sizeof(nul) - 1, &v, &err), -GN_E_MANIFEST,
			   "a NUL byte is refused");
	}
	return tap_done();
}
