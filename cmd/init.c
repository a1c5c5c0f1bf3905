/* cmd/init.c - gonative init */
#include "cmd/cmd.h"
#include "gn/fs.h"

#include <stdio.h>
#include <string.h>

#define INIT_MAX_PLATFORMS 64

static struct {
	const char *go;
	bool force;
	struct gn_platform platforms[INIT_MAX_PLATFORMS];
	size_t n_platforms;
} opts;

static int
add_platform(struct cli *cli, const char *arg, void *target)
{
	if (opts.n_platforms == INIT_MAX_PLATFORMS) {
		return cli_usage(cli, "too many --platform options");
	}
	if (gn_platform_parse(arg, &opts.platforms[opts.n_platforms]) != GN_PLATFORM_OK) {
		return cli_usage(cli,
				 "'%s' is not a Go platform (write os/arch as `go tool dist list` "
				 "prints it)",
				 arg);
	}
	opts.n_platforms++;
	return 0;
}

static const struct cli_option options[] = {
	{ .long_name = "go", .arg = "VERSION", .kind = CLI_STRING, .target = &opts.go,
	  .help = "Go version spec: 1.21.5, 1.21 or stable (default stable)" },
	{ .short_name = 'p', .long_name = "platform", .arg = "OS/ARCH", .kind = CLI_CALL,
	  .call = add_platform, .help = "a target platform to merge (repeatable)" },
	{ .long_name = "force", .kind = CLI_FLAG, .target = &opts.force,
	  .help = "overwrite an existing manifest" },
	CLI_OPTION_END,
};

static int
run_init(struct cli *cli, struct project *project)
{
	const char *path = cli->manifest_path ? cli->manifest_path : "gonative.yaml";
	const struct gn_platform *platforms = opts.platforms;
	struct gn_platform host;
	size_t n_platforms = opts.n_platforms;
	const char *go = opts.go;
	bool force = opts.force;
	struct gn_arena arena;
	struct manifest check;
	struct gn_error err;
	char *text;
	int rc;

	if (gn_path_exists(path) && !force) {
		gn_error_clear(&err);
		gn_error_set(&err, GN_E_USAGE, "%s already exists (use --force to overwrite it)",
			     path);
		return cli_fail(cli, -GN_E_USAGE, &err);
	}
	if (!gn_platform_host(&host)) {
		return cli_usage(cli, "this machine is not a platform Go supports");
	}
	gn_arena_init(&arena);
	gn_error_clear(&err);
	text = manifest_starter(&arena, go, &host, platforms, n_platforms);
	if (!text) {
		rc = cli_fail(cli, gn_error_nomem(&err), &err);
		goto out;
	}
	/* Never write a manifest that gonative itself would refuse. */
	if ((rc = manifest_parse(&arena, path, ".", text, strlen(text), &check, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		goto out;
	}
	if ((rc = gn_write_file_atomic(path, text, strlen(text), 0644, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		goto out;
	}
	cli_info(cli, "wrote %s; next: `gonative lock`", path);
	rc = 0;
out:
	gn_arena_free(&arena);
	return rc;
}

const struct cmd cmd_init = {
	.name = "init",
	.summary = "write a starter gonative.yaml for this machine",
	.synopsis = "[--go VERSION] [--platform OS/ARCH]... [--force]",
	.description = "Write a commented gonative.yaml whose host is this machine.\n",
	.options = options,
	.run = run_init,
};
