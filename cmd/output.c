/*
 * cmd/output.c - everything the user sees: messages, warnings, errors and
 * the download progress (bars on a terminal, plain lines otherwise).
 */
#include "cmd/cmd.h"

#include "builder/minisign.h"
#include "gn/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BAR_SLOTS 8
#define BAR_WIDTH 24

struct bar {
	char name[96];
	long long done, total;
	double started;
	bool active;
};

static struct bar bars[BAR_SLOTS];
static int bars_drawn; /* lines currently on screen */
static double last_draw;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
human_bytes(long long n, char *out, size_t len)
{
	const char *units[] = { "B", "KiB", "MiB", "GiB" };
	double value = (double)n;
	int u = 0;

	while (value >= 1024 && u < 3) {
		value /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", value, units[u]);
}

static void
erase_bars(void)
{
	for (int i = 0; i < bars_drawn; i++) {
		fputs("\033[1A\033[2K", stderr);
	}
	bars_drawn = 0;
}

static void
draw_bars(const struct cli *cli, bool force)
{
	double now = now_seconds();

	if (!force && now - last_draw < 0.1) {
		return;
	}
	last_draw = now;
	erase_bars();
	for (int i = 0; i < BAR_SLOTS; i++) {
		struct bar *b = &bars[i];
		char done[32], total[32], rate[32], eta[32] = "--:--";
		double elapsed = now - b->started, per_second;
		int filled = 0;

		if (!b->active) {
			continue;
		}
		per_second = elapsed > 0 ? (double)b->done / elapsed : 0;
		human_bytes(b->done, done, sizeof(done));
		human_bytes(b->total > 0 ? b->total : 0, total, sizeof(total));
		human_bytes((long long)per_second, rate, sizeof(rate));
		if (b->total > 0) {
			filled = (int)(BAR_WIDTH * (double)b->done / (double)b->total);
			if (per_second > 0) {
				double left = (double)(b->total - b->done) / per_second;
				long s = (long)left;

				/* Past a day an estimate means nothing. */
				if (left >= 86400) {
					snprintf(eta, sizeof(eta), "--:--");
				} else if (s >= 3600) {
					snprintf(eta, sizeof(eta), "%ld:%02ld:%02ld", s / 3600,
						 s / 60 % 60, s % 60);
				} else {
					snprintf(eta, sizeof(eta), "%02ld:%02ld", s / 60, s % 60);
				}
			}
		}
		fprintf(stderr, " %-40.40s [", b->name);
		for (int k = 0; k < BAR_WIDTH; k++) {
			fputc(k < filled ? '#' : '-', stderr);
		}
		fprintf(stderr, "] %9s/%-9s %9s/s %s\n", done, total, rate, eta);
		bars_drawn++;
	}
	(void)cli;
	fflush(stderr);
}

void
cli_progress_end(struct cli *cli)
{
	if (cli->tty) {
		erase_bars();
		fflush(stderr);
	}
}

static struct bar *
bar_for(const char *name, bool create)
{
	struct bar *free_slot = NULL;

	for (int i = 0; i < BAR_SLOTS; i++) {
		if (bars[i].active && strcmp(bars[i].name, name) == 0) {
			return &bars[i];
		}
		if (!bars[i].active && !free_slot) {
			free_slot = &bars[i];
		}
	}
	if (create && free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
		free_slot->active = true;
		free_slot->started = now_seconds();
	}
	return create ? free_slot : NULL;
}

static void
message(const struct cli *cli, const char *label, const char *color, const char *text)
{
	if (cli->tty) {
		erase_bars();
	}
	if (cli->color && color) {
		fprintf(stderr, "gonative: \033[%sm%s\033[0m: %s\n", color, label, text);
	} else if (label) {
		fprintf(stderr, "gonative: %s: %s\n", label, text);
	} else {
		fprintf(stderr, "gonative: %s\n", text);
	}
	if (cli->tty) {
		draw_bars(cli, true);
	}
}

/* Has this warning been printed in this run already?  Remembers it if not. */
static bool
warned_before(struct cli *cli, const char *text)
{
	unsigned long long hash = 1469598103934665603ULL;

	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		hash = (hash ^ *c) * 1099511628211ULL;
	}
	for (size_t i = 0; i < cli->n_warned; i++) {
		if (cli->warned[i] == hash) {
			return true;
		}
	}
	if (cli->n_warned < sizeof(cli->warned) / sizeof(cli->warned[0])) {
		cli->warned[cli->n_warned++] = hash;
	}
	return false;
}

/* A download's events without a terminal: plain lines. */
static void
fetch_line(const struct cli *cli, const struct gn_event *ev, const char *name)
{
	char text[2048], size[32];

	switch (ev->kind) {
	case GN_EV_FETCH_START:
		if (cli->verbosity > 0) {
			snprintf(text, sizeof(text), "fetching %s from %s", name,
				 ev->url ? ev->url : "?");
			message(cli, NULL, NULL, text);
		}
		break;
	case GN_EV_FETCH_DONE:
		human_bytes(ev->done, size, sizeof(size));
		snprintf(text, sizeof(text), "fetched %s (%s)", name, size);
		message(cli, NULL, NULL, text);
		break;
	case GN_EV_FETCH_RETRY:
		snprintf(text, sizeof(text), "%s: %s (%s)", name,
			 ev->message ? ev->message : "retrying", ev->url ? ev->url : "");
		message(cli, "warning", "1;33", text);
		break;
	default:
		break;
	}
}

