/* cmd/check.c - gonative check */
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <stdio.h>
#include <string.h>

static const char *
install_status_text(enum statrec_status status)
{
	switch (status) {
	case STATREC_MISSING:
		return "not installed";
	case STATREC_UNKNOWN:
		return "installed, but without a stat record (run `gonative sync`)";
	case STATREC_MATCH:
		return "matches the lock";
	case STATREC_OTHER_TREE:
		return "holds another GOROOT than the lock";
	case STATREC_CHANGED:
		return "changed since it was installed";
	}
	return "?";
}

static void
print_report(FILE *out, const struct project *p, const struct project_check_result *res)
{
	if (res->lock_missing) {
		fprintf(out, "lock: %s does not exist (run `gonative lock`)\n",
			project_lock_path(p));
		return;
	}
	if (res->drift.n_items == 0) {
		fprintf(out, "manifest vs lock: up to date\n");
	} else {
		fprintf(out, "manifest vs lock: %s is out of date (run `gonative lock`)\n",
			project_lock_path(p));
		for (size_t i = 0; i < res->drift.n_items; i++) {
			const struct lock_drift_item *d = &res->drift.items[i];
			fprintf(out, "  %s:\n    - lock:     %s\n    + manifest: %s\n", d->field,
				d->locked ? d->locked : "", d->manifest ? d->manifest : "");
		}
	}
	if (res->host_missing) {
		fprintf(out, "lock vs install: the lock has no GOROOT for this machine\n");
	} else {
		fprintf(out, "lock vs install: %s %s\n", project_install_root(p),
			install_status_text(res->install.status));
		if (res->install.status == STATREC_OTHER_TREE) {
			fprintf(out, "    - lock:      %s\n    + installed: %s\n",
				res->expected_tree, res->install.recorded_tree);
		}
		for (size_t i = 0; i < res->install.n_changed && i < STATREC_REPORT_PATHS; i++) {
			fprintf(out, "    changed: %s\n", res->install.changed[i]);
		}
		if (res->install.n_changed > STATREC_REPORT_PATHS) {
			fprintf(out, "    ... and %zu more\n",
				res->install.n_changed - STATREC_REPORT_PATHS);
		}
		if (res->deep) {
			fprintf(out, "  tree hash: %s (lock: %s)%s\n", res->actual_tree,
				res->expected_tree,
				strcmp(res->actual_tree, res->expected_tree) == 0 ? ""
										  : " DIFFERS");
		}
	}
	if (res->cc) {
		fprintf(out, "lock vs install: %s %s\n", project_zig_root(p),
			install_status_text(res->cc_install.status));
		for (size_t i = 0; i < res->cc_install.n_changed && i < STATREC_REPORT_PATHS; i++) {
			fprintf(out, "    changed: %s\n", res->cc_install.changed[i]);
		}
		if (res->cc_actual_tree[0]) {
			fprintf(out, "  tree hash: %s (lock: %s)%s\n", res->cc_actual_tree,
				res->cc_expected_tree,
				strcmp(res->cc_actual_tree, res->cc_expected_tree) == 0 ? ""
											: " DIFFERS");
		}
	}
	if (res->upstream_checked) {
		if (strcmp(res->upstream_go, project_locked(p)->go) == 0) {
			fprintf(out, "lock vs upstream: %s is the newest match\n",
				project_locked(p)->go);
		} else {
			fprintf(out,
				"lock vs upstream: %s is newer than the locked %s (run `gonative "
				"lock --upgrade`)\n",
				res->upstream_go, project_locked(p)->go);
		}
	}
	if (res->log_checked) {
		if (!res->log.had_head) {
			fprintf(out, "checksum database: %s (first head this cache sees)\n",
				res->log.now);
		} else if (res->log.moved) {
			fprintf(out, "checksum database: moved on from %s to %s (consistent)\n",
				res->log.seen, res->log.now);
		} else {
			fprintf(out, "checksum database: %s, as seen before\n", res->log.now);
		}
	}
}

static const char *
install_status_name(enum statrec_status status)
{
	switch (status) {
	case STATREC_MISSING:
		return "missing";
	case STATREC_UNKNOWN:
		return "unknown";
	case STATREC_MATCH:
		return "match";
	case STATREC_OTHER_TREE:
		return "other-tree";
	case STATREC_CHANGED:
		return "changed";
	}
	return "unknown";
}

