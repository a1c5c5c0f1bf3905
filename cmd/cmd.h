/*
 * cmd/cmd.h - the thin CLI: argument parsing, output, progress.
 * Each command is one file exporting a struct cmd; main.c holds the table.
 */
#ifndef CMD_H
#define CMD_H

#include "builder/fetch.h"
#include "builder/project.h"
#include "gn/error.h"
#include "gn/events.h"

#include <stdbool.h>
#include <stdio.h>

struct cli {
	const char *manifest_path; /* -f */
	const char *cache_dir;     /* --cache-dir */
	int verbosity;             /* -1 quiet, 0 normal, 1 verbose */
	bool color;                /* stderr is a terminal and NO_COLOR is unset */
	bool tty;                  /* stderr is a terminal: progress bars */
	struct gn_events events;   /* prints through cli_event() */
	const char *command;       /* for messages */
	bool json;                 /* --json: one JSON document on stdout */
	struct fetch_net net;      /* --cacert, CA and proxy variables (main.c) */
	/* Warnings already printed in this run (FNV-1a of the text): each is
	 * said once, however many stages raise it. */
	unsigned long long warned[64];
	size_t n_warned;
};

struct cmd {
	const char *name;
	const char *summary; /* one line for `gonative --help` */
	const char *usage;   /* full `gonative NAME --help` text */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* Every command, in main.c's table. */
extern const struct cmd cmd_init, cmd_lock, cmd_sync, cmd_check, cmd_verify, cmd_env, cmd_hash,
	cmd_exec, cmd_mirror;

/* Output helpers (output.c). */
void cli_event(void *user, const struct gn_event *event);
void cli_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The signal (SIGINT, SIGTERM, SIGHUP) that asked a running command to
 * stop, or 0 (main.c; handlers only for commands that clean up). */
int cli_caught_signal(void);
/* Prints "gonative: error: ..." and returns the exit code for rc
 * (128 + the signal once one was caught). */
int cli_fail(const struct cli *cli, int rc, const struct gn_error *err);
/* Usage error for the current command: message + hint; returns 2. */
int cli_usage(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clears progress lines before normal output. */
void cli_progress_end(struct cli *cli);

/* Opens the project with the global options; prints and returns the exit
 * code on failure (0 on success). */
int cli_open_project(struct cli *cli, struct project **p, bool offline, int jobs);

/*
 * JSON output (--json): every document is an object starting with
 * "version": CLI_JSON_VERSION and "command".  Build it in a gn_buf with
 * the helpers, then cli_json_print() writes it to stdout.
 */
#define CLI_JSON_VERSION 1
struct gn_buf;
void cli_json_begin(struct gn_buf *out, const char *command);
void cli_json_str(struct gn_buf *out, const char *key, const char *value); /* NULL -> null */
void cli_json_bool(struct gn_buf *out, const char *key, bool value);
void cli_json_key(struct gn_buf *out, const char *key); /* then raw value text */
void cli_json_print(struct gn_buf *out);                /* closes, prints, frees */

/* Where human-readable results go: stdout, or stderr under --json. */
FILE *cli_out(const struct cli *cli);

/* Load a minisign secret key; asks for its password (GONATIVE_PASSWORD or
 * the terminal) when it is encrypted.  Prints and returns the exit code on
 * failure, 0 on success. */
struct minisign_seckey;
int cli_load_seckey(struct cli *cli, const char *path, struct minisign_seckey *key);

/* Prints cmd's usage to stdout (for --help); returns 0. */
int cli_help(const struct cmd *cmd);

#endif
