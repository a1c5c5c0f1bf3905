/*
 * cmd/cmd.h - the thin CLI: argument parsing, output, progress.
 * Each command is one file exporting a struct cmd; main.c holds the table.
 */
#ifndef CMD_H
#define CMD_H

#include "builder/fetch.h"
#include "builder/minisign.h"
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
	struct project *project;   /* open while a command runs (cli_run) */
	char **operands;           /* the command's operands, NULL-terminated */
	int n_operands;
	/* Warnings already printed in this run (FNV-1a of the text): each is
	 * said once, however many stages raise it. */
	unsigned long long warned[64];
	size_t n_warned;
};

/*
 * One option of a command (or of gonative itself), declared once: the
 * parser, `--help`, `gonative --dump-cli` and, through tests/docs, the man
 * pages and shell completions all read it (docs/design.md, section 19).
 */
enum cli_kind {
	CLI_FLAG,   /* bool *target = true */
	CLI_SET,    /* int *target = value */
	CLI_STRING, /* const char **target = the argument */
	CLI_NUMBER, /* int *target = the argument, a number from min to max */
	CLI_JSON,   /* cli->json = true */
	CLI_CALL,   /* call(cli, the argument or NULL, target) */
};

/* What a CLI_CALL callback returns to stop with exit 0 (-V). */
#define CLI_STOP (-1)

struct cli;
struct cli_option {
	char short_name;       /* 0: none */
	const char *long_name; /* NULL: none */
	const char *arg;       /* placeholder (N, FILE); NULL: takes no argument */
	const char *help;      /* '\n' starts an indented line; NULL: hidden */
	enum cli_kind kind;
	void *target;
	int value, min, max; /* CLI_SET; CLI_NUMBER's range */
	/* CLI_CALL: 0 to go on, an exit code, or CLI_STOP. */
	int (*call)(struct cli *cli, const char *arg, void *target);
};

#define CLI_OPTION_END { 0 }

/* A signing key named by an option (--sign SECRET_KEY): cli_run loads it
 * after the command's check, before any work (a password is asked first),
 * and wipes it at the end. */
struct cli_key {
	const char *path; /* the option's target; NULL: not asked for */
	struct minisign_seckey key;
};

struct cmd {
	const char *name;
	const char *summary;     /* one line for `gonative --help` */
	const char *synopsis;    /* after "Usage: gonative NAME "; '\n' continues it */
	const char *description; /* between the usage line and "Options:" */
	const struct cli_option *options; /* ends with CLI_OPTION_END; -h is implied */
	int min_operands, max_operands;   /* max -1: any number */
	/* Usage message when the operand count is wrong; NULL: "unexpected
	 * argument '%s'" for the first extra one. */
	const char *operand_error;
	bool stop_at_operand; /* exec: the first operand and all after it are its */
	bool cleans_up;       /* a signal asks it to stop and clean up (main.c) */
	bool project;         /* open the project before run, close it after */
	const bool *offline;  /* the project's mode, from the options (or NULL) */
	const int *jobs;
	struct cli_key *key;  /* its signing key option, if it has one */
	/* After the options, before the key and the project: rules across
	 * options.  0 or an exit code. */
	int (*check)(struct cli *cli);
	/* project is NULL unless .project; the operands are in cli. */
	int (*run)(struct cli *cli, struct project *project);
};

/* Every command, in main.c's table. */
extern const struct cmd cmd_init, cmd_lock, cmd_sync, cmd_check, cmd_verify, cmd_env, cmd_hash,
	cmd_exec, cmd_mirror;

/*
 * The parser (cli.c).  cli_parse reads options from argv[1..] (argv[0] is
 * the program or command name) with getopt_long's rules: permutation unless
 * stop_at_operand, unique prefixes of long names, --opt=value, clusters,
 * "--".  Returns 0 with *first_operand set, CLI_HELP for -h/--help,
 * CLI_STOP, or an exit code after printing the usage error.
 */
#define CLI_HELP (-2)
int cli_parse(struct cli *cli, const struct cli_option *options, bool stop_at_operand, int argc,
	      char **argv, int *first_operand);

/* Parses a command's options and operands, opens the project, runs it,
 * closes the project; returns the exit code. */
int cli_run(struct cli *cli, const struct cmd *cmd, int argc, char **argv);

/* Closes the project cli_run opened, now (exec, before it replaces the
 * process); cli_run then does not close it again. */
void cli_close_project(struct cli *cli);

/* Option list lines ("  -j, --jobs N  parallel downloads"), -h last unless
 * the table has it, with the help text starting at column min_column or
 * further; options may be NULL. */
void cli_print_options(FILE *out, const struct cli_option *options, int min_column);

/* gn/error.h's GN_EXITS as data, for the help and the dump. */
struct cli_exit {
	int status;
	const char *meaning;
};
extern const struct cli_exit cli_exits[];
extern const size_t cli_n_exits;

/* One JSON document describing gonative's usage line and global options,
 * every command, the exit statuses and the signals that stop a command
 * (`gonative --dump-cli`, hidden; read by tests/docs). */
void cli_dump(const char *synopsis, const struct cli_option *global,
	      const struct cmd *const *commands, const int *signals, size_t n_signals);

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
 * code on failure (0 on success).  cli_run calls it. */
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

/* Prints cmd's usage to stdout (for --help), rendered from its table;
 * returns 0. */
int cli_help(const struct cmd *cmd);

#endif
