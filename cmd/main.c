/*
 * cmd/main.c - global options and the one table of commands.
 * Adding a command: one new file exporting a struct cmd, one row below.
 */
#include "builder/fetch.h"
#include "builder/lazylib.h"
#include "cmd/cmd.h"
#include "gn/buf.h"
#include "gn/suggest.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A variable's value, or NULL when it is unset or empty (as curl reads them). */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

/* The first of names that is set: its value, and its name in *from. */
static const char *
env_first(const char *const *names, const char **from)
{
	for (; *names; names++) {
		const char *v = env_value(*names);
		if (v) {
			*from = *names;
			return v;
		}
	}
	*from = NULL;
	return NULL;
}

/*
 * The machine's network settings, never the manifest's.  The order is
 * curl's: for https:// URLs https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY;
 * for http:// URLs http_proxy, all_proxy, ALL_PROXY (curl ignores
 * HTTP_PROXY: a CGI program gets it from a request's Proxy: header);
 * no_proxy before NO_PROXY.  CA bundle: --cacert, GONATIVE_CA_BUNDLE,
 * CURL_CA_BUNDLE, SSL_CERT_FILE; CA folder: SSL_CERT_DIR.  Proxy
 * credentials missing from the URL come from $NETRC or ~/.netrc.
 */
static void
net_from_env(struct fetch_net *net, const char *cacert)
{
	static const char *const https_names[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
						   "ALL_PROXY", NULL };
	static const char *const http_names[] = { "http_proxy", "all_proxy", "ALL_PROXY", NULL };
	static const char *const no_names[] = { "no_proxy", "NO_PROXY", NULL };
	static const char *const ca_names[] = { "GONATIVE_CA_BUNDLE", "CURL_CA_BUNDLE",
						"SSL_CERT_FILE", NULL };
	static char netrc[4096];
	const char *home = env_value("HOME");

	if (cacert) {
		net->ca_file = cacert;
		net->ca_file_from = "--cacert";
	} else {
		net->ca_file = env_first(ca_names, &net->ca_file_from);
	}
	if (env_value("GONATIVE_STALL_TIMEOUT")) {
		char *end;
		long v = strtol(env_value("GONATIVE_STALL_TIMEOUT"), &end, 10);

		net->stall_timeout = *end == '\0' && v > 0 ? v : 0;
	}
	net->ca_dir = env_value("SSL_CERT_DIR");
	net->ca_dir_from = net->ca_dir ? "SSL_CERT_DIR" : NULL;
	net->https_proxy = env_first(https_names, &net->https_proxy_from);
	net->http_proxy = env_first(http_names, &net->http_proxy_from);
	net->no_proxy = env_first(no_names, &net->no_proxy_from);
	if (env_value("NETRC")) {
		net->netrc = env_value("NETRC");
	} else if (home && snprintf(netrc, sizeof(netrc), "%s/.netrc", home) < (int)sizeof(netrc)) {
		net->netrc = netrc;
	}
}

static const struct cmd *const commands[] = {
	&cmd_init, &cmd_lock, &cmd_sync, &cmd_check,  &cmd_verify,
	&cmd_env,  &cmd_exec, &cmd_hash, &cmd_mirror, NULL,
};

/* A signal asks a command that writes (a stage folder, the cache, the
 * lock: .cleans_up) to stop and clean up instead of dying where it stands.
 * The others keep the default action.  Sorted by number for the help. */
static const int stop_signals[] = { SIGHUP, SIGINT, SIGTERM };

/* Atomic: the download thread (builder/pipeline.c) polls it too.  A
 * lock-free atomic is safe in a signal handler (C11 7.14.1.1). */
static atomic_int caught_signal;

static void
on_signal(int signo)
{
	int none = 0;

	/* A second signal while cleaning up changes nothing: cleanup finishes. */
	atomic_compare_exchange_strong(&caught_signal, &none, signo);
}

int
cli_caught_signal(void)
{
	return atomic_load(&caught_signal);
}

static bool
cli_cancelled(void *user)
{
	(void)user;
	return atomic_load(&caught_signal) != 0;
}

/* No SA_RESTART: a blocking wait (flock, poll) returns EINTR and the core
 * checks cli_cancelled() at once. */
static void
install_signal_handlers(const struct cmd *c)
{
	struct sigaction sa;

	if (!c->cleans_up) {
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* One handler at a time: a second signal waits, so the first is kept. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		sigaddset(&sa.sa_mask, stop_signals[i]);
	}
	sa.sa_flags = 0;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct sigaction old;

		/* A signal ignored by whoever started us (nohup) stays ignored. */
		if (sigaction(stop_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
			continue;
		}
		sigaction(stop_signals[i], &sa, NULL);
	}
}

