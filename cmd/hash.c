/* cmd/hash.c - gonative hash DIR */
#include "builder/tree.h"
#include "cmd/cmd.h"

#include <stdio.h>

static int
run_hash(struct cli *cli, struct project *project)
{
	uint8_t id[GN_SHA256_LEN];
	char text[GN_TREE_ID_TEXT];
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	if ((rc = tree_hash_dir(cli->operands[0], id, &err)) < 0) {
		return cli_fail(cli, rc, &err);
	}
	tree_format_id(id, text);
	printf("%s\n", text);
	return 0;
}

const struct cmd cmd_hash = {
	.name = "hash",
	.summary = "print a folder's git-sha256 tree hash",
	.synopsis = "DIR",
	.description = "Print the id that `git write-tree` gives for DIR in a repository made\n"
		       "with `git init --object-format=sha256` after `git add --all --force`:\n"
		       "names, contents, the exec bit and symlinks count; mtimes, owners and\n"
		       "empty folders do not.\n",
	.min_operands = 1,
	.max_operands = 1,
	.operand_error = "hash takes exactly one folder",
	.run = run_hash,
};
