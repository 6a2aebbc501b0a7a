/* Declared options, in the spirit of git's parse-options: each command describes its
 * options once, in a table of struct ps_option, and one parser (ps_parse_options) reads
 * argv with it, reports bad options and values in one order for every command, and renders
 * --help from it. The bash completion and the man page's option lists are generated from
 * the same tables (tools/gen-docs.c, `make docs`).
 *
 * A table entry says where its value goes as an offset into the command's options struct
 * (the PS_OPT_* macros take the struct type and a member path), so the tables are static
 * and a generator can read them without running a command. Shared blocks:
 * PS_OUTPUT_OPTIONS (-o -j --ndjson -h), PS_SOCK_OPTIONS (list, audit, watch) and
 * PS_PROBE_OPTIONS (check, scan). */
#ifndef PS_OPTIONS_H
#define PS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/format.h"

enum ps_opt_type {
	PS_OPT_END,
	PS_OPT_BOOL,		/* bool = defval; no argument */
	PS_OPT_BIT,		/* unsigned |= defval; no argument */
	PS_OPT_SET_FORMAT,	/* enum ps_format = defval (-j, --ndjson); absent from a
				 * command that does not take that format */
	PS_OPT_FORMAT,		/* -o FORMAT: a format the command takes (struct ps_command) */
	PS_OPT_INT,		/* int in [min, max] */
	PS_OPT_LONG,		/* long in [min, max] */
	PS_OPT_STRING,		/* const char * = the argument (the last one given) */
	PS_OPT_CALLBACK,	/* cb(opt, name, arg, field) */
	PS_OPT_HELP,		/* --help: print the help from the table, exit 0 */
};

struct ps_option;

/* Store arg for opt into field (the command's struct + opt->offset). name is the option
 * as typed ("-p" or "--port"), for messages. Returns 0, or an exit code after printing
 * the reason (`return ps_usage(...)`). */
typedef int ps_opt_cb(const struct ps_option *opt, const char *name, const char *arg,
		      void *field);

struct ps_option {
	enum ps_opt_type type;
	int short_name;		/* 0: none */
	const char *long_name;	/* NULL: none */
	size_t offset;		/* of the value in the command's options struct */
	const char *argh;	/* the argument's name in --help ("SPEC"); NULL: no argument;
				 * "[=MODE]": an optional one, given as --name=MODE only */
	const char *help;	/* '\n' starts a continuation line */
	long defval, min, max;
	ps_opt_cb *cb;
	const char *complete;	/* completion of the argument: words ("a b c"), "@file",
				 * "@netns", "@interface"; NULL: none */
};

/* What --help, the man page and the completion say about a command. */
struct ps_cmd_help {
	const char *synopsis;	/* after "usage: portscope "; '\n' for another form */
	const char *description;	/* paragraphs before the options */
	const struct ps_option *options;
	const char *args;	/* positional arguments ("TARGET..."); NULL: none taken */
	const char *missing;	/* message when args are required and none is given */
	const char *output_note;	/* more about -o, after the list of formats; or NULL */
	const char *exit_status;	/* the closing paragraphs ("Exit status: ...") */
};

struct ps_command;
typedef int ps_cmd_fn(const struct ps_command *cmd, int argc, char **argv);

/* An entry of cmd/main.c's command table. */
struct ps_command {
	const char *name;
	ps_cmd_fn *fn;
	const struct ps_cmd_help *help;
	unsigned formats;	/* PS_FMTS(...): what -o takes */
	const char *summary;
};

#define PS_FMT_BIT(f) (1u << (f))

/* True when opt's argument is optional (argh "[=MODE]"): --name alone passes NULL. */
static inline bool ps_option_optarg(const struct ps_option *opt)
{
	return opt->argh && opt->argh[0] == '[';
}

/* Parse argv[1..argc) for cmd into opts (the struct the table's offsets point into).
 * Options and their values are read left to right; the first bad one (unknown, missing
 * value, bad value, a format the command does not take) is reported as one line and
 * stops. --help prints the help and stops. Then positional arguments: none allowed
 * ("unexpected argument") unless help->args, when at least one is required. On success
 * returns PS_PARSE_RUN with *args / *nargs the positional arguments (may be NULL when the
 * command takes none); otherwise the exit status to return now (0 after --help). */
