/* What every subcommand shares: exit codes, messages, the common output options and the
 * final flush. Only cmd/ prints diagnostics or decides an exit code. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "report/format.h"

#define PS_VERSION "0.1.0"

enum {
	PS_EXIT_OK = 0,		/* done, every answer positive */
	PS_EXIT_NEGATIVE = 1,	/* a negative answer: unreachable target, audit findings */
	PS_EXIT_USAGE = 2,	/* bad usage or bad input */
	PS_EXIT_SYSTEM = 3,	/* netlink or socket error, out of memory */
};

/* Long option values for the shared options; subcommands number theirs from 1000. */
enum { PS_OPT_NDJSON = 900, PS_OPT_HELP_ALL };

/* The shared entries for a getopt_long table, and their short letters ("o:jh"). */
#define PS_COMMON_LONGOPTS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "json", no_argument, NULL, 'j' }, \
	{ "ndjson", no_argument, NULL, PS_OPT_NDJSON }, \
	{ "help", no_argument, NULL, 'h' }
#define PS_COMMON_SHORTOPTS "o:jh"

struct ps_common {
	enum ps_format fmt;
	bool help;
};

/* Handle a shared option c (with optarg). Returns 1 when handled, 0 when c is not a
 * shared option, -1 after printing a usage error. allow_nagios admits -o nagios. */
int ps_cli_common(int c, struct ps_common *co, bool allow_nagios);

/* Print "portscope: <message>" on stderr. Returns PS_EXIT_USAGE, for `return ps_usage(...)`. */
int ps_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "portscope: <message>" on stderr. Returns PS_EXIT_SYSTEM. */
int ps_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The text of the last ps_usage/ps_fail message ("" when none), for a monitoring-plugin
 * line that must repeat it on stdout. */
const char *ps_cli_last_message(void);

/* Report getopt's '?' or ':' for argv as one line naming the option; returns PS_EXIT_USAGE. */
int ps_cli_bad_option(int c, char **argv);

/* Parse a whole decimal number in [min, max] from s for option opt; returns 0, or prints
 * the error and returns -1. */
int ps_cli_number(const char *s, const char *opt, long min, long max, long *out);

/* Flush stdout and report a failed write (full disk, closed pipe). Returns rc, or
 * PS_EXIT_SYSTEM when output was lost. */
int ps_cli_finish(int rc);

/* Set up stdout for bulk output (a large buffer); call before writing records. */
void ps_cli_stdout_buffer(void);

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_broadcast(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
