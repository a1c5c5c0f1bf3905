/* cmd/init.c - gonative init */
#include "cmd/cmd.h"
#include "gn/fs.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define INIT_MAX_PLATFORMS 64

static int
run_init(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "go", required_argument, NULL, 'g' },
		{ "platform", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = cli->manifest_path ? cli->manifest_path : "gonative.yaml";
	struct gn_platform platforms[INIT_MAX_PLATFORMS], host;
	size_t n_platforms = 0;
	const char *go = NULL;
	bool force = false;
	struct gn_arena arena;
	struct manifest check;
	struct gn_error err;
	char *text;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hp:", options, NULL)) != -1) {
		switch (opt) {
		case 'g':
			go = optarg;
			break;
		case 'p':
			if (n_platforms == INIT_MAX_PLATFORMS) {
				return cli_usage(cli, "too many --platform options");
			}
			if (gn_platform_parse(optarg, &platforms[n_platforms]) != GN_PLATFORM_OK) {
				return cli_usage(cli,
						 "'%s' is not a Go platform (write os/arch as `go "
						 "tool dist list` prints it)",
						 optarg);
			}
			n_platforms++;
			break;
		case 'F':
			force = true;
			break;
		case 'h':
			return cli_help(&cmd_init);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	}
	if (gn_path_exists(path) && !force) {
		gn_error_clear(&err);
		gn_error_set(&err, GN_E_USAGE, "%s already exists (use --force to overwrite it)",
			     path);
		return cli_fail(cli, -GN_E_USAGE, &err);
	}
	if (!gn_platform_host(&host)) {
		return cli_usage(cli, "this machine is not a platform Go supports");
	}
	gn_arena_init(&arena);
	gn_error_clear(&err);
	text = manifest_starter(&arena, go, &host, platforms, n_platforms);
	if (!text) {
		rc = cli_fail(cli, gn_error_set(&err, GN_E_NOMEM, "out of memory"), &err);
		goto out;
	}
	/* Never write a manifest that gonative itself would refuse. */
	if ((rc = manifest_parse(&arena, path, ".", text, strlen(text), &check, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		goto out;
	}
	if ((rc = gn_write_file_atomic(path, text, strlen(text), 0644, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		goto out;
	}
	cli_info(cli, "wrote %s; next: `gonative lock`", path);
	rc = 0;
out:
	gn_arena_free(&arena);
	return rc;
}

const struct cmd cmd_init = {
	.name = "init",
	.summary = "write a starter gonative.yaml for this machine",
	.usage = "Usage: gonative init [--go VERSION] [--platform OS/ARCH]... [--force]\n"
		 "\n"
		 "Write a commented gonative.yaml whose host is this machine.\n"
		 "\n"
		 "Options:\n"
		 "  --go VERSION     Go version spec: 1.21.5, 1.21 or stable (default stable)\n"
		 "  -p, --platform OS/ARCH  a target platform to merge (repeatable)\n"
		 "  --force          overwrite an existing manifest\n"
		 "  -h, --help       this help\n",
	.run = run_init,
};
