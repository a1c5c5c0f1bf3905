/*
 * tests/network/test_netrc.c - builder/netrc.c: machine entries, default,
 * macdef, quoting, case, missing files, values too long for the buffers.
 */
#include "builder/netrc.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/gonative-netrc-XXXXXX";

static const char *
write_netrc(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static void
expect(const char *path, const char *host, const char *login, const char *password,
       const char *what)
{
	char l[64] = "", p[64] = "";
	bool found = netrc_lookup(path, host, l, sizeof(l), p, sizeof(p));

	if (!login) {
		TAP_OK(!found, "%s: nothing found", what);
		return;
	}
	TAP_OK(found, "%s: found", what);
	TAP_EQ_STR(l, login, "%s: login", what);
	TAP_EQ_STR(p, password, "%s: password", what);
}

int
main(void)
{
	const char *path;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	path = write_netrc("plain", "machine a.example login alice password one\n"
				    "machine proxy.corp\n"
				    "\tlogin bob\n"
				    "\tpassword \"two words\"\n"
				    "machine last login carol password three");
	expect(path, "a.example", "alice", "one", "first entry");
	expect(path, "PROXY.corp", "bob", "two words", "host case, quoted password");
	expect(path, "last", "carol", "three", "last entry without a newline");
	expect(path, "other", NULL, NULL, "unknown host, no default");
	expect(path, "", NULL, NULL, "empty host");

	path = write_netrc("default", "macdef init\n"
				      "machine evil login mallory password macro\n"
				      "\n"
				      "machine proxy login p password q account acct\n"
				      "default login anon password \"a\\\"b\"\n");
	expect(path, "proxy", "p", "q", "entry after a macdef; account skipped");
	expect(path, "evil", "anon", "a\"b", "macdef body is not an entry; default used");
	expect(path, "anything", "anon", "a\"b", "default entry");

	path = write_netrc("nologin", "machine proxy password lonely\n");
	expect(path, "proxy", NULL, NULL, "entry without a login");

	path = write_netrc("long", "machine proxy login alice password "
				   "0123456789012345678901234567890123456789012345678901234567890123456789\n");
	expect(path, "proxy", NULL, NULL, "password longer than the buffer is not cut");

	expect("/nonexistent/netrc", "proxy", NULL, NULL, "missing file");
	expect(NULL, "proxy", NULL, NULL, "no file");

	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0) {
			tap_diag("cannot remove %s", dir);
		}
	}
	return tap_done();
}
