/* cmd/sync.c - gonative sync */
#include "export/provenance.h"
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <stdio.h>
#include <stdlib.h>

static struct {
	bool frozen, offline;
	int jobs;
	const char *provenance;
	struct cli_key sign;
} opts;

static const struct cli_option options[] = {
	{ .long_name = "frozen", .kind = CLI_FLAG, .target = &opts.frozen,
	  .help = "never write the lock; fail (exit 1) if it is out of date" },
	{ .long_name = "offline", .kind = CLI_FLAG, .target = &opts.offline,
	  .help = "use only the cache" },
	{ .short_name = 'j', .long_name = "jobs", .arg = "N", .kind = CLI_NUMBER,
	  .target = &opts.jobs, .min = 1, .max = 64, .help = "parallel downloads (default 4)" },
	{ .long_name = "json", .kind = CLI_JSON, .help = "print the result as one JSON object" },
	{ .long_name = "provenance", .arg = "FILE", .kind = CLI_STRING, .target = &opts.provenance,
	  .help = "write an in-toto statement for the installed GOROOT" },
	{ .long_name = "sign", .arg = "SECRET_KEY", .kind = CLI_STRING, .target = &opts.sign.path,
	  .help = "sign it with a minisign secret key (password from\n"
		  "GONATIVE_PASSWORD or the terminal)" },
	CLI_OPTION_END,
};

static int
check_sync(struct cli *cli)
{
	if (opts.sign.path && !opts.provenance) {
		return cli_usage(cli,
				 "--sign signs the provenance file: give --provenance FILE too");
	}
	return 0;
}

static int
run_sync(struct cli *cli, struct project *project)
{
	struct project_sync_result res;
	struct gn_error err;
	const char *provenance = opts.provenance, *sign = opts.sign.path;
	bool frozen = opts.frozen;
	int rc;

	gn_error_clear(&err);
	rc = project_sync(project, frozen, &res, &err);
	if (rc == 0 && provenance) {
		rc = provenance_write(project, &res, provenance, sign ? &opts.sign.key : NULL, &err);
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
	return rc;
}

const struct cmd cmd_sync = {
	.name = "sync",
	.summary = "install the locked GOROOT (locks first unless --frozen)",
	.synopsis = "[--frozen] [--offline] [--jobs N] [--json]\n"
		    "[--provenance FILE [--sign SECRET_KEY]]",
	.description = "Make the install folder hold exactly the GOROOT in gonative.lock for this\n"
		       "machine: fetch, verify, extract, merge, check the tree hash, and swap it\n"
		       "in atomically.  With nothing to do it only compares a stat record.\n"
		       "Without --frozen a missing or stale lock is written first (like uv sync).\n",
	.options = options,
	.cleans_up = true,
	.project = true,
	.offline = &opts.offline,
	.jobs = &opts.jobs,
	.key = &opts.sign,
	.check = check_sync,
	.run = run_sync,
};
