/*
 * cmd/cli.c - the small CLI framework: every command declares its options
 * once (struct cli_option, cmd/cmd.h); this file parses them, renders the
 * usage text from them, handles -h, unknown options, operands and the
 * project's lifetime, and dumps them for tests/docs (docs/design.md,
 * section 19).  git's parse_options and apk's applets are the models.
 */
#include "cmd/cmd.h"

#include "gn/buf.h"
#include "gn/suggest.h"

#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's value for the i-th option of a table; short options
 * return their letter. */
#define CLI_LONG_BASE 256
#define CLI_HELP_VALUE (CLI_LONG_BASE - 1)
#define CLI_MAX_OPTIONS 32

/* Every table has it; a table may declare it to give it its own text. */
static const struct cli_option help_option = {
	.short_name = 'h',
	.long_name = "help",
	.help = "this help",
};

static bool
is_help(const struct cli_option *o)
{
	return o->short_name == 'h' && o->long_name && strcmp(o->long_name, "help") == 0;
}

static bool
is_end(const struct cli_option *o)
{
	return !o->short_name && !o->long_name;
}

static size_t
count_options(const struct cli_option *options)
{
	size_t n = 0;

	while (options && !is_end(&options[n])) {
		n++;
	}
	assert(n <= CLI_MAX_OPTIONS);
	return n;
}

static bool
has_help(const struct cli_option *options)
{
	for (size_t i = 0; options && !is_end(&options[i]); i++) {
		if (is_help(&options[i])) {
			return true;
		}
	}
	return false;
}

/* "unknown option --frozn: did you mean '--frozen'?" when one is close. */
static int
unknown_option(struct cli *cli, const struct cli_option *options, const char *text)
{
	const char *names[CLI_MAX_OPTIONS + 1];
	const char *close = NULL;
	size_t n = 0;

	/* A letter: "-x" (argv may hold it inside a cluster such as -qx). */
	if (optopt > 0 && optopt < CLI_HELP_VALUE) {
		return cli_usage(cli, "unknown option -%c", optopt);
	}
	if (optopt == 0 && strncmp(text, "--", 2) == 0 && text[2]) {
		char word[64];

		snprintf(word, sizeof(word), "%.*s", (int)strcspn(text + 2, "="), text + 2);
		for (size_t i = 0; options && !is_end(&options[i]); i++) {
			if (options[i].long_name && options[i].help && !is_help(&options[i])) {
				names[n++] = options[i].long_name;
			}
		}
		names[n++] = "help";
		close = gn_suggest(word, names, n);
	}
	if (close) {
		return cli_usage(cli, "unknown option %s: did you mean '--%s'?", text, close);
	}
	return cli_usage(cli, "unknown option %s", text);
}

static int
apply_option(struct cli *cli, const struct cli_option *o, const char *arg)
{
	long number;
	char *end;

	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)o->target = true;
		return 0;
	case CLI_SET:
		*(int *)o->target = o->value;
		return 0;
	case CLI_STRING:
		*(const char **)o->target = arg;
		return 0;
	case CLI_NUMBER:
		number = strtol(arg, &end, 10);
		if (*end || end == arg || number < o->min || number > o->max) {
			return cli_usage(cli, "--%s takes a number from %d to %d, not '%s'",
					 o->long_name, o->min, o->max, arg);
		}
		*(int *)o->target = (int)number;
		return 0;
	case CLI_JSON:
		cli->json = true;
		return 0;
	case CLI_CALL:
		return o->call ? o->call(cli, arg, o->target) : 0;
	}
	return 0;
}

int
cli_parse(struct cli *cli, const struct cli_option *options, bool stop_at_operand, int argc,
	  char **argv, int *first_operand)
{
	struct option longopts[CLI_MAX_OPTIONS + 2];
	char shortopts[4 + 2 * CLI_MAX_OPTIONS + 1];
	size_t n = count_options(options), n_long = 0, s = 0;
	int opt, rc;

	/* "+": stop at the first operand; ":": tell a missing value apart. */
	if (stop_at_operand) {
		shortopts[s++] = '+';
	}
	shortopts[s++] = ':';
	shortopts[s++] = 'h';
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &options[i];

		if (is_help(o)) {
			continue;
		}
		if (o->short_name) {
			shortopts[s++] = o->short_name;
			if (o->arg) {
				shortopts[s++] = ':';
			}
		}
		if (o->long_name) {
			longopts[n_long++] = (struct option){ o->long_name,
							      o->arg ? required_argument
								     : no_argument,
							      NULL, CLI_LONG_BASE + (int)i };
		}
	}
	shortopts[s] = '\0';
	longopts[n_long++] = (struct option){ "help", no_argument, NULL, CLI_HELP_VALUE };
	longopts[n_long] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_option *o = NULL;

		if (opt == ':') {
			return cli_usage(cli, "%s needs a value", argv[optind - 1]);
		}
		if (opt == '?') {
			return unknown_option(cli, options, argv[optind - 1]);
		}
		if (opt == 'h' || opt == CLI_HELP_VALUE) {
			return CLI_HELP;
		}
		if (opt >= CLI_LONG_BASE) {
			o = &options[opt - CLI_LONG_BASE];
		}
		for (size_t i = 0; !o && i < n; i++) {
			if (options[i].short_name == opt) {
				o = &options[i];
			}
		}
		if (o && (rc = apply_option(cli, o, optarg)) != 0) {
			return rc;
		}
	}
	*first_operand = optind;
	return 0;
}

