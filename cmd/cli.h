/* What every subcommand shares: exit codes, messages, error mapping and the final flush.
 * Only cmd/ prints diagnostics or decides an exit code. Options: cmd/options.h. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdbool.h>

#include "cmd/options.h"
#include "probe/err.h"

#define PS_VERSION "0.1.0"

enum {
	PS_EXIT_OK = 0,		/* done, every answer positive */
	PS_EXIT_NEGATIVE = 1,	/* a negative answer: unreachable target, audit findings */
	PS_EXIT_USAGE = 2,	/* bad usage or bad input */
	PS_EXIT_SYSTEM = 3,	/* netlink or socket error, out of memory */
};

/* Print "portscope: <message>" on stderr, as one line: control and other non-printable
 * bytes (what the user typed may hold any) are written as \xHH, \t, \n, \r. Returns
 * PS_EXIT_USAGE, for `return ps_usage(...)`. */
int ps_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As ps_usage; returns PS_EXIT_SYSTEM. */
int ps_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a probe/ error once and map its kind to the exit code: PS_ERR_INPUT -> 2,
 * PS_ERR_SYSTEM and PS_ERR_NOMEM -> 3. ps_cli_err_in adds " in <where>" (the option the
 * input came from) to input errors. */
int ps_cli_err(const ps_err *e);
int ps_cli_err_in(const ps_err *e, const char *where);

/* The text of the last ps_usage/ps_fail message ("" when none), for a monitoring-plugin
 * line that must repeat it on stdout. */
const char *ps_cli_last_message(void);

/* Parse a whole decimal number in [min, max] from s for option opt; returns 0, or prints
 * the error and returns -1. */
int ps_cli_number(const char *s, const char *opt, long min, long max, long *out);

/* Flush stdout and report a failed write (full disk, closed pipe). Returns rc, or
 * PS_EXIT_SYSTEM when output was lost. */
int ps_cli_finish(int rc);

/* Flush stdout now, for a stream. Returns 0, or -1 when the write failed; a reader that
 * has gone (EPIPE) is remembered, and ps_cli_finish does not report it. */
int ps_cli_flush(void);
/* Record that stdout's reader has gone (a poll saw the pipe's far end closed). */
void ps_cli_reader_gone(void);

/* Set up stdout for bulk output (a large buffer); call before writing records. */
void ps_cli_stdout_buffer(void);

ps_cmd_fn cmd_list, cmd_check, cmd_scan, cmd_serve, cmd_broadcast, cmd_audit, cmd_watch,
	cmd_exporter, cmd_addrs;
extern const struct ps_cmd_help ps_list_help, ps_check_help, ps_scan_help, ps_serve_help,
	ps_broadcast_help, ps_audit_help, ps_watch_help, ps_exporter_help, ps_addrs_help;

#endif