/* A download's events on a terminal: progress bars. */
static void
fetch_bar(const struct cli *cli, const struct gn_event *ev, const char *name)
{
	struct bar *b;
	char size[32];

	switch (ev->kind) {
	case GN_EV_FETCH_START:
		if ((b = bar_for(name, true))) {
			b->total = ev->total;
		}
		draw_bars(cli, true);
		break;
	case GN_EV_FETCH_PROGRESS:
		if ((b = bar_for(name, true))) {
			b->done = ev->done;
			if (ev->total > 0) {
				b->total = ev->total;
			}
		}
		draw_bars(cli, false);
		break;
	case GN_EV_FETCH_DONE:
		if ((b = bar_for(name, false))) {
			b->active = false;
		}
		erase_bars();
		human_bytes(ev->done, size, sizeof(size));
		fprintf(stderr, "gonative: fetched %s (%s)\n", name, size);
		draw_bars(cli, true);
		break;
	case GN_EV_FETCH_RETRY:
		fetch_line(cli, ev, name);
		break;
	default:
		break;
	}
}

void
cli_event(void *user, const struct gn_event *ev)
{
	struct cli *cli = user;
	const char *name = ev->name ? ev->name : "";

	switch (ev->kind) {
	case GN_EV_WARNING:
		if (cli->verbosity >= 0 && !warned_before(cli, ev->message ? ev->message : "")) {
			message(cli, "warning", "1;33", ev->message ? ev->message : "");
		}
		return;
	case GN_EV_INFO:
		if (cli->verbosity >= 0) {
			message(cli, NULL, NULL, ev->message ? ev->message : "");
		}
		return;
	case GN_EV_DEBUG:
		if (cli->verbosity > 0) {
			message(cli, NULL, NULL, ev->message ? ev->message : "");
		}
		return;
	default:
		break;
	}
	if (cli->verbosity >= 0) {
		(cli->tty ? fetch_bar : fetch_line)(cli, ev, name);
	}
}