#define PS_PARSE_RUN (-1)
int ps_parse_options(const struct ps_command *cmd, int argc, char **argv, void *opts,
		     char ***args, int *nargs);

/* Print the help of cmd, rendered from its table, on f. */
void ps_options_usage(const struct ps_command *cmd, FILE *f);

/* True when opt is part of cmd's interface (a -j or --ndjson only where cmd takes that
 * format). For --help, the completion and the man page. */
bool ps_option_shown(const struct ps_command *cmd, const struct ps_option *opt);

/* The formats cmd takes, joined by sep ("table, json, ndjson"); mark_default adds
 * " (default)" after table. */
void ps_option_formats(const struct ps_command *cmd, const char *sep, bool mark_default,
		       char *buf, size_t len);

/* The help of cmd's -o: the formats it takes, then help->output_note. */
void ps_option_format_help(const struct ps_command *cmd, char *buf, size_t len);

/* The text before an option's help column ("  -o, --output FORMAT"), into buf. */
void ps_option_label(const struct ps_option *opt, char *buf, size_t len);

/* Entry macros. T is the command's options struct type, m a member path within it. */
#define PS_OPT__(ty, s, l, T, m, a, h, dv, mn, mx, c, cp) \
	{ ty, s, l, offsetof(T, m), a, h, dv, mn, mx, c, cp }
#define PS_OPT_END() { PS_OPT_END, 0, NULL, 0, NULL, NULL, 0, 0, 0, NULL, NULL }
#define PS_OPT_BOOL(s, l, T, m, h) PS_OPT__(PS_OPT_BOOL, s, l, T, m, NULL, h, 1, 0, 0, NULL, NULL)
#define PS_OPT_BOOL_OFF(s, l, T, m, h) \
	PS_OPT__(PS_OPT_BOOL, s, l, T, m, NULL, h, 0, 0, 0, NULL, NULL)
#define PS_OPT_BIT(s, l, T, m, bit, h) \
	PS_OPT__(PS_OPT_BIT, s, l, T, m, NULL, h, bit, 0, 0, NULL, NULL)
#define PS_OPT_INT(s, l, T, m, a, h, mn, mx) \
	PS_OPT__(PS_OPT_INT, s, l, T, m, a, h, 0, mn, mx, NULL, NULL)
#define PS_OPT_LONG(s, l, T, m, a, h, mn, mx) \
	PS_OPT__(PS_OPT_LONG, s, l, T, m, a, h, 0, mn, mx, NULL, NULL)
#define PS_OPT_STRING(s, l, T, m, a, h, cp) \
	PS_OPT__(PS_OPT_STRING, s, l, T, m, a, h, 0, 0, 0, NULL, cp)
#define PS_OPT_CALLBACK(s, l, T, m, a, h, cb, cp) \
	PS_OPT__(PS_OPT_CALLBACK, s, l, T, m, a, h, 0, 0, 0, cb, cp)

/* The output options every command shares, into a struct ps_output member m. */
struct ps_output {
	enum ps_format fmt;
};
#define PS_OUTPUT_OPTIONS(T, m) \
	PS_OPT__(PS_OPT_FORMAT, 'o', "output", T, m.fmt, "FORMAT", NULL, 0, 0, 0, NULL, NULL), \
	PS_OPT__(PS_OPT_SET_FORMAT, 'j', "json", T, m.fmt, NULL, "same as -o json", PS_FMT_JSON, \
		 0, 0, NULL, NULL), \
	PS_OPT__(PS_OPT_SET_FORMAT, 0, "ndjson", T, m.fmt, NULL, "same as -o ndjson", \
		 PS_FMT_NDJSON, 0, 0, NULL, NULL), \
	PS_OPT__(PS_OPT_HELP, 'h', "help", T, m.fmt, NULL, "this help", 0, 0, 0, NULL, NULL)

#endif
