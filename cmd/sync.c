/* cmd/sync.c - gonative sync */
#include "export/provenance.h"
#include "cmd/cmd.h"
#include "gn/buf.h"

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
		{ "json", no_argument, NULL, 'J' },
		{ "provenance", required_argument, NULL, 'P' },
		{ "sign", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project_sync_result res;
	struct project *project;
	struct minisign_seckey key;
	struct gn_error err;
	const char *provenance = NULL, *sign = NULL;
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
		case 'J':
			cli->json = true;
			break;
		case 'P':
			provenance = optarg;
			break;
		case 'S':
			sign = optarg;
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
	if (sign && !provenance) {
		return cli_usage(cli,
				 "--sign signs the provenance file: give --provenance FILE too");
	}
	/* Ask for a password before any work, not after a long download. */
	if (sign && (rc = cli_load_seckey(cli, sign, &key)) != 0) {
		return rc;
	}
	if ((rc = cli_open_project(cli, &project, offline, jobs)) != 0) {
		goto wipe;
	}
	gn_error_clear(&err);
	rc = project_sync(project, frozen, &res, &err);
	if (rc == 0 && provenance) {
		rc = provenance_write(project, &res, provenance, sign ? &key : NULL, &err);
	}
	cli_progress_end(cli);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (cli->json) {
		struct gn_buf out;

		gn_buf_init(&out);
		cli_json_begin(&out, "sync");
		cli_json_str(&out, "go", res.go);
		cli_json_str(&out, "goroot", res.root);
		cli_json_str(&out, "tree", res.tree);
		cli_json_bool(&out, "changed", !res.noop);
		cli_json_bool(&out, "locked", res.locked);
		cli_json_str(&out, "lock", project_lock_path(project));
		cli_json_str(&out, "provenance", provenance);
		cli_json_print(&out);
	} else {
		if (res.locked) {
			cli_info(cli, "wrote %s", project_lock_path(project));
		}
		if (provenance) {
			cli_info(cli, "wrote %s%s", provenance, sign ? " and its .minisig" : "");
		}
		if (cli->verbosity >= 0) {
			printf("%s %s at %s\n%s\n", res.noop ? "up to date:" : "installed", res.go,
			       res.root, res.tree);
		}
	}
	project_close(project);
wipe:
	if (sign) {
		minisign_seckey_wipe(&key);
	}
	return rc;
}

const struct cmd cmd_sync = {
	.name = "sync",
	.summary = "install the locked GOROOT (locks first unless --frozen)",
	.usage = "Usage: gonative sync [--frozen] [--offline] [--jobs N] [--json]\n"
		 "                     [--provenance FILE [--sign SECRET_KEY]]\n"
		 "\n"
		 "Make the install folder hold exactly the GOROOT in gonative.lock for this\n"
		 "machine: fetch, verify, extract, merge, check the tree hash, and swap it\n"
		 "in atomically.  With nothing to do it only compares a stat record.\n"
		 "Without --frozen a missing or stale lock is written first (like uv sync).\n"
		 "\n"
		 "Options:\n"
		 "  --frozen           never write the lock; fail (exit 1) if it is out of date\n"
		 "  --offline          use only the cache\n"
		 "  -j, --jobs N       parallel downloads (default 4)\n"
		 "  --json             print the result as one JSON object\n"
		 "  --provenance FILE  write an in-toto statement for the installed GOROOT\n"
		 "  --sign SECRET_KEY  sign it with a minisign secret key (password from\n"
		 "                     GONATIVE_PASSWORD or the terminal)\n"
		 "  -h, --help         this help\n",
	.run = run_sync,
};