static void
print_json(const struct project *p, const struct project_check_result *res)
{
	struct gn_buf out;

	gn_buf_init(&out);
	cli_json_begin(&out, "check");
	cli_json_bool(&out, "drift", res->drifted);
	cli_json_key(&out, "lock");
	gn_buf_puts(&out, "{\"path\": ");
	gn_buf_json_string(&out, project_lock_path(p));
	gn_buf_printf(&out, ", \"missing\": %s, \"fresh\": %s, \"drift\": [",
		      res->lock_missing ? "true" : "false",
		      !res->lock_missing && res->drift.n_items == 0 ? "true" : "false");
	for (size_t i = 0; i < res->drift.n_items; i++) {
		const struct lock_drift_item *d = &res->drift.items[i];

		gn_buf_puts(&out, i ? ", {\"field\": " : "{\"field\": ");
		gn_buf_json_string(&out, d->field);
		gn_buf_puts(&out, ", \"lock\": ");
		gn_buf_json_string(&out, d->locked ? d->locked : "");
		gn_buf_puts(&out, ", \"manifest\": ");
		gn_buf_json_string(&out, d->manifest ? d->manifest : "");
		gn_buf_puts(&out, "}");
	}
	gn_buf_puts(&out, "]}");
	cli_json_key(&out, "install");
	gn_buf_puts(&out, "{\"path\": ");
	gn_buf_json_string(&out, project_install_root(p));
	gn_buf_puts(&out, ", \"status\": ");
	gn_buf_json_string(&out, res->host_missing ? "host-missing"
						   : install_status_name(res->install.status));
	gn_buf_puts(&out, ", \"expected_tree\": ");
	gn_buf_json_string(&out, res->expected_tree);
	gn_buf_puts(&out, ", \"actual_tree\": ");
	if (res->deep) {
		gn_buf_json_string(&out, res->actual_tree);
	} else {
		gn_buf_puts(&out, "null");
	}
	gn_buf_puts(&out, ", \"changed\": [");
	for (size_t i = 0; i < res->install.n_changed && i < STATREC_REPORT_PATHS; i++) {
		gn_buf_puts(&out, i ? ", " : "");
		gn_buf_json_string(&out, res->install.changed[i]);
	}
	gn_buf_puts(&out, "]}");
	if (res->cc) {
		cli_json_key(&out, "cc");
		gn_buf_puts(&out, "{\"path\": ");
		gn_buf_json_string(&out, project_zig_root(p));
		gn_buf_puts(&out, ", \"status\": ");
		gn_buf_json_string(&out, install_status_name(res->cc_install.status));
		gn_buf_puts(&out, ", \"expected_tree\": ");
		gn_buf_json_string(&out, res->cc_expected_tree);
		gn_buf_puts(&out, "}");
	}
	cli_json_str(&out, "upstream_go", res->upstream_checked ? res->upstream_go : NULL);
	cli_json_str(&out, "sumdb_head", res->log_checked ? res->log.now : NULL);
	cli_json_str(&out, "sumdb_seen",
		     res->log_checked && res->log.had_head ? res->log.seen : NULL);
	cli_json_print(&out);
}

static struct {
	bool upstream, deep;
} opts;

static const struct cli_option options[] = {
	{ .long_name = "upstream", .kind = CLI_FLAG, .target = &opts.upstream,
	  .help = "also fetch the index and report a newer matching release" },
	{ .long_name = "deep", .kind = CLI_FLAG, .target = &opts.deep,
	  .help = "re-hash the installed tree instead of trusting the stat record" },
	{ .long_name = "json", .kind = CLI_JSON,
	  .help = "print the report as one JSON object (the text goes to stderr)" },
	CLI_OPTION_END,
};

static int
run_check(struct cli *cli, struct project *project)
{
	struct project_check_result res;
	struct gn_error err;
	bool upstream = opts.upstream, deep = opts.deep;
	int rc;

	gn_error_clear(&err);
	rc = project_check(project, deep, upstream, &res, &err);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else {
		if (cli->verbosity >= 0 || res.drifted) {
			print_report(cli_out(cli), project, &res);
		}
		if (cli->json) {
			print_json(project, &res);
		}
		rc = res.drifted ? gn_code_exit(GN_E_DRIFT) : 0;
	}
	return rc;
}

const struct cmd cmd_check = {
	.name = "check",
	.summary = "report drift: manifest vs lock, lock vs installed GOROOT",
	.synopsis = "[--upstream] [--deep] [--json]",
	.description = "Report, without writing anything, whether gonative.lock still matches\n"
		       "gonative.yaml and whether the installed GOROOT still matches the lock.\n"
		       "Exit 0 when everything matches, 1 when something drifted.\n",
	.options = options,
	.project = true,
	.run = run_check,
};
