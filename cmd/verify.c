/* cmd/verify.c - gonative verify */
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <stdio.h>

static const struct cli_option options[] = {
	{ .long_name = "json", .kind = CLI_JSON, .help = "print the result as one JSON object" },
	CLI_OPTION_END,
};

static int
run_verify(struct cli *cli, struct project *project)
{
	struct project_verify_result res;
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = project_verify(project, &res, &err);
	if (rc == 0 && cli->json) {
		struct gn_buf out;

		gn_buf_init(&out);
		cli_json_begin(&out, "verify");
		cli_json_str(&out, "goroot", project_install_root(project));
		cli_json_bool(&out, "installed", res.installed);
		cli_json_str(&out, "expected_tree", res.expected_tree);
		cli_json_str(&out, "actual_tree", res.installed ? res.actual_tree : NULL);
		cli_json_bool(&out, "match", res.match);
		cli_json_key(&out, "changed");
		gn_buf_puts(&out, "[");
		for (size_t i = 0; i < res.changed.n_changed && i < STATREC_REPORT_PATHS; i++) {
			gn_buf_puts(&out, i ? ", " : "");
			gn_buf_json_string(&out, res.changed.changed[i]);
		}
		gn_buf_puts(&out, "]");
		if (res.cc) {
			cli_json_str(&out, "cc_path", project_zig_root(project));
			cli_json_str(&out, "cc_expected_tree", res.cc_expected_tree);
			cli_json_str(&out, "cc_actual_tree",
				     res.cc_installed ? res.cc_actual_tree : NULL);
			cli_json_bool(&out, "cc_match", res.cc_match);
		}
		cli_json_print(&out);
	}
	if (rc == 0 && res.cc && (!res.cc_installed || !res.cc_match)) {
		/* The Zig tree is checked like the GOROOT: report it first. */
		if (!res.cc_installed) {
			fprintf(cli_out(cli), "%s: not installed (run `gonative sync`)\n",
				project_zig_root(project));
		} else {
			fprintf(cli_out(cli),
				"%s: does not match the lock\n  - lock:      %s\n  + installed: %s\n",
				project_zig_root(project), res.cc_expected_tree,
				res.cc_actual_tree);
		}
		if (res.installed && res.match) {
			return gn_code_exit(GN_E_DRIFT);
		}
	} else if (rc == 0 && res.cc && cli->verbosity >= 0) {
		fprintf(cli_out(cli), "%s: verified %s\n", project_zig_root(project),
			res.cc_actual_tree);
	}
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (!res.installed) {
		fprintf(cli_out(cli), "%s: not installed (run `gonative sync`)\n",
			project_install_root(project));
		rc = gn_code_exit(GN_E_DRIFT);
	} else if (res.match) {
		if (cli->verbosity >= 0) {
			fprintf(cli_out(cli), "%s: verified %s\n", project_install_root(project),
				res.actual_tree);
		}
		rc = 0;
	} else {
		fprintf(cli_out(cli),
			"%s: does not match the lock\n  - lock:      %s\n  + installed: %s\n",
			project_install_root(project), res.expected_tree, res.actual_tree);
		for (size_t i = 0; i < res.changed.n_changed && i < STATREC_REPORT_PATHS; i++) {
			fprintf(cli_out(cli), "  changed: %s\n", res.changed.changed[i]);
		}
		if (res.changed.n_changed > STATREC_REPORT_PATHS) {
			fprintf(cli_out(cli), "  ... and %zu more\n",
				res.changed.n_changed - STATREC_REPORT_PATHS);
		}
		fprintf(cli_out(cli), "Run `gonative sync` to reinstall it.\n");
		rc = gn_code_exit(GN_E_DRIFT);
	}
	return rc;
}

const struct cmd cmd_verify = {
	.name = "verify",
	.summary = "re-hash the installed GOROOT against the lock",
	.synopsis = "[--json]",
	.description = "Read every byte of the installed GOROOT, compute its git-sha256 tree hash\n"
		       "and compare it with gonative.lock.  Exit 0 when it matches, 1 when not.\n",
	.options = options,
	.project = true,
	.run = run_verify,
};
