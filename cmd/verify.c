/* cmd/verify.c - gonative verify */
#include "cmd/cmd.h"

#include <getopt.h>
#include <stdio.h>

static int
run_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project_verify_result res;
	struct project project;
	struct gn_error err;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			return cli_help(&cmd_verify);
		}
		return cli_usage(cli, "unknown option %s", argv[optind - 1]);
	}
	if (optind < argc) {
		return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = cli_open_project(cli, &project, false, 0)) != 0) {
		return rc;
	}
	gn_error_clear(&err);
	rc = project_verify(&project, &res, &err);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (!res.installed) {
		printf("%s: not installed (run `gonative sync`)\n", project.install.root);
		rc = gn_code_exit(GN_E_DRIFT);
	} else if (res.match) {
		if (cli->verbosity >= 0) {
			printf("%s: verified %s\n", project.install.root, res.actual_tree);
		}
		rc = 0;
	} else {
		printf("%s: does not match the lock\n  - lock:      %s\n  + installed: %s\n",
		       project.install.root, res.expected_tree, res.actual_tree);
		for (size_t i = 0; i < res.changed.n_changed && i < INSTALL_REPORT_PATHS; i++) {
			printf("  changed: %s\n", res.changed.changed[i]);
		}
		if (res.changed.n_changed > INSTALL_REPORT_PATHS) {
			printf("  ... and %zu more\n",
			       res.changed.n_changed - INSTALL_REPORT_PATHS);
		}
		printf("Run `gonative sync` to reinstall it.\n");
		rc = gn_code_exit(GN_E_DRIFT);
	}
	project_close(&project);
	return rc;
}

const struct cmd cmd_verify = {
	.name = "verify",
	.summary = "re-hash the installed GOROOT against the lock",
	.usage = "Usage: gonative verify\n"
		 "\n"
		 "Read every byte of the installed GOROOT, compute its git-sha256 tree hash\n"
		 "and compare it with gonative.lock.  Exit 0 when it matches, 1 when not.\n"
		 "\n"
		 "Options:\n"
		 "  -h, --help  this help\n",
	.run = run_verify,
};
