/*
 * builder/netrc.c - netrc lookup for proxy credentials (see netrc.h).
 */
#include "builder/netrc.h"

#include "gn/error.h"
#include "gn/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NETRC_MAX_BYTES (1 << 20)
#define NETRC_TOKEN 1024

/* Next whitespace-separated token of *pos into tok; false at the end (or
 * on a token too long to be real). */
static bool
next_token(const char **pos, char *tok, size_t len)
{
	const char *s = *pos;
	size_t n = 0;

	while (*s && isspace((unsigned char)*s)) {
		s++;
	}
	if (!*s) {
		*pos = s;
		return false;
	}
	if (*s == '"') {
		s++;
		while (*s && *s != '"') {
			if (*s == '\\' && s[1]) {
				s++;
			}
			if (n + 1 >= len) {
				return false;
			}
			tok[n++] = *s++;
		}
		if (*s == '"') {
			s++;
		}
	} else {
		while (*s && !isspace((unsigned char)*s)) {
			if (n + 1 >= len) {
				return false;
			}
			tok[n++] = *s++;
		}
	}
	tok[n] = '\0';
	*pos = s;
	return true;
}

/* After "macdef NAME": the macro runs to the first empty line. */
static void
skip_macdef(const char **pos)
{
	const char *end = strstr(*pos, "\n\n");

	*pos = end ? end + 2 : *pos + strlen(*pos);
}

bool
netrc_lookup(const char *path, const char *host, char *login, size_t login_len,
	     char *password, size_t password_len)
{
	char *data = NULL, tok[NETRC_TOKEN], user[NETRC_TOKEN] = "", pass[NETRC_TOKEN] = "";
	const char *pos;
	struct gn_error err;
	size_t len = 0;
	bool in_entry = false, matched = false, found = false;

	if (!path || !host || !*host) {
		return false;
	}
	gn_error_clear(&err);
	if (gn_read_file(path, NETRC_MAX_BYTES, &data, &len, &err) < 0) {
		return false;
	}
	pos = data;
	while (next_token(&pos, tok, sizeof(tok))) {
		bool is_machine = strcmp(tok, "machine") == 0, is_default = strcmp(tok, "default") == 0;

		if (is_machine || is_default) {
			if (matched && user[0]) {
				found = true;
				break;
			}
			matched = false;
			user[0] = pass[0] = '\0';
			in_entry = true;
			if (is_default) {
				/* Only when no machine entry matched before it. */
				matched = true;
				continue;
			}
			if (!next_token(&pos, tok, sizeof(tok))) {
				break;
			}
			matched = strcasecmp(tok, host) == 0;
		} else if (strcmp(tok, "login") == 0 || strcmp(tok, "password") == 0 ||
			   strcmp(tok, "account") == 0) {
			char *dest = tok[0] == 'l' ? user : (tok[0] == 'p' ? pass : NULL);

			if (!next_token(&pos, tok, sizeof(tok))) {
				break;
			}
			if (in_entry && dest) {
				snprintf(dest, NETRC_TOKEN, "%s", tok);
			}
		} else if (strcmp(tok, "macdef") == 0) {
			skip_macdef(&pos);
		}
	}
	if (!found && matched && user[0]) {
		found = true;
	}
	/* A login or password too long for the caller's buffers is no entry:
	 * a cut one would be another. */
	if (found && (!gn_path_fmt(login, login_len, "%s", user) ||
		      !gn_path_fmt(password, password_len, "%s", pass))) {
		found = false;
		login[0] = '\0';
		explicit_bzero(password, password_len);
	}
	explicit_bzero(pass, sizeof(pass));
	if (data) {
		explicit_bzero(data, len);
	}
	free(data);
	return found;
}