/* text, wrapped at width columns where it has spaces. */
static void
print_wrapped(const char *text, int width)
{
	int column = 0;

	while (*text) {
		int word = (int)strcspn(text, " ");

		if (column && column + 1 + word > width) {
			putchar('\n');
			column = 0;
		} else if (column) {
			putchar(' ');
			column++;
		}
		printf("%.*s", word, text);
		column += word;
		text += word;
		text += strspn(text, " ");
	}
	putchar('\n');
}

/* "Exit codes: 0 success, ...": gn/error.h's exit table, the signals and
 * the commands that clean up. */
static void
print_exit_codes(void)
{
	const size_t n_signals = sizeof(stop_signals) / sizeof(stop_signals[0]);
	const struct cmd *cleaners[16];
	size_t n_cleaners = 0;
	struct gn_buf text;

	gn_buf_init(&text);
	gn_buf_puts(&text, "Exit codes:");
	for (size_t i = 0; i < cli_n_exits; i++) {
		gn_buf_printf(&text, " %d %s,", cli_exits[i].status, cli_exits[i].meaning);
	}
	for (size_t i = 0; i < n_signals; i++) {
		gn_buf_printf(&text, "%s%d", i ? "/" : " ", 128 + stop_signals[i]);
	}
	gn_buf_puts(&text, " stopped by");
	for (size_t i = 0; i < n_signals; i++) {
		gn_buf_printf(&text, "%sSIG%s", i ? "/" : " ", sigabbrev_np(stop_signals[i]));
	}
	for (const struct cmd *const *c = commands; *c && n_cleaners < 16; c++) {
		if ((*c)->cleans_up) {
			cleaners[n_cleaners++] = *c;
		}
	}
	for (size_t i = 0; i < n_cleaners; i++) {
		gn_buf_printf(&text, "%s%s", i == 0 ? " (" : i + 1 == n_cleaners ? " and " : ", ",
			      cleaners[i]->name);
	}
	gn_buf_puts(&text, n_cleaners ? " clean up first)." : ".");
	/* 82 columns: the width this text always had. */
	if (!text.failed) {
		print_wrapped(text.data, 82);
	}
	gn_buf_free(&text);
}

static const char usage_line[] = "[-C DIR] [-f MANIFEST] [--cache-dir DIR] [--cacert FILE] [-q|-v] "
				 "COMMAND [ARGS]";

static void
print_help(const struct cli_option *global)
{
	printf("gonative %s - a reproducible GOROOT with every target platform's native std\n\n",
	       GONATIVE_VERSION);
	printf("Usage: gonative %s\n\n", usage_line);
	printf("Commands:\n");
	for (const struct cmd *const *c = commands; *c; c++) {
		printf("  %-8s  %s\n", (*c)->name, (*c)->summary);
	}
	printf("\nGlobal options:\n");
	cli_print_options(stdout, global, 20);
	putchar('\n');
	print_exit_codes();
}

/* -q and -v are accepted after the command too (`gonative verify -q`);
 * they are removed from its arguments.  Stops at "--", and for exec (which
 * stops at its first operand) at the first plain word: what follows belongs
 * to the command it runs. */
static int
take_global_flags(struct cli *cli, const struct cmd *cmd, int argc, char **argv)
{
	bool is_exec = cmd->stop_at_operand;
	int kept = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || (is_exec && argv[i][0] != '-')) {
			while (i < argc) {
				argv[kept++] = argv[i++];
			}
			break;
		}
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			cli->verbosity = -1;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			cli->verbosity = 1;
		} else {
			argv[kept++] = argv[i];
		}
	}
	argv[kept] = NULL;
	return kept;
}

static struct cli *lazy_cli;

/* libcurl or libarchive could not be loaded on first use
 * (builder/lazylib.h): nothing can go on without it. */
static void
lazy_fail(const char *message)
{
	struct gn_error err;

	gn_error_clear(&err);
	gn_error_set(&err, GN_E_IO, "%s", message);
	cli_progress_end(lazy_cli);
	exit(cli_fail(lazy_cli, -GN_E_IO, &err));
}

/* ---- the global options ---- */

static const char *cacert;
static bool dump_cli;

static int
change_dir(struct cli *cli, const char *dir, void *target)
{
	if (chdir(dir) != 0) {
		fprintf(stderr, "gonative: error: cannot change to %s: %s\n", dir, strerror(errno));
		return 2;
	}
	return 0;
}

