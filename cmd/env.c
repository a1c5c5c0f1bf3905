/* cmd/env.c - gonative env */
#include "cmd/cmd.h"
#include "gn/buf.h"
#include "gn/shquote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum shell { SHELL_POSIX, SHELL_FISH, SHELL_POWERSHELL };

/* Prints the lines for shell, or nothing when a value cannot be quoted for
 * it (gn/shquote.h says what each shell refuses). */
static int
put_env(enum shell shell, const struct project_env *env, struct gn_error *err)
{
	static const enum gn_shell quoter[] = {
		[SHELL_POSIX] = GN_SHELL_POSIX,
		[SHELL_FISH] = GN_SHELL_FISH,
		[SHELL_POWERSHELL] = GN_SHELL_POWERSHELL,
	};
	/* before the name, between name and value, after the value */
	static const char *const var[][3] = {
		[SHELL_POSIX] = { "export ", "=", "\n" },
		[SHELL_FISH] = { "set -gx ", " ", ";\n" },
		[SHELL_POWERSHELL] = { "$env:", " = ", "\n" },
	};
	static const char *const path[][2] = {
		[SHELL_POSIX] = { "export PATH=", ":\"$PATH\"\n" },
		[SHELL_FISH] = { "set -gx PATH ", " $PATH;\n" },
		[SHELL_POWERSHELL] = { "$env:PATH = ", " + [IO.Path]::PathSeparator + $env:PATH\n" },
	};
	struct gn_buf out;
	int rc = 0;

	gn_error_clear(err);
	gn_buf_init(&out);
	for (size_t i = 0; rc == 0 && i < env->n; i++) {
		gn_buf_puts(&out, var[shell][0]);
		gn_buf_puts(&out, env->vars[i].name);
		gn_buf_puts(&out, var[shell][1]);
		rc = gn_shquote(&out, quoter[shell], env->vars[i].value, err);
		gn_buf_puts(&out, var[shell][2]);
	}
	if (rc == 0) {
		gn_buf_puts(&out, path[shell][0]);
		rc = gn_shquote(&out, quoter[shell], env->path, err);
		gn_buf_puts(&out, path[shell][1]);
	}
	if (rc == 0 && out.failed) {
		rc = gn_error_nomem(err);
	}
	if (rc == 0) {
		fwrite(out.data, 1, out.len, stdout);
	}
	gn_buf_free(&out);
	return rc;
}

static enum shell
detect_shell(void)
{
	const char *sh = getenv("SHELL");
	const char *base = sh ? strrchr(sh, '/') : NULL;

	base = base ? base + 1 : sh;
	if (base && strcmp(base, "fish") == 0) {
		return SHELL_FISH;
	}
	if (base && (strcmp(base, "pwsh") == 0 || strcmp(base, "powershell") == 0)) {
		return SHELL_POWERSHELL;
	}
	return SHELL_POSIX;
}

static struct {
	bool json, shell_given;
	enum shell shell;
	const char *target;
} opts;

static int
parse_shell(struct cli *cli, const char *arg, void *target)
{
	if (strcmp(arg, "sh") == 0 || strcmp(arg, "bash") == 0 || strcmp(arg, "zsh") == 0) {
		opts.shell = SHELL_POSIX;
	} else if (strcmp(arg, "fish") == 0) {
		opts.shell = SHELL_FISH;
	} else if (strcmp(arg, "powershell") == 0 || strcmp(arg, "pwsh") == 0) {
		opts.shell = SHELL_POWERSHELL;
	} else {
		return cli_usage(cli, "--shell takes sh, bash, zsh, fish or powershell, not '%s'",
				 arg);
	}
	opts.shell_given = true;
	return 0;
}

static const struct cli_option options[] = {
	{ .long_name = "json", .kind = CLI_FLAG, .target = &opts.json,
	  .help = "one JSON object on stdout" },
	{ .long_name = "shell", .arg = "S", .kind = CLI_CALL, .call = parse_shell,
	  .help = "output for shell S" },
	{ .long_name = "target", .arg = "OS/ARCH", .kind = CLI_STRING, .target = &opts.target,
	  .help = "cross-compile for OS/ARCH" },
	CLI_OPTION_END,
};

static int
run_env(struct cli *cli, struct project *project)
{
	struct project_env env;
	struct gn_error err;
	enum shell shell = opts.shell_given ? opts.shell : detect_shell();
	const char *target = opts.target;
	bool json = opts.json;
	int rc;

	gn_error_clear(&err);
	if ((rc = project_env(project, target, &env, &err)) < 0) {
		return cli_fail(cli, rc, &err);
	}
	if (json) {
		struct gn_buf out;

		cli->json = true;
		gn_buf_init(&out);
		cli_json_begin(&out, "env");
		for (size_t i = 0; i < env.n; i++) {
			cli_json_str(&out, env.vars[i].name, env.vars[i].value);
		}
		cli_json_str(&out, "PATH", env.path);
		cli_json_print(&out);
	} else if ((rc = put_env(shell, &env, &err)) != 0) {
		return cli_fail(cli, rc, &err);
	}
	return 0;
}

const struct cmd cmd_env = {
	.name = "env",
	.summary = "print GOROOT, PATH and GOTOOLCHAIN (and a target's C compiler) for a shell",
	.synopsis = "[--json] [--shell sh|bash|zsh|fish|powershell]\n[--target OS/ARCH]",
	.description = "Print the settings that put the synced toolchain first, for\n"
		       "`eval \"$(gonative env)\"`: GOROOT, GOTOOLCHAIN=local and PATH.  The shell\n"
		       "is taken from $SHELL unless --shell names one.  --json prints\n"
		       "{\"version\": 1, \"command\": \"env\", \"GOROOT\": ..., ..., \"PATH\": ...}\n"
		       "where PATH is the folder to prepend.\n"
		       "\n"
		       "--target OS/ARCH (one of the locked platforms) adds GOOS, GOARCH, GOARM\n"
		       "(linux/arm: 7) and, with cc: in the manifest, CGO_ENABLED=1, CC and CXX\n"
		       "(the locked Zig: \"<zig> cc -target <triple>\") and Zig's cache folders.\n",
	.options = options,
	.project = true,
	.run = run_env,
};
