/* portscope serve: the other end of a reachability test. Parses the ports, blocks
 * SIGINT/SIGTERM into a signalfd that stops the responder loop, and logs every peer to
 * stderr (a line each, or NDJSON with -o ndjson) through a queue that drops and counts
 * lines rather than block (report/logq.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "probe/payloads.h"
#include "probe/responder.h"
#include "report/json.h"
#include "report/logq.h"
#include "report/serve_log.h"

#define MAX_PORTS 64
#define SOURCE_RATE 10		/* default answers a second per source */
#define LOG_QUEUE ((size_t)256 * 1024)	/* bytes of log waiting for stderr, at most */

struct port_list {
	uint16_t v[MAX_PORTS];
	size_t n;
};

struct serve_opts {
	struct ps_output out;
	struct port_list tcp, udp;
	const char *bind, *reply;
	bool answer_any, answer_broadcast;
	long source_rate;
	struct ps_logq *log;
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

/* --reply TEXT: printable ASCII that fits a reply to a padded request. */
static int set_reply(const struct ps_option *opt, const char *name, const char *arg,
		     void *field)
{
	const char **reply = field;

	(void)opt;
	for (const char *p = arg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return ps_usage("%s '%s': printable ASCII only", name, arg);
	if (strlen(arg) > PS_RESPONDER_TEXT_MAX)
		return ps_usage("%s '%s': longer than %zu characters", name, arg,
				PS_RESPONDER_TEXT_MAX);
	*reply = arg;
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
	PS_OPT_CALLBACK(0, "reply", struct serve_opts, reply, "TEXT",
			"the text of the greeting and the UDP reply (default: the\n"
			"version; printable ASCII, at most 109 characters)", set_reply, NULL),
	PS_OPT_BOOL(0, "answer-broadcast", struct serve_opts, answer_broadcast,
		    "answer datagrams sent to a broadcast or multicast address\n"
		    "(needed for portscope broadcast to find this host)"),
	PS_OPT_BOOL(0, "answer-any", struct serve_opts, answer_any,
		    "answer any datagram, not only portscope's request (for nc -u,\n"
		    "nmap -sU); still never more bytes than the datagram had"),
	PS_OPT_LONG(0, "source-rate", struct serve_opts, source_rate, "N",
		    "answers a second per source address (default 10, bursts of\n"
		    "twice that; 0: no limit)", 0, 1000000),
	PS_OUTPUT_OPTIONS(struct serve_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_serve_help = {
	.synopsis = "serve [--tcp PORT]... [--udp PORT]... [--bind ADDR]",
	.description =
		"A responder for reachability tests: greets each TCP connection with one line,\n"
		"\"portscope <version>\", and closes it; answers the UDP request that check,\n"
		"scan and broadcast send with a reply they recognise, never larger than the\n"
		"request, never to a port below 1024, at most --source-rate a second per\n"
		"source; broadcasts only with --answer-broadcast. Runs until SIGINT or SIGTERM,\n"
		"logging each peer to stderr (lines that cannot be written at once are dropped\n"
		"and counted).\n",
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

/* One event as one line into the log queue. */
static void log_put(struct serve_opts *o, const struct ps_responder_event *ev)
{
	char line[1024], now[32];
	FILE *f = fmemopen(line, sizeof(line), "w");
	long n;

	if (!f)
		return;
	ps_json_now(now, sizeof(now));
	ps_report_serve_event(f, o->out.fmt, ev, now);
	n = ftell(f);
	fclose(f);
	if (n > 0 && (size_t)n < sizeof(line))
		ps_logq_put(o->log, line, (size_t)n);
}

static void log_event(const struct ps_responder_event *ev, void *ctx)
{
	struct serve_opts *o = ctx;
	unsigned long lost = ps_logq_dropped(o->log);

	if (lost && ev->kind != PS_RESP_DROPPED) {
		struct ps_responder_event d = { .kind = PS_RESP_DROPPED, .log_lines = lost };

		log_put(o, &d);
		if (ps_logq_dropped(o->log) == lost)
			ps_logq_forget(o->log, lost);
	}
	if (ev->kind == PS_RESP_DROPPED) {
		struct ps_responder_event d = *ev;

		d.log_lines = lost;
		log_put(o, &d);
		if (ps_logq_dropped(o->log) == lost)
			ps_logq_forget(o->log, lost);
		return;
	}
	log_put(o, ev);
}

int cmd_serve(const struct ps_command *cmd, int argc, char **argv)
{
	struct serve_opts o = { .source_rate = -1 };
	struct ps_responder_conf c;
	struct ps_responder *r;
	sigset_t mask;
	int rc, sfd;
	ps_err err;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	c = (struct ps_responder_conf){ .tcp = o.tcp.v, .ntcp = o.tcp.n, .udp = o.udp.v,
					.nudp = o.udp.n, .bind_addr = o.bind,
					.text = o.reply ? o.reply : PS_VERSION,
					.answer_any = o.answer_any,
					.answer_broadcast = o.answer_broadcast,
					.source_rate = o.source_rate < 0 ? SOURCE_RATE
									 : (double)o.source_rate };
	r = ps_responder_open(&c, &err);
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
	/* Started with SIGINT and SIGTERM blocked: the writer thread never takes them. */
	if (!(o.log = ps_logq_start(STDERR_FILENO, LOG_QUEUE))) {
		ps_responder_free(r);
		(void)close(sfd);
		return ps_fail("cannot start the log writer");
	}
	rc = ps_responder_run(r, sfd, log_event, &o, &err) < 0 ? ps_cli_err(&err) : PS_EXIT_OK;
	ps_responder_free(r);
	ps_logq_stop(o.log, 500);
	if (close(sfd) < 0 && rc == PS_EXIT_OK)
		rc = ps_fail("close: %s", strerror(errno));
	return rc;
}
