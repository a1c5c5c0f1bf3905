/*
 * tests/gn/test_error.c - the error context: a new error starts empty.
 */
#include "gn/error.h"
#include "tap.h"

#include <string.h>

/* A fetch from mirror 1 failed with every detail set. */
static void
mirror_one_failed(struct gn_error *err)
{
	gn_error_clear(err);
	gn_error_at(err, GN_E_FETCH, "old.lock", 3, 7, "mirror 1 failed");
	gn_error_url(err, "http://mirror-1/go1.21.5.linux-amd64.tar.gz.minisig");
	gn_error_values(err, "aaaa", "bbbb");
}

static void
test_set_clears(void)
{
	struct gn_error err;
	char text[2048];

	mirror_one_failed(&err);
	TAP_EQ_INT(gn_error_set(&err, GN_E_SIGNATURE, "mirror 2: bad signature"), -GN_E_SIGNATURE,
		   "gn_error_set returns -code");
	TAP_EQ_INT(err.code, GN_E_SIGNATURE, "set: new code");
	TAP_EQ_STR(err.message, "mirror 2: bad signature", "set: new message");
	TAP_EQ_STR(err.url, "", "set: mirror 1's URL is gone");
	TAP_EQ_STR(err.expected, "", "set: old expected value is gone");
	TAP_EQ_STR(err.got, "", "set: old got value is gone");
	TAP_EQ_STR(err.file, "", "set: old file is gone");
	TAP_OK(err.line == 0 && err.col == 0, "set: old line:col is gone");
	gn_error_format(&err, text, sizeof(text));
	TAP_EQ_STR(text, "mirror 2: bad signature", "formatted: nothing from mirror 1");
}

static void
test_at_clears(void)
{
	struct gn_error err;
	char text[2048];

	mirror_one_failed(&err);
	gn_error_at(&err, GN_E_SIGNATURE, "http://mirror-2/x.minisig", 0, 0,
		    "x is signed by an untrusted key");
	TAP_EQ_STR(err.file, "http://mirror-2/x.minisig", "at: new file");
	TAP_OK(err.line == 0 && err.col == 0, "at: new line:col");
	TAP_EQ_STR(err.url, "", "at: mirror 1's URL is gone");
	TAP_OK(!err.expected[0] && !err.got[0], "at: old expected/got are gone");
	gn_error_url(&err, "http://mirror-2/x");
	gn_error_values(&err, "key A", "key B");
	gn_error_format(&err, text, sizeof(text));
	TAP_OK(strstr(text, "mirror-2/x") && !strstr(text, "mirror-1") && strstr(text, "key A") &&
		       !strstr(text, "aaaa"),
	       "formatted: mirror 2's details only");
	if (strstr(text, "mirror-1") || strstr(text, "aaaa")) {
		tap_diag("%s", text);
	}
}

/* Wrapping an error in a new message: the arguments may point into err. */
static void
test_self_reference(void)
{
	struct gn_error err;

	mirror_one_failed(&err);
	gn_error_set(&err, GN_E_INDEX, "while reading %s: %s", err.file, err.message);
	TAP_EQ_STR(err.message, "while reading old.lock: mirror 1 failed",
		   "message built from the old context before it is cleared");
	mirror_one_failed(&err);
	gn_error_at(&err, GN_E_LOCK, err.file, 9, 1, "%s", err.url);
	TAP_EQ_STR(err.file, "old.lock", "file argument may be err->file");
	TAP_EQ_STR(err.message, "http://mirror-1/go1.21.5.linux-amd64.tar.gz.minisig",
		   "message argument may be err->url");
	TAP_EQ_STR(err.url, "", "... and the URL itself is still cleared");
}

/* The one out-of-memory helper: a fresh error, nothing left of the old one. */
static void
test_nomem(void)
{
	struct gn_error err;

	mirror_one_failed(&err);
	TAP_EQ_INT(gn_error_nomem(&err), -GN_E_NOMEM, "nomem: returns -GN_E_NOMEM");
	TAP_EQ_INT(err.code, GN_E_NOMEM, "nomem: code");
	TAP_EQ_STR(err.message, "out of memory", "nomem: message");
	TAP_OK(!err.url[0] && !err.file[0] && !err.expected[0] && !err.got[0],
	       "nomem: old URL, file, expected and got are gone");
	TAP_EQ_INT(gn_error_nomem(NULL), -GN_E_NOMEM, "nomem: NULL err");
}

static void
test_null(void)
{
	TAP_EQ_INT(gn_error_set(NULL, GN_E_IO, "x"), -GN_E_IO, "NULL err: still -code");
	TAP_EQ_INT(gn_error_at(NULL, GN_E_LOCK, "f", 1, 2, "x"), -GN_E_LOCK, "NULL err (at)");
}

int
main(void)
{
	test_set_clears();
	test_at_clears();
	test_self_reference();
	test_nomem();
	test_null();
	return tap_done();
}
