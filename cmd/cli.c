/* Shared command-line plumbing: messages, shared options, numbers, the final flush. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

static char last_message[512];

__attribute__((format(printf, 1, 0)))
static void vsay(const char *fmt, va_list ap)
{
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	fprintf(stderr, "portscope: %s\n", last_message);
}

const char *ps_cli_last_message(void)
{
	return last_message;
}

int ps_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return PS_EXIT_USAGE;
}

int ps_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return PS_EXIT_SYSTEM;
}

int ps_cli_common(int c, struct ps_common *co, bool allow_nagios)
{
	switch (c) {
	case 'o':
		if (ps_format_parse(optarg, &co->fmt) < 0 ||
		    (co->fmt == PS_FMT_NAGIOS && !allow_nagios)) {
			ps_usage("unknown output format '%s' (table, json, ndjson, prom%s)", optarg,
				 allow_nagios ? ", nagios" : "");
			return -1;
		}
		return 1;
	case 'j':
		co->fmt = PS_FMT_JSON;
		return 1;
	case PS_OPT_NDJSON:
		co->fmt = PS_FMT_NDJSON;
		return 1;
	case 'h':
		co->help = true;
		return 1;
	default:
		return 0;
	}
}

int ps_cli_bad_option(int c, char **argv)
{
	const char *tok = argv[optind - 1];

	if (c == ':')
		return ps_usage("option '%s' needs a value", tok);
	if (optopt && optopt < 256 && (tok[0] != '-' || tok[1] != '-'))
		return ps_usage("unknown option '-%c'", optopt);
	return ps_usage("unknown option '%s'", tok);
}

int ps_cli_number(const char *s, const char *opt, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		ps_usage("invalid value '%s' for %s (%ld-%ld)", s, opt, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int ps_cli_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A reader that went away (portscope list | head) is not our failure. */
		if (errno == EPIPE)
			return rc;
		return ps_fail("write error on standard output: %s", strerror(errno));
	}
	return rc;
}

void ps_cli_stdout_buffer(void)
{
	static char buf[1 << 16];

	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}
