/*
 * tests/gn/shquote_print.c - drive gn/shquote from a script.
 *
 *     shquote_print sh|fish|powershell < records
 *
 * stdin holds records, each ended by a NUL byte (so a record can hold every
 * other byte).  For each one stdout gets "OK <quoted word>" or
 * "ERR <message>", also ended by a NUL byte.  tests/e2e/test_23_shell_quoting.py
 * feeds the words to real shells.
 */
#include "gn/buf.h"
#include "gn/shquote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	enum gn_shell shell;
	struct gn_buf in, word;
	int c;

	if (argc != 2) {
		fprintf(stderr, "usage: shquote_print sh|fish|powershell < records\n");
		return 2;
	}
	if (strcmp(argv[1], "sh") == 0) {
		shell = GN_SHELL_POSIX;
	} else if (strcmp(argv[1], "fish") == 0) {
		shell = GN_SHELL_FISH;
	} else if (strcmp(argv[1], "powershell") == 0) {
		shell = GN_SHELL_POWERSHELL;
	} else {
		fprintf(stderr, "shquote_print: unknown shell '%s'\n", argv[1]);
		return 2;
	}
	gn_buf_init(&in);
	gn_buf_init(&word);
	while ((c = getchar()) != EOF) {
		struct gn_error err;

		if (c != '\0') {
			gn_buf_putc(&in, (char)c);
			continue;
		}
		gn_error_clear(&err);
		gn_buf_reset(&word);
		if (gn_shquote(&word, shell, in.len ? in.data : "", &err) == 0) {
			fputs("OK ", stdout);
			fwrite(word.data, 1, word.len, stdout);
		} else {
			printf("ERR %s", err.message);
		}
		putchar('\0');
		gn_buf_reset(&in);
	}
	if (in.failed || word.failed) {
		fprintf(stderr, "shquote_print: out of memory\n");
		return 1;
	}
	gn_buf_free(&in);
	gn_buf_free(&word);
	return ferror(stdout) ? 1 : 0;
}
