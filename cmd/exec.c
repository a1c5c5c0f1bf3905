/* cmd/exec.c - gonative exec -- CMD... */
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool no_sync, frozen, offline;
	const char *target;
} opts;

static const struct cli_option options[] = {
	{ .long_name = "no-sync", .kind = CLI_FLAG, .target = &opts.no_sync,
	  .help = "use the installed tree as it is" },
	{ .long_name = "frozen", .kind = CLI_FLAG, .target = &opts.frozen,
	  .help = "sync without writing the lock (fail if it is stale)" },
	{ .long_name = "offline", .kind = CLI_FLAG, .target = &opts.offline,
	  .help = "sync from the cache only" },
	{ .long_name = "target", .arg = "OS/ARCH", .kind = CLI_STRING, .target = &opts.target,
	  .help = "cross-compile for OS/ARCH" },
	CLI_OPTION_END,
};

static int
run_exec(struct cli *cli, struct project *project)
{
	struct project_sync_result res;
	struct project_env env;
	const char *target = opts.target;
	struct gn_error err;
	bool sync = !opts.no_sync, frozen = opts.frozen;
	struct gn_buf path;
	const char *old_path = getenv("PATH");
	int rc;

	gn_error_clear(&err);
	if (sync && (rc = project_sync(project, frozen, &res, &err)) < 0) {
		return cli_fail(cli, rc, &err);
	}
	cli_progress_end(cli);
	if ((rc = project_env(project, target, &env, &err)) < 0) {
		return cli_fail(cli, rc, &err);
	}
	/* PATH grows as needed: a long inherited PATH is kept whole. */
	gn_buf_init(&path);
	gn_buf_printf(&path, "%s%s%s", env.path, old_path && old_path[0] ? ":" : "",
		      old_path ? old_path : "");
	if (path.failed) {
		gn_buf_free(&path);
		return cli_fail(cli, gn_error_nomem(&err), &err);
	}
	rc = setenv("PATH", path.data, 1);
	gn_buf_free(&path);
	for (size_t i = 0; rc == 0 && i < env.n; i++) {
		rc = setenv(env.vars[i].name, env.vars[i].value, 1);
	}
	if (rc != 0) {
		gn_error_set(&err, GN_E_IO, "cannot set the environment: %s", strerror(errno));
		return cli_fail(cli, -GN_E_IO, &err);
	}
	/* Nothing of the project may outlive it into CMD (locks, files). */
	cli_close_project(cli);
	fflush(NULL);
	execvp(cli->operands[0], cli->operands);
	fprintf(stderr, "gonative: error: cannot run %s: %s\n", cli->operands[0], strerror(errno));
	/* 127/126 as a shell reports a missing or non-executable command. */
	return errno == ENOENT ? 127 : 126;
}

const struct cmd cmd_exec = {
	.name = "exec",
	.summary = "run a command with the synced GOROOT and PATH",
	.synopsis = "[--no-sync] [--frozen] [--offline] [--target OS/ARCH]\n-- CMD [ARGS...]",
	.description = "Sync (unless --no-sync), then run CMD with GOROOT set to the installed\n"
		       "toolchain, its bin/ first on PATH and GOTOOLCHAIN=local.  --target adds\n"
		       "what `gonative env --target` prints: GOOS, GOARCH, GOARM and, with cc:,\n"
		       "CGO_ENABLED=1, CC and CXX for the locked Zig.  The exit code is CMD's.\n",
	.options = options,
	.min_operands = 1,
	.max_operands = -1,
	.operand_error = "exec needs a command to run: gonative exec -- CMD [ARGS]",
	/* Everything after the command's first word belongs to it. */
	.stop_at_operand = true,
	.project = true,
	.offline = &opts.offline,
	.run = run_exec,
};
