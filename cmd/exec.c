/* cmd/exec.c - gonative exec -- CMD... */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
run_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "no-sync", no_argument, NULL, 'n' },
		{ "frozen", no_argument, NULL, 'F' },
		{ "offline", no_argument, NULL, 'o' },
		{ "target", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project_sync_result res;
	struct project_env env;
	struct project *project;
	const char *target = NULL;
	struct gn_error err;
	bool sync = true, frozen = false, offline = false;
	char path[2 * INSTALL_PATH_MAX];
	const char *old_path = getenv("PATH");
	int opt, rc;

	opterr = 0;
	/* "+": everything after the command's first word belongs to it. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			sync = false;
			break;
		case 'F':
			frozen = true;
			break;
		case 'o':
			offline = true;
			break;
		case 't':
			target = optarg;
			break;
		case 'h':
			return cli_help(&cmd_exec);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cli_usage(cli, "exec needs a command to run: gonative exec -- CMD [ARGS]");
	}
	if ((rc = cli_open_project(cli, &project, offline, 0)) != 0) {
		return rc;
	}
	gn_error_clear(&err);
	if (sync && (rc = project_sync(project, frozen, &res, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		project_close(project);
		return rc;
	}
	cli_progress_end(cli);
	if ((rc = project_env(project, target, &env, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		project_close(project);
		return rc;
	}
	snprintf(path, sizeof(path), "%s%s%s", env.path, old_path && old_path[0] ? ":" : "",
		 old_path ? old_path : "");
	rc = setenv("PATH", path, 1);
	for (size_t i = 0; rc == 0 && i < env.n; i++) {
		rc = setenv(env.vars[i].name, env.vars[i].value, 1);
	}
	if (rc != 0) {
		gn_error_set(&err, GN_E_IO, "cannot set the environment: %s", strerror(errno));
		project_close(project);
		return cli_fail(cli, -GN_E_IO, &err);
	}
	project_close(project);
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "gonative: error: cannot run %s: %s\n", argv[optind], strerror(errno));
	/* 127/126 as a shell reports a missing or non-executable command. */
	return errno == ENOENT ? 127 : 126;
}

const struct cmd cmd_exec = {
	.name = "exec",
	.summary = "run a command with the synced GOROOT and PATH",
	.usage = "Usage: gonative exec [--no-sync] [--frozen] [--offline] [--target OS/ARCH]\n"
		 "                     -- CMD [ARGS...]\n"
		 "\n"
		 "Sync (unless --no-sync), then run CMD with GOROOT set to the installed\n"
		 "toolchain, its bin/ first on PATH and GOTOOLCHAIN=local.  --target adds\n"
		 "what `gonative env --target` prints: GOOS, GOARCH, GOARM and, with cc:,\n"
		 "CGO_ENABLED=1, CC and CXX for the locked Zig.  The exit code is CMD's.\n"
		 "\n"
		 "Options:\n"
		 "  --no-sync   use the installed tree as it is\n"
		 "  --frozen    sync without writing the lock (fail if it is stale)\n"
		 "  --offline   sync from the cache only\n"
		 "  --target T  cross-compile for T (os/arch)\n"
		 "  -h, --help  this help\n",
	.run = run_exec,
};
