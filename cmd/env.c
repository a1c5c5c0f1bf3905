/* cmd/env.c - gonative env */
#include "cmd/cmd.h"
#include "gn/buf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum shell { SHELL_POSIX, SHELL_FISH, SHELL_POWERSHELL };

static void
put_single_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'') {
			fputs("'\\''", stdout);
		} else {
			putchar(*s);
		}
	}
	putchar('\'');
}

static void
put_powershell_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'') {
			putchar('\'');
		}
		putchar(*s);
	}
	putchar('\'');
}

static void
put_var(enum shell shell, const char *name, const char *value)
{
	if (shell == SHELL_FISH) {
		printf("set -gx %s ", name);
		put_single_quoted(value);
		fputs(";\n", stdout);
	} else if (shell == SHELL_POWERSHELL) {
		printf("$env:%s = ", name);
		put_powershell_quoted(value);
		putchar('\n');
	} else {
		printf("export %s=", name);
		put_single_quoted(value);
		putchar('\n');
	}
}

static void
put_path(enum shell shell, const char *bin)
{
	if (shell == SHELL_FISH) {
		fputs("set -gx PATH ", stdout);
		put_single_quoted(bin);
		fputs(" $PATH;\n", stdout);
	} else if (shell == SHELL_POWERSHELL) {
		fputs("$env:PATH = ", stdout);
		put_powershell_quoted(bin);
		fputs(" + [IO.Path]::PathSeparator + $env:PATH\n", stdout);
	} else {
		fputs("export PATH=", stdout);
		put_single_quoted(bin);
		fputs(":\"$PATH\"\n", stdout);
	}
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

static int
run_env(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "shell", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project project;
	struct project_env env;
	struct gn_error err;
	enum shell shell = detect_shell();
	const char *target = NULL;
	bool json = false;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 's':
			if (strcmp(optarg, "sh") == 0 || strcmp(optarg, "bash") == 0 ||
			    strcmp(optarg, "zsh") == 0) {
				shell = SHELL_POSIX;
			} else if (strcmp(optarg, "fish") == 0) {
				shell = SHELL_FISH;
			} else if (strcmp(optarg, "powershell") == 0 ||
				   strcmp(optarg, "pwsh") == 0) {
				shell = SHELL_POWERSHELL;
			} else {
				return cli_usage(cli,
						 "--shell takes sh, bash, zsh, fish or powershell, "
						 "not '%s'",
						 optarg);
			}
			break;
		case 't':
			target = optarg;
			break;
		case 'h':
			return cli_help(&cmd_env);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = cli_open_project(cli, &project, false, 0)) != 0) {
		return rc;
	}
	gn_error_clear(&err);
	if ((rc = project_env(&project, target, &env, &err)) < 0) {
		rc = cli_fail(cli, rc, &err);
		project_close(&project);
		return rc;
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
	} else {
		for (size_t i = 0; i < env.n; i++) {
			put_var(shell, env.vars[i].name, env.vars[i].value);
		}
		put_path(shell, env.path);
	}
	project_close(&project);
	return 0;
}

const struct cmd cmd_env = {
	.name = "env",
	.summary = "print GOROOT, PATH and GOTOOLCHAIN (and a target's C compiler) for a shell",
	.usage = "Usage: gonative env [--json] [--shell sh|bash|zsh|fish|powershell]\n"
		 "                    [--target OS/ARCH]\n"
		 "\n"
		 "Print the settings that put the synced toolchain first, for\n"
		 "`eval \"$(gonative env)\"`: GOROOT, GOTOOLCHAIN=local and PATH.  The shell\n"
		 "is taken from $SHELL unless --shell names one.  --json prints\n"
		 "{\"version\": 1, \"command\": \"env\", \"GOROOT\": ..., ..., \"PATH\": ...}\n"
		 "where PATH is the folder to prepend.\n"
		 "\n"
		 "--target OS/ARCH (one of the locked platforms) adds GOOS, GOARCH, GOARM\n"
		 "(linux/arm: 7) and, with cc: in the manifest, CGO_ENABLED=1, CC and CXX\n"
		 "(the locked Zig: \"<zig> cc -target <triple>\") and Zig's cache folders.\n"
		 "\n"
		 "Options:\n"
		 "  --json      one JSON object on stdout\n"
		 "  --shell S   output for shell S\n"
		 "  --target T  cross-compile for T (os/arch)\n"
		 "  -h, --help  this help\n",
	.run = run_env,
};