static int
set_cacert(struct cli *cli, const char *file, void *target)
{
	if (!file[0]) {
		return cli_usage(cli, "--cacert needs a file");
	}
	cacert = file;
	return 0;
}

static int
print_version(struct cli *cli, const char *arg, void *target)
{
	printf("gonative %s\n", GONATIVE_VERSION);
	return CLI_STOP;
}

static const struct cmd *
find_command(const char *name)
{
	for (const struct cmd *const *c = commands; *c; c++) {
		if (strcmp((*c)->name, name) == 0) {
			return *c;
		}
	}
	return NULL;
}

static int
unknown_command(struct cli *cli, const char *name)
{
	const char *names[32];
	size_t n = 0;
	const char *close;

	for (const struct cmd *const *c = commands; *c && n < 32; c++) {
		names[n++] = (*c)->name;
	}
	close = gn_suggest(name, names, n);
	if (close) {
		return cli_usage(cli, "unknown command '%s': did you mean '%s'?", name, close);
	}
	return cli_usage(cli, "unknown command '%s'", name);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cli_option global[] = {
		{ .short_name = 'C', .arg = "DIR", .kind = CLI_CALL, .call = change_dir,
		  .help = "run as if started in DIR" },
		{ .short_name = 'f', .arg = "MANIFEST", .kind = CLI_STRING,
		  .target = &cli.manifest_path,
		  .help = "manifest path (default gonative.yaml; the lock sits beside it)" },
		{ .long_name = "cache-dir", .arg = "DIR", .kind = CLI_STRING,
		  .target = &cli.cache_dir,
		  .help = "download cache (default $GONATIVE_CACHE, $XDG_CACHE_HOME/gonative,\n"
			  "~/.cache/gonative)" },
		{ .long_name = "cacert", .arg = "FILE", .kind = CLI_CALL, .call = set_cacert,
		  .help = "trust the CA certificates in FILE (PEM), e.g. your company's\n"
			  "bundle (default $GONATIVE_CA_BUNDLE, $CURL_CA_BUNDLE,\n"
			  "$SSL_CERT_FILE, then the system store)" },
		{ .short_name = 'q', .long_name = "quiet", .kind = CLI_SET,
		  .target = &cli.verbosity, .value = -1, .help = "print nothing on success" },
		{ .short_name = 'v', .long_name = "verbose", .kind = CLI_SET,
		  .target = &cli.verbosity, .value = 1, .help = "print more detail" },
		{ .short_name = 'h', .long_name = "help",
		  .help = "this help; `gonative COMMAND --help` for a command" },
		{ .short_name = 'V', .long_name = "version", .kind = CLI_CALL,
		  .call = print_version, .help = "print the version" },
		/* Hidden: the tables as JSON, for tests/docs. */
		{ .long_name = "dump-cli", .kind = CLI_FLAG, .target = &dump_cli },
		CLI_OPTION_END,
	};
	const char *no_color = getenv("NO_COLOR");
	const struct cmd *cmd;
	struct gn_error err;
	int first, rc;

	cli.tty = isatty(STDERR_FILENO);
	cli.color = cli.tty && !(no_color && no_color[0]);
	cli.events.fn = cli_event;
	cli.events.user = &cli;
	cli.events.cancelled = cli_cancelled;
	lazy_cli = &cli;
	lazylib_set_fail(lazy_fail);
	rc = cli_parse(&cli, global, true, argc, argv, &first);
	if (rc == CLI_HELP) {
		print_help(global);
		return 0;
	}
	if (rc != 0) {
		return rc == CLI_STOP ? 0 : rc;
	}
	if (dump_cli) {
		cli_dump(usage_line, global, commands, stop_signals,
			 sizeof(stop_signals) / sizeof(stop_signals[0]));
		return 0;
	}
	if (first >= argc) {
		print_help(global);
		return 2;
	}
	net_from_env(&cli.net, cacert);
	cmd = find_command(argv[first]);
	if (!cmd) {
		return unknown_command(&cli, argv[first]);
	}
	gn_error_clear(&err);
	if ((rc = fetch_global_init(&err)) < 0) {
		return cli_fail(&cli, rc, &err);
	}
	cli.command = cmd->name;
	install_signal_handlers(cmd);
	/* The command parses its own options: argv[0] is its name. */
	rc = cli_run(&cli, cmd, take_global_flags(&cli, cmd, argc - first, argv + first),
		     argv + first);
	cli_progress_end(&cli);
	fetch_global_cleanup();
	return rc;
}
