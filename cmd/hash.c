/* cmd/hash.c - gonative hash DIR */
#include "builder/tree.h"
#include "cmd/cmd.h"

#include <getopt.h>
#include <stdio.h>

static int
run_hash(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t id[GN_SHA256_LEN];
	char text[GN_TREE_ID_TEXT];
	struct gn_error err;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			return cli_help(&cmd_hash);
		}
		return cli_usage(cli, "unknown option %s", argv[optind - 1]);
	}
	if (argc - optind != 1) {
		return cli_usage(cli, "hash takes exactly one folder");
	}
	gn_error_clear(&err);
	if ((rc = tree_hash_dir(argv[optind], id, &err)) < 0) {
		return cli_fail(cli, rc, &err);
	}
	tree_format_id(id, text);
	printf("%s\n", text);
	return 0;
}

const struct cmd cmd_hash = {
	.name = "hash",
	.summary = "print a folder's git-sha256 tree hash",
	.usage = "Usage: gonative hash DIR\n"
		 "\n"
		 "Print the id that `git write-tree` gives for DIR in a repository made\n"
		 "with `git init --object-format=sha256` after `git add --all --force`:\n"
		 "names, contents, the exec bit and symlinks count; mtimes, owners and\n"
		 "empty folders do not.\n"
		 "\n"
		 "Options:\n"
		 "  -h, --help  this help\n",
	.run = run_hash,
};
