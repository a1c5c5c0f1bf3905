/*
 * cmd/main.c - global options and the one table of commands.
 * Adding a command: one new file exporting a struct cmd, one row below.
 */
#include "builder/fetch.h"
#include "builder/lazylib.h"
#include "cmd/cmd.h"
#include "gn/suggest.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
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

/* Commands that write (a stage folder, the cache, the lock): a signal asks
 * them to stop and clean up instead of dying where they stand.  The others
 * keep the default action. */
static const struct cmd *const cleans_up[] = { &cmd_lock, &cmd_sync, &cmd_mirror, NULL };

static volatile sig_atomic_t caught_signal;

static void
on_signal(int signo)
{
	/* A second signal while cleaning up changes nothing: cleanup finishes. */
	if (!caught_signal) {
		caught_signal = signo;
	}
}

int
cli_caught_signal(void)
{
	return caught_signal;
}

static bool
cli_cancelled(void *user)
{
	(void)user;
	return caught_signal != 0;
}

/* No SA_RESTART: a blocking wait (flock, poll) returns EINTR and the core
 * checks cli_cancelled() at once. */
static void
install_signal_handlers(const struct cmd *c)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	bool wanted = false;

	for (const struct cmd *const *w = cleans_up; *w; w++) {
		wanted = wanted || *w == c;
	}
	if (!wanted) {
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		struct sigaction old;

		/* A signal ignored by whoever started us (nohup) stays ignored. */
		if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
			continue;
		}
		sigaction(signals[i], &sa, NULL);
	}
}

static void
print_help(void)
{
	printf("gonative %s - a reproducible GOROOT with every target platform's native std\n\n",
	       GONATIVE_VERSION);
	printf("Usage: gonative [-C DIR] [-f MANIFEST] [--cache-dir DIR] [--cacert FILE] [-q|-v] "
	       "COMMAND [ARGS]\n\n");
	printf("Commands:\n");
	for (const struct cmd *const *c = commands; *c; c++) {
		printf("  %-8s  %s\n", (*c)->name, (*c)->summary);
	}
	printf("\nGlobal options:\n"
	       "  -C DIR            run as if started in DIR\n"
	       "  -f MANIFEST       manifest path (default gonative.yaml; the lock sits beside "
	       "it)\n"
	       "  --cache-dir DIR   download cache (default $GONATIVE_CACHE, "
	       "$XDG_CACHE_HOME/gonative,\n"
	       "                    ~/.cache/gonative)\n"
	       "  --cacert FILE     trust the CA certificates in FILE (PEM), e.g. your "
	       "company's\n"
	       "                    bundle (default $GONATIVE_CA_BUNDLE, $CURL_CA_BUNDLE,\n"
	       "                    $SSL_CERT_FILE, then the system store)\n"
	       "  -q, --quiet       print nothing on success\n"
	       "  -v, --verbose     print more detail\n"
	       "  -h, --help        this help; `gonative COMMAND --help` for a command\n"
	       "  -V, --version     print the version\n"
	       "\nExit codes: 0 success, 1 drift found (check, verify, sync --frozen), 2 usage "
	       "error\n"
	       "or invalid manifest/lock, 3 download failed on every mirror, 4 integrity failure,\n"
	       "5 local I/O or install failure, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM\n"
	       "(lock, sync and mirror clean up first).\n");
}

/* -q and -v are accepted after the command too (`gonative verify -q`);
 * they are removed from its arguments.  Stops at "--", and for exec at the
 * first plain word: what follows belongs to the command it runs. */
static int
take_global_flags(struct cli *cli, int argc, char **argv)
{
	bool is_exec = strcmp(argv[0], "exec") == 0;
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

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "cache-dir", required_argument, NULL, 'c' },
		{ "cacert", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const char *no_color = getenv("NO_COLOR");
	struct gn_error err;
	const char *cacert = NULL;
	int opt, rc;

	cli.tty = isatty(STDERR_FILENO);
	cli.color = cli.tty && !(no_color && no_color[0]);
	cli.events.fn = cli_event;
	cli.events.user = &cli;
	cli.events.cancelled = cli_cancelled;
	lazy_cli = &cli;
	lazylib_set_fail(lazy_fail);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+C:f:qvhV", options, NULL)) != -1) {
		switch (opt) {
		case 'C':
			if (chdir(optarg) != 0) {
				fprintf(stderr, "gonative: error: cannot change to %s: %s\n",
					optarg, strerror(errno));
				return 2;
			}
			break;
		case 'f':
			cli.manifest_path = optarg;
			break;
		case 'c':
			cli.cache_dir = optarg;
			break;
		case 'a':
			if (!optarg[0]) {
				return cli_usage(&cli, "--cacert needs a file");
			}
			cacert = optarg;
			break;
		case 'q':
			cli.verbosity = -1;
			break;
		case 'v':
			cli.verbosity = 1;
			break;
		case 'h':
			print_help();
			return 0;
		case 'V':
			printf("gonative %s\n", GONATIVE_VERSION);
			return 0;
		default:
			if (optopt == 'a' || optopt == 'c') {
				return cli_usage(&cli, "%s needs a value", argv[optind - 1]);
			}
			if (optopt) {
				return cli_usage(&cli, "unknown option -%c", optopt);
			}
			return cli_usage(&cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		print_help();
		return 2;
	}
	net_from_env(&cli.net, cacert);
	for (const struct cmd *const *c = commands; *c; c++) {
		if (strcmp((*c)->name, argv[optind]) != 0) {
			continue;
		}
		gn_error_clear(&err);
		if ((rc = fetch_global_init(&err)) < 0) {
			return cli_fail(&cli, rc, &err);
		}
		cli.command = (*c)->name;
		install_signal_handlers(*c);
		/* Each command parses its own options: argv[0] is its name. */
		{
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;

			sub_argc = take_global_flags(&cli, sub_argc, sub_argv);
			optind = 0;
			rc = (*c)->run(&cli, sub_argc, sub_argv);
		}
		cli_progress_end(&cli);
		fetch_global_cleanup();
		return rc;
	}
	{
		const char *names[32];
		size_t n = 0;
		const char *close;

		for (const struct cmd *const *c = commands; *c && n < 32; c++) {
			names[n++] = (*c)->name;
		}
		close = gn_suggest(argv[optind], names, n);
		if (close) {
			return cli_usage(&cli, "unknown command '%s': did you mean '%s'?",
					 argv[optind], close);
		}
	}
	return cli_usage(&cli, "unknown command '%s'", argv[optind]);
}
