/* cmd/lock.c - gonative lock */
#include "builder/lockcheck.h"
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <stdio.h>
#include <string.h>

static void
print_lock_check(FILE *out, const struct project *p, const struct project_lock_check_result *res)
{
	if (res->lock_missing) {
		fprintf(out, "lock: %s does not exist (run `gonative lock`)\n",
			project_lock_path(p));
		return;
	}
	if (res->drift.n_items) {
		fprintf(out, "lock: %s is out of date for the manifest (run `gonative lock`)\n",
			project_lock_path(p));
		for (size_t i = 0; i < res->drift.n_items; i++) {
			const struct lock_drift_item *d = &res->drift.items[i];

			fprintf(out, "  %s:\n    - lock:     %s\n    + manifest: %s\n", d->field,
				d->locked, d->manifest);
		}
	}
	for (size_t i = 0; i < res->n_missing; i++) {
		fprintf(out, "lock: incomplete: %s (run `gonative lock`)\n", res->missing[i]);
	}
	if (!res->canonical) {
		fprintf(out,
			"lock: %s is not in canonical form (edited by hand? run `gonative lock` "
			"to rewrite it)\n",
			project_lock_path(p));
	}
	if (res->ok) {
		fprintf(out, "lock: %s is complete and canonical (%s)\n", project_lock_path(p),
			project_locked(p)->go);
	}
}

static int
run_lock_check(struct cli *cli, struct project *p)
{
	struct project_lock_check_result res;
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = project_lock_check(p, &res, &err);
	if (rc < 0) {
		return cli_fail(cli, rc, &err);
	}
	if (cli->json) {
		struct gn_buf out;

		gn_buf_init(&out);
		cli_json_begin(&out, "lock");
		cli_json_str(&out, "lock", project_lock_path(p));
		cli_json_bool(&out, "check", true);
		cli_json_bool(&out, "ok", res.ok);
		cli_json_bool(&out, "missing", res.lock_missing);
		cli_json_bool(&out, "fresh", !res.lock_missing && res.drift.n_items == 0);
		cli_json_bool(&out, "canonical", res.canonical);
		cli_json_key(&out, "incomplete");
		gn_buf_putc(&out, '[');
		for (size_t i = 0; i < res.n_missing; i++) {
			if (i) {
				gn_buf_puts(&out, ", ");
			}
			gn_buf_json_string(&out, res.missing[i]);
		}
		gn_buf_putc(&out, ']');
		cli_json_print(&out);
	} else if (!res.ok || cli->verbosity >= 0) {
		print_lock_check(stdout, p, &res);
	}
	return res.ok ? 0 : 1;
}

static struct {
	bool upgrade, offline, check;
} opts;

static const struct cli_option options[] = {
	{ .long_name = "upgrade", .kind = CLI_FLAG, .target = &opts.upgrade,
	  .help = "re-resolve to the newest release that matches" },
	{ .long_name = "offline", .kind = CLI_FLAG, .target = &opts.offline,
	  .help = "use only the cache (index and archives)" },
	{ .long_name = "check", .kind = CLI_FLAG, .target = &opts.check,
	  .help = "write nothing: exit 1 unless the lock is up to date, complete\n"
		  "for every host and platform, and canonical (no network)" },
	{ .long_name = "json", .kind = CLI_JSON, .help = "print the result as one JSON object" },
	CLI_OPTION_END,
};

static int
check_lock(struct cli *cli)
{
	if (opts.check && opts.upgrade) {
		return cli_usage(cli, "--check and --upgrade don't go together");
	}
	/* --check reads only what is here. */
	opts.offline = opts.offline || opts.check;
	return 0;
}

static int
run_lock(struct cli *cli, struct project *project)
{
	struct project_lock_result res;
	struct gn_error err;
	bool upgrade = opts.upgrade, check = opts.check;
	int rc;

	if (check) {
		return run_lock_check(cli, project);
	}
	gn_error_clear(&err);
	rc = project_lock(project, upgrade, &res, &err);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (cli->json) {
		struct gn_buf out;

		gn_buf_init(&out);
		cli_json_begin(&out, "lock");
		cli_json_str(&out, "lock", project_lock_path(project));
		cli_json_str(&out, "go", res.go);
		cli_json_str(&out, "previous_go", res.previous_go[0] ? res.previous_go : NULL);
		cli_json_bool(&out, "written", res.written);
		cli_json_print(&out);
	} else if (!res.written) {
		cli_info(cli, "%s is up to date (%s)", project_lock_path(project), res.go);
	} else if (res.previous_go[0] && strcmp(res.previous_go, res.go) != 0) {
		cli_info(cli, "locked %s (was %s) in %s", res.go, res.previous_go,
			 project_lock_path(project));
	} else {
		cli_info(cli, "locked %s in %s", res.go, project_lock_path(project));
	}
	return rc;
}

const struct cmd cmd_lock = {
	.name = "lock",
	.summary = "resolve gonative.yaml and write gonative.lock",
	.synopsis = "[--upgrade] [--offline] [--check] [--json]",
	.description = "Resolve the manifest against the release index and write gonative.lock:\n"
		       "the exact files, sizes and sha256 sums, and the expected GOROOT hash of\n"
		       "every host (archives are fetched through the cache to compute it).\n"
		       "The locked Go version is kept while it still satisfies the manifest.\n",
	.options = options,
	.cleans_up = true,
	.project = true,
	.offline = &opts.offline,
	.check = check_lock,
	.run = run_lock,
};
