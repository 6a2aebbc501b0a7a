/* Shared command-line plumbing: messages, error mapping, numbers, the final flush. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

static char last_message[512];
static bool stdout_gone;

/* Copy in to out with control and non-ASCII bytes escaped, so that a message stays one
 * line and cannot drive the terminal. A backslash stays as it is: messages quote escapes
 * users type ("invalid escape '\q'"). */
static void escape_message(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '\n' || c == '\r' || c == '\t')
			n += (size_t)snprintf(out + n, len - n, "\\%c",
					      c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

__attribute__((format(printf, 1, 0)))
static void vsay(const char *fmt, va_list ap)
{
	char raw[sizeof(last_message)];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape_message(raw, last_message, sizeof(last_message));
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

int ps_cli_err_in(const ps_err *e, const char *where)
{
	if (e->kind == PS_ERR_INPUT)
		return where ? ps_usage("%s in %s", e->msg, where) : ps_usage("%s", e->msg);
	return ps_fail("%s", e->kind == PS_ERR_NOMEM ? "out of memory" : e->msg);
}

int ps_cli_err(const ps_err *e)
{
	return ps_cli_err_in(e, NULL);
}

int ps_cli_number(const char *s, const char *opt, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* strtol skips leading white space; trailing is refused, so leading is too. */
	if (errno || end == s || *end || v < min || v > max || isspace((unsigned char)*s)) {
		ps_usage("invalid value '%s' for %s (%ld-%ld)", s, opt, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int ps_cli_flush(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno == EPIPE)
		stdout_gone = true;
	return -1;
}

void ps_cli_reader_gone(void)
{
	stdout_gone = true;
}

int ps_cli_finish(int rc)
{
	if (stdout_gone)
		return rc;
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
