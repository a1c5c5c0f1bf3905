/* cmd/sync.c - gonative sync */
#include "cmd/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int
run_sync(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "frozen", no_argument, NULL, 'F' },
		{ "offline", no_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project_sync_result res;
	struct project project;
	struct gn_error err;
	bool frozen = false, offline = false;
	int opt, rc, jobs = 0;
	char *end;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hj:", options, NULL)) != -1) {
		switch (opt) {
		case 'F':
			frozen = true;
			break;
		case 'o':
			offline = true;
			break;
		case 'j':
			jobs = (int)strtol(optarg, &end, 10);
			if (*end || jobs < 1 || jobs > 64) {
				return cli_usage(cli,
						 "--jobs takes a number from 1 to 64, not '%s'",
						 optarg);
			}
			break;
		case 'h':
			return cli_help(&cmd_sync);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = cli_open_project(cli, &project, offline, jobs)) != 0) {
		return rc;
	}
	gn_error_clear(&err);
	rc = project_sync(&project, frozen, &res, &err);
	cli_progress_end(cli);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else {
		if (res.locked) {
			cli_info(cli, "wrote %s", project.lock_path);
		}
		if (cli->verbosity >= 0) {
			printf("%s %s at %s\n%s\n", res.noop ? "up to date:" : "installed", res.go,
			       res.root, res.tree);
		}
	}
	project_close(&project);
	return rc;
}

const struct cmd cmd_sync = {
	.name = "sync",
	.summary = "install the locked GOROOT (locks first unless --frozen)",
	.usage = "Usage: gonative sync [--frozen] [--offline] [--jobs N]\n"
		 "\n"
		 "Make the install folder hold exactly the GOROOT in gonative.lock for this\n"
		 "machine: fetch, verify, extract, merge, check the tree hash, and swap it\n"
		 "in atomically.  With nothing to do it only compares a stat record.\n"
		 "Without --frozen a missing or stale lock is written first (like uv sync).\n"
		 "\n"
		 "Options:\n"
		 "  --frozen    never write the lock; fail (exit 1) if it is out of date\n"
		 "  --offline   use only the cache\n"
		 "  -j, --jobs N  parallel downloads (default 4)\n"
		 "  -h, --help  this help\n",
	.run = run_sync,
};
