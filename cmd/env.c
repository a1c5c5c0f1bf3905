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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct project project;
	enum shell shell = detect_shell();
	bool json = false;
	char bin[INSTALL_PATH_MAX + 8];
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
	snprintf(bin, sizeof(bin), "%s/bin", project.install.root);
	if (json) {
		struct gn_buf out;

		cli->json = true;
		gn_buf_init(&out);
		cli_json_begin(&out, "env");
		cli_json_str(&out, "GOROOT", project.install.root);
		cli_json_str(&out, "PATH", bin);
		cli_json_print(&out);
	} else if (shell == SHELL_FISH) {
		fputs("set -gx GOROOT ", stdout);
		put_single_quoted(project.install.root);
		fputs(";\nset -gx PATH ", stdout);
		put_single_quoted(bin);
		fputs(" $PATH;\n", stdout);
	} else if (shell == SHELL_POWERSHELL) {
		fputs("$env:GOROOT = ", stdout);
		put_powershell_quoted(project.install.root);
		fputs("\n$env:PATH = ", stdout);
		put_powershell_quoted(bin);
		fputs(" + [IO.Path]::PathSeparator + $env:PATH\n", stdout);
	} else {
		fputs("export GOROOT=", stdout);
		put_single_quoted(project.install.root);
		fputs("\nexport PATH=", stdout);
		put_single_quoted(bin);
		fputs(":\"$PATH\"\n", stdout);
	}
	project_close(&project);
	return 0;
}

const struct cmd cmd_env = {
	.name = "env",
	.summary = "print GOROOT and PATH for a shell",
	.usage = "Usage: gonative env [--json] [--shell sh|bash|zsh|fish|powershell]\n"
		 "\n"
		 "Print the settings that put the synced toolchain first, for\n"
		 "`eval \"$(gonative env)\"`.  The shell is taken from $SHELL unless --shell\n"
		 "names one.  --json prints {\"version\": 1, \"command\": \"env\", \"GOROOT\": "
		 "...,\n"
		 "\"PATH\": ...} where PATH is the folder to prepend.\n"
		 "\n"
		 "Options:\n"
		 "  --json      one JSON object on stdout\n"
		 "  --shell S   output for shell S\n"
		 "  -h, --help  this help\n",
	.run = run_env,
};
