/* portscope serve: the other end of a reachability test. Parses the ports, blocks
 * SIGINT/SIGTERM into a signalfd that stops the responder loop, and logs every peer to
 * stderr (a line each, or NDJSON with -o ndjson). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "probe/responder.h"
#include "report/json.h"
#include "report/serve_log.h"

#define MAX_PORTS 64

struct port_list {
	uint16_t v[MAX_PORTS];
	size_t n;
};

struct serve_opts {
	struct ps_output out;
	struct port_list tcp, udp;
	const char *bind;
};

/* --tcp PORT, --udp PORT: repeatable, each port once. */
static int add_port(const struct ps_option *opt, const char *name, const char *arg,
		    void *field)
{
	struct port_list *l = field;
	long p;

	(void)opt;
	if (ps_cli_number(arg, name, 1, 65535, &p) < 0)
		return PS_EXIT_USAGE;
	if (l->n == MAX_PORTS)
		return ps_usage("too many %s ports (at most %d)", name, MAX_PORTS);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == p)
			return ps_usage("port '%s' given twice in %s", arg, name);
	l->v[l->n++] = (uint16_t)p;
	return 0;
}

/* --bind ADDR: one address; a second would silently replace the first. */
static int set_bind(const struct ps_option *opt, const char *name, const char *arg,
		    void *field)
{
	const char **bind = field;

	(void)opt;
	if (*bind)
		return ps_usage("%s given twice ('%s', '%s'): serve listens on one address, or on "
				"all without it", name, *bind, arg);
	*bind = arg;
	return 0;
}

static const struct ps_option serve_options[] = {
	PS_OPT_CALLBACK(0, "tcp", struct serve_opts, tcp, "PORT",
			"greet TCP connections on PORT (repeatable)", add_port, NULL),
	PS_OPT_CALLBACK(0, "udp", struct serve_opts, udp, "PORT",
			"answer UDP datagrams on PORT (repeatable)", add_port, NULL),
	PS_OPT_CALLBACK(0, "bind", struct serve_opts, bind, "ADDR",
			"listen on one IPv4 or IPv6 address (default 0.0.0.0 and ::);\n"
			"given once", set_bind, NULL),
	PS_OUTPUT_OPTIONS(struct serve_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_serve_help = {
	.synopsis = "serve [--tcp PORT]... [--udp PORT]... [--bind ADDR]",
	.description =
		"A responder for reachability tests: greets each TCP connection with one line,\n"
		"\"portscope <version> <hostname>\", and closes it; answers every UDP datagram\n"
		"(broadcasts included) with a reply that check, scan and broadcast recognise.\n"
		"Runs until SIGINT or SIGTERM, logging each peer to stderr.\n",
	.options = serve_options,
	.output_note = "(the log format on stderr: a line per peer, or NDJSON)",
	.exit_status =
		"Exit status: 0 stopped by a signal, 2 bad usage or an address that is not ours,\n"
		"3 a port in use, a privileged port without the right, or a system failure.\n",
};

static int parse_args(const struct ps_command *cmd, int argc, char **argv,
		      struct serve_opts *o)
{
	int rc;

	if ((rc = ps_parse_options(cmd, argc, argv, o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (!o->tcp.n && !o->udp.n)
		return ps_usage("nothing to serve: give --tcp PORT and/or --udp PORT");
	return PS_PARSE_RUN;
}

static void log_event(const struct ps_responder_event *ev, void *ctx)
{
	const struct serve_opts *o = ctx;
	char now[32];

	ps_json_now(now, sizeof(now));
	ps_report_serve_event(stderr, o->out.fmt, ev, now);
	fflush(stderr);
}

int cmd_serve(const struct ps_command *cmd, int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct ps_responder *r;
	char ident[300];
	sigset_t mask;
	int rc, sfd;
	ps_err err;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	snprintf(ident, sizeof(ident), "%s %s", PS_VERSION, ps_json_hostname());
	r = ps_responder_open(o.tcp.v, o.tcp.n, o.udp.v, o.udp.n, o.bind, ident, &err);
	if (!r)
		return ps_cli_err(&err);	/* an address not ours, or not one, is input */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		ps_responder_free(r);
		return ps_fail("signalfd: %s", strerror(errno));
	}
	rc = ps_responder_run(r, sfd, log_event, &o, &err) < 0 ? ps_cli_err(&err) : PS_EXIT_OK;
	ps_responder_free(r);
	if (close(sfd) < 0 && rc == PS_EXIT_OK)
		rc = ps_fail("close: %s", strerror(errno));
	return rc;
}