void
cli_close_project(struct cli *cli)
{
	if (cli->project) {
		project_close(cli->project);
		cli->project = NULL;
	}
}

int
cli_run(struct cli *cli, const struct cmd *cmd, int argc, char **argv)
{
	struct project *project = NULL;
	int first = argc, n, rc;

	rc = cli_parse(cli, cmd->options, cmd->stop_at_operand, argc, argv, &first);
	if (rc == CLI_HELP) {
		return cli_help(cmd);
	}
	if (rc != 0) {
		return rc == CLI_STOP ? 0 : rc;
	}
	n = argc - first;
	if (n < cmd->min_operands || (cmd->max_operands >= 0 && n > cmd->max_operands)) {
		if (cmd->operand_error) {
			return cli_usage(cli, "%s", cmd->operand_error);
		}
		if (n < cmd->min_operands) {
			return cli_usage(cli, "%s needs %d operand(s)", cmd->name, cmd->min_operands);
		}
		return cli_usage(cli, "unexpected argument '%s'", argv[first + cmd->max_operands]);
	}
	if (cmd->check && (rc = cmd->check(cli)) != 0) {
		goto out;
	}
	if (cmd->key && cmd->key->path &&
	    (rc = cli_load_seckey(cli, cmd->key->path, &cmd->key->key)) != 0) {
		goto out;
	}
	if (cmd->project) {
		rc = cli_open_project(cli, &project, cmd->offline && *cmd->offline,
				      cmd->jobs ? *cmd->jobs : 0);
		if (rc != 0) {
			goto out;
		}
		cli->project = project;
	}
	cli->operands = argv + first;
	cli->n_operands = n;
	rc = cmd->run(cli, project);
	cli_close_project(cli);
out:
	if (cmd->key) {
		minisign_seckey_wipe(&cmd->key->key);
	}
	return rc;
}

/* ---- usage text ---- */

/* "-j, --jobs N", "--frozen", "-C DIR" */
static void
option_term(const struct cli_option *o, char *out, size_t len)
{
	int used;

	if (o->short_name && o->long_name) {
		used = snprintf(out, len, "-%c, --%s", o->short_name, o->long_name);
	} else if (o->short_name) {
		used = snprintf(out, len, "-%c", o->short_name);
	} else {
		used = snprintf(out, len, "--%s", o->long_name);
	}
	if (o->arg && used > 0 && (size_t)used < len) {
		snprintf(out + used, len - (size_t)used, " %s", o->arg);
	}
}

/* text, with every '\n' followed by indent spaces. */
static void
print_indented(FILE *out, const char *text, int indent)
{
	for (const char *c = text; *c; c++) {
		fputc(*c, out);
		if (*c == '\n' && c[1]) {
			fprintf(out, "%*s", indent, "");
		}
	}
}

void
cli_print_options(FILE *out, const struct cli_option *options, int min_column)
{
	const struct cli_option *all[CLI_MAX_OPTIONS + 1];
	size_t n = 0;
	int column = min_column;
	char term[128];

	for (size_t i = 0; options && !is_end(&options[i]); i++) {
		if (options[i].help) {
			all[n++] = &options[i];
		}
	}
	if (!has_help(options)) {
		all[n++] = &help_option;
	}
	for (size_t i = 0; i < n; i++) {
		option_term(all[i], term, sizeof(term));
		if ((int)strlen(term) + 4 > column) {
			column = (int)strlen(term) + 4;
		}
	}
	for (size_t i = 0; i < n; i++) {
		option_term(all[i], term, sizeof(term));
		fprintf(out, "  %-*s", column - 2, term);
		print_indented(out, all[i]->help, column);
		fputc('\n', out);
	}
}

