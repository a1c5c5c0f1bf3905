/* cmd/lock.c - gonative lock */
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int
run_lock(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "upgrade", no_argument, NULL, 'u' },
		{ "offline", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project_lock_result res;
	struct project project;
	struct gn_error err;
	bool upgrade = false, offline = false;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			upgrade = true;
			break;
		case 'o':
			offline = true;
			break;
		case 'J':
			cli->json = true;
			break;
		case 'h':
			return cli_help(&cmd_lock);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = cli_open_project(cli, &project, offline, 0)) != 0) {
		return rc;
	}
	gn_error_clear(&err);
	rc = project_lock(&project, upgrade, &res, &err);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (cli->json) {
		struct gn_buf out;

		gn_buf_init(&out);
		cli_json_begin(&out, "lock");
		cli_json_str(&out, "lock", project.lock_path);
		cli_json_str(&out, "go", res.go);
		cli_json_str(&out, "previous_go", res.previous_go[0] ? res.previous_go : NULL);
		cli_json_bool(&out, "written", res.written);
		cli_json_print(&out);
	} else if (!res.written) {
		cli_info(cli, "%s is up to date (%s)", project.lock_path, res.go);
	} else if (res.previous_go[0] && strcmp(res.previous_go, res.go) != 0) {
		cli_info(cli, "locked %s (was %s) in %s", res.go, res.previous_go,
			 project.lock_path);
	} else {
		cli_info(cli, "locked %s in %s", res.go, project.lock_path);
	}
	project_close(&project);
	return rc;
}

const struct cmd cmd_lock = {
	.name = "lock",
	.summary = "resolve gonative.yaml and write gonative.lock",
	.usage = "Usage: gonative lock [--upgrade] [--offline] [--json]\n"
		 "\n"
		 "Resolve the manifest against the release index and write gonative.lock:\n"
		 "the exact files, sizes and sha256 sums, and the expected GOROOT hash of\n"
		 "every host (archives are fetched through the cache to compute it).\n"
		 "The locked Go version is kept while it still satisfies the manifest.\n"
		 "\n"
		 "Options:\n"
		 "  --upgrade   re-resolve to the newest release that matches\n"
		 "  --offline   use only the cache (index and archives)\n"
		 "  --json      print the result as one JSON object\n"
		 "  -h, --help  this help\n",
	.run = run_lock,
};