void
cli_info(const struct cli *cli, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	if (cli->verbosity < 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	message(cli, NULL, NULL, text);
}

int
cli_fail(const struct cli *cli, int rc, const struct gn_error *err)
{
	char text[4096];
	enum gn_code code = gn_code_of(rc);
	int signo = cli_caught_signal();
	int exit_code = gn_code_exit(code);

	/* Whatever failure a signal caused on its way out, the exit says which
	 * signal it was (128 + its number, as a shell reports it). */
	if (signo > 0) {
		exit_code = 128 + signo;
	}

	if (cli->json) {
		struct gn_buf out;
		char exit_text[16];

		gn_buf_init(&out);
		cli_json_begin(&out, cli->command ? cli->command : "");
		cli_json_key(&out, "error");
		gn_buf_puts(&out, "{");
		gn_buf_json_string(&out, "code");
		gn_buf_puts(&out, ": ");
		gn_buf_json_string(&out, gn_code_name(code));
		snprintf(exit_text, sizeof(exit_text), "%d", exit_code);
		gn_buf_puts(&out, ", \"exit\": ");
		gn_buf_puts(&out, exit_text);
		gn_buf_puts(&out, ", \"message\": ");
		gn_error_format(err, text, sizeof(text));
		gn_buf_json_string(&out, text);
		gn_buf_puts(&out, ", \"file\": ");
		gn_buf_json_string(&out, err->file);
		gn_buf_puts(&out, ", \"url\": ");
		gn_buf_json_string(&out, err->url);
		gn_buf_puts(&out, ", \"expected\": ");
		gn_buf_json_string(&out, err->expected);
		gn_buf_puts(&out, ", \"got\": ");
		gn_buf_json_string(&out, err->got);
		gn_buf_puts(&out, "}");
		cli_json_print(&out);
	}

	if (cli->tty) {
		erase_bars();
	}
	gn_error_format(err, text, sizeof(text));
	if (cli->color) {
		fprintf(stderr, "gonative: \033[1;31merror\033[0m: %s\n", text);
	} else {
		fprintf(stderr, "gonative: error: %s\n", text);
	}
	if (signo > 0) {
		const char *name = sigabbrev_np(signo);

		fprintf(stderr, "gonative: stopped by SIG%s: nothing was installed\n",
			name ? name : "?");
	}
	return exit_code;
}

int
cli_usage(const struct cli *cli, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gonative: error: %s\n", text);
	if (cli->command) {
		fprintf(stderr, "Run `gonative %s --help` for usage.\n", cli->command);
	} else {
		fprintf(stderr, "Run `gonative --help` for usage.\n");
	}
	return gn_code_exit(GN_E_USAGE);
}

/* $var/in_var, else ~/in_home, into out when that file can be read. */
static const char *
config_file(const char *var, const char *in_var, const char *in_home, char *out, size_t len)
{
	const char *env = getenv(var), *home = getenv("HOME");

	out[0] = '\0';
	if (env && *env) {
		snprintf(out, len, "%s%s%s", env, in_var[0] ? "/" : "", in_var);
	} else if (home && *home) {
		snprintf(out, len, "%s/%s", home, in_home);
	}
	return out[0] && access(out, R_OK) == 0 ? out : NULL;
}

/*
 * Registry and mirror logins, the machine's settings: GONATIVE_REGISTRY_AUTH
 * (user:password), docker's config.json ($DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json) and netrc ($NETRC, else ~/.netrc), each only when
 * set or present.
 */
static struct oci_creds
registry_logins(const struct cli *cli)
{
	static char docker[4096];
	const char *auth = getenv("GONATIVE_REGISTRY_AUTH");
	struct oci_creds creds = {
		.user_pass = auth && *auth ? auth : NULL,
		.docker_config = config_file("DOCKER_CONFIG", "config.json", ".docker/config.json",
					     docker, sizeof(docker)),
		/* the same netrc as the proxies' (cmd/main.c) */
		.netrc = cli->net.netrc,
	};

	return creds;
}

int
cli_open_project(struct cli *cli, struct project **p, bool offline, int jobs)
{
	struct project_opts opts = {
		.manifest_path = cli->manifest_path,
		.cache_dir = cli->cache_dir,
		.home = getenv("HOME"),
		.offline = offline,
		.jobs = jobs,
		.events = &cli->events,
		.net = &cli->net,
		.registry = registry_logins(cli),
		.goroot_bootstrap = getenv("GOROOT_BOOTSTRAP"),
		.path = getenv("PATH"),
		.hardlink_store = getenv("GONATIVE_LINK_MODE") &&
				  strcmp(getenv("GONATIVE_LINK_MODE"), "hardlink") == 0,
	};
	static char cache_dir[GN_PATH_MAX];
	struct gn_error err;
	int rc;

	/* The core reads no environment: the default cache folder is found
	 * here (the install path is checked against it). */
	if (!opts.cache_dir && cache_default_dir(getenv("GONATIVE_CACHE"),
						 getenv("XDG_CACHE_HOME"), opts.home, cache_dir,
						 sizeof(cache_dir))) {
		opts.cache_dir = cache_dir;
	}
	opts.registry.net = &cli->net;
	gn_error_clear(&err);
	rc = project_open(p, &opts, &err);
	if (rc < 0) {
		return cli_fail(cli, rc, &err);
	}
	return 0;
}

void
cli_json_begin(struct gn_buf *out, const char *command)
{
	gn_buf_printf(out, "{\"version\": %d, \"command\": ", CLI_JSON_VERSION);
	gn_buf_json_string(out, command);
}

void
cli_json_key(struct gn_buf *out, const char *key)
{
	gn_buf_puts(out, ", ");
	gn_buf_json_string(out, key);
	gn_buf_puts(out, ": ");
}

void
cli_json_str(struct gn_buf *out, const char *key, const char *value)
{
	cli_json_key(out, key);
	if (value) {
		gn_buf_json_string(out, value);
	} else {
		gn_buf_puts(out, "null");
	}
}

void
cli_json_bool(struct gn_buf *out, const char *key, bool value)
{
	cli_json_key(out, key);
	gn_buf_puts(out, value ? "true" : "false");
}

void
cli_json_print(struct gn_buf *out)
{
	gn_buf_puts(out, "}\n");
	if (!out->failed) {
		fwrite(out->data, 1, out->len, stdout);
		fflush(stdout);
	}
	gn_buf_free(out);
}

FILE *
cli_out(const struct cli *cli)
{
	return cli->json ? stderr : stdout;
}

/* Reads a line from the terminal with echo off; false without a terminal. */
static bool
read_password(const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	bool ok = false;

	if (!tty) {
		return false;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		ok = fgets(out, (int)len, tty) != NULL;
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	if (ok) {
		out[strcspn(out, "\r\n")] = '\0';
	}
	return ok;
}

int
cli_load_seckey(struct cli *cli, const char *path, struct minisign_seckey *key)
{
	const char *password = NULL;
	char typed[1024];
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	if (minisign_seckey_encrypted(path)) {
		password = getenv("GONATIVE_PASSWORD");
		if (!password) {
			char prompt[4200];

			snprintf(prompt, sizeof(prompt), "Password for %s: ", path);
			if (!read_password(prompt, typed, sizeof(typed))) {
				gn_error_set(&err, GN_E_USAGE,
					     "%s is encrypted: set GONATIVE_PASSWORD or run on a "
					     "terminal",
					     path);
				return cli_fail(cli, -GN_E_USAGE, &err);
			}
			password = typed;
		}
	}
	rc = minisign_seckey_load(path, password, key, &err);
	explicit_bzero(typed, sizeof(typed));
	if (rc < 0) {
		return cli_fail(cli, rc, &err);
	}
	return 0;
}