int
cli_help(const struct cmd *cmd)
{
	int indent = (int)strlen("Usage: gonative  ") + (int)strlen(cmd->name);

	printf("Usage: gonative %s", cmd->name);
	if (cmd->synopsis) {
		fputc(' ', stdout);
		print_indented(stdout, cmd->synopsis, indent);
	}
	fputc('\n', stdout);
	if (cmd->description) {
		printf("\n%s", cmd->description);
	}
	printf("\nOptions:\n");
	cli_print_options(stdout, cmd->options, 0);
	return 0;
}

/* ---- gonative --dump-cli ---- */

const struct cli_exit cli_exits[] = {
#define GN_EXIT_ROW(name, status, meaning) { status, meaning },
	GN_EXITS(GN_EXIT_ROW)
#undef GN_EXIT_ROW
};
const size_t cli_n_exits = sizeof(cli_exits) / sizeof(cli_exits[0]);

static void
dump_options(struct gn_buf *out, const struct cli_option *options)
{
	const struct cli_option *all[CLI_MAX_OPTIONS + 1];
	size_t n = 0;

	for (size_t i = 0; options && !is_end(&options[i]); i++) {
		if (options[i].help) {
			all[n++] = &options[i];
		}
	}
	if (!has_help(options)) {
		all[n++] = &help_option;
	}
	gn_buf_puts(out, "[");
	for (size_t i = 0; i < n; i++) {
		char letter[2] = { all[i]->short_name, '\0' };

		gn_buf_puts(out, i ? ",\n    {\"short\": " : "\n    {\"short\": ");
		if (all[i]->short_name) {
			gn_buf_json_string(out, letter);
		} else {
			gn_buf_puts(out, "null");
		}
		gn_buf_puts(out, ", \"long\": ");
		if (all[i]->long_name) {
			gn_buf_json_string(out, all[i]->long_name);
		} else {
			gn_buf_puts(out, "null");
		}
		gn_buf_puts(out, ", \"arg\": ");
		if (all[i]->arg) {
			gn_buf_json_string(out, all[i]->arg);
		} else {
			gn_buf_puts(out, "null");
		}
		gn_buf_puts(out, ", \"help\": ");
		gn_buf_json_string(out, all[i]->help);
		gn_buf_puts(out, "}");
	}
	gn_buf_puts(out, "]");
}

void
cli_dump(const char *synopsis, const struct cli_option *global,
	 const struct cmd *const *commands, const int *signals, size_t n_signals)
{
	struct gn_buf out;

	gn_buf_init(&out);
	gn_buf_printf(&out, "{\"version\": %d, \"synopsis\": ", CLI_JSON_VERSION);
	gn_buf_json_string(&out, synopsis);
	gn_buf_puts(&out, ",\n \"global\": ");
	dump_options(&out, global);
	gn_buf_puts(&out, ",\n \"commands\": [");
	for (const struct cmd *const *c = commands; *c; c++) {
		gn_buf_puts(&out, c == commands ? "\n  {\"name\": " : ",\n  {\"name\": ");
		gn_buf_json_string(&out, (*c)->name);
		gn_buf_puts(&out, ", \"summary\": ");
		gn_buf_json_string(&out, (*c)->summary);
		gn_buf_puts(&out, ", \"synopsis\": ");
		gn_buf_json_string(&out, (*c)->synopsis ? (*c)->synopsis : "");
		gn_buf_printf(&out,
			      ", \"project\": %s, \"cleans_up\": %s, \"min_operands\": %d, "
			      "\"max_operands\": %d, \"options\": ",
			      (*c)->project ? "true" : "false", (*c)->cleans_up ? "true" : "false",
			      (*c)->min_operands, (*c)->max_operands);
		dump_options(&out, (*c)->options);
		gn_buf_puts(&out, "}");
	}
	gn_buf_puts(&out, "],\n \"exit\": [");
	for (size_t i = 0; i < cli_n_exits; i++) {
		gn_buf_printf(&out, "%s{\"status\": %d, \"meaning\": ", i ? ", " : "",
			      cli_exits[i].status);
		gn_buf_json_string(&out, cli_exits[i].meaning);
		gn_buf_puts(&out, "}");
	}
	gn_buf_puts(&out, "],\n \"signals\": [");
	for (size_t i = 0; i < n_signals; i++) {
		gn_buf_printf(&out, "%s{\"status\": %d, \"name\": \"SIG%s\"}", i ? ", " : "",
			      128 + signals[i], sigabbrev_np(signals[i]));
	}
	gn_buf_puts(&out, "]}\n");
	if (!out.failed) {
		fwrite(out.data, 1, out.len, stdout);
	}
	gn_buf_free(&out);
}
