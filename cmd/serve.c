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

static const char serve_usage[] =
	"usage: portscope serve [--tcp PORT]... [--udp PORT]... [--bind ADDR]\n"
	"\n"
	"A responder for reachability tests: greets each TCP connection with one line,\n"
	"\"portscope <version> <hostname>\", and closes it; answers every UDP datagram\n"
	"(broadcasts included) with a reply that check, scan and broadcast recognise.\n"
	"Runs until SIGINT or SIGTERM, logging each peer to stderr.\n"
	"\n"
	"      --tcp PORT         greet TCP connections on PORT (repeatable)\n"
	"      --udp PORT         answer UDP datagrams on PORT (repeatable)\n"
	"      --bind ADDR        listen on one IPv4 or IPv6 address (default 0.0.0.0 and ::)\n"
	"  -o, --output FORMAT    log format on stderr: table (a line per peer) or ndjson\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 stopped by a signal, 2 bad usage or an address that is not ours,\n"
	"3 a port in use, a privileged port without the right, or a system failure.\n";

enum { OPT_TCP = 1000, OPT_UDP, OPT_BIND };

#define MAX_PORTS 64

struct serve_opts {
	struct ps_common co;
	uint16_t tcp[MAX_PORTS], udp[MAX_PORTS];
	size_t ntcp, nudp;
	const char *bind;
};

static int add_port(const char *arg, const char *opt, uint16_t *v, size_t *n)
{
	long p;

	if (ps_cli_number(arg, opt, 1, 65535, &p) < 0)
		return PS_EXIT_USAGE;
	if (*n == MAX_PORTS)
		return ps_usage("too many %s ports (at most %d)", opt, MAX_PORTS);
	for (size_t i = 0; i < *n; i++)
		if (v[i] == p)
			return ps_usage("port '%s' given twice in %s", arg, opt);
	v[(*n)++] = (uint16_t)p;
	return 0;
}

static int parse_args(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "tcp", required_argument, NULL, OPT_TCP },
		{ "udp", required_argument, NULL, OPT_UDP },
		{ "bind", required_argument, NULL, OPT_BIND },
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":" PS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		rc = ps_cli_common(c, &o->co, false);
		if (rc < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case OPT_TCP:
			if ((rc = add_port(optarg, "--tcp", o->tcp, &o->ntcp)) != 0)
				return rc;
			break;
		case OPT_UDP:
			if ((rc = add_port(optarg, "--udp", o->udp, &o->nudp)) != 0)
				return rc;
			break;
		case OPT_BIND:
			o->bind = optarg;
			break;
		default:
			return ps_cli_bad_option(c, argv);
		}
	}
	if (o->co.help)
		return 0;
	if (optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (o->co.fmt == PS_FMT_JSON || o->co.fmt == PS_FMT_PROM)
		return ps_usage("serve logs as table or ndjson only");
	if (!o->ntcp && !o->nudp)
		return ps_usage("nothing to serve: give --tcp PORT and/or --udp PORT");
	return 0;
}

static void log_event(const struct ps_responder_event *ev, void *ctx)
{
	const struct serve_opts *o = ctx;
	const char *proto = ev->proto == IPPROTO_TCP ? "tcp" : "udp";
	char now[32];

	ps_json_now(now, sizeof(now));
	if (o->co.fmt == PS_FMT_NDJSON) {
		struct ps_json j;

		ps_json_init(&j, stderr, 0);
		ps_json_object(&j, NULL);
		ps_json_str(&j, "time", now);
		ps_json_str(&j, "event", ev->kind == PS_RESP_LISTENING ? "listening" : "peer");
		ps_json_str(&j, "proto", proto);
		ps_json_str(&j, "local_address", ev->local);
		ps_json_int(&j, "local_port", ev->local_port);
		if (ev->kind != PS_RESP_LISTENING) {
			ps_json_str(&j, "remote_address", ev->peer);
			ps_json_int(&j, "remote_port", ev->peer_port);
			if (ev->proto == IPPROTO_UDP) {
				ps_json_int(&j, "bytes", (long long)ev->bytes);
				ps_json_bool(&j, "broadcast", ev->broadcast);
			}
			ps_json_bool(&j, "answered", ev->answered);
		}
		ps_json_end(&j);
		fputc('\n', stderr);
	} else if (ev->kind == PS_RESP_LISTENING) {
		fprintf(stderr, "%s listening %s %s port %u\n", now, proto, ev->local, ev->local_port);
	} else {
		fprintf(stderr, "%s %s %s port %u -> port %u", now, proto, ev->peer, ev->peer_port,
			ev->local_port);
		if (ev->proto == IPPROTO_UDP)
			fprintf(stderr, ", %zu bytes%s", ev->bytes, ev->broadcast ? ", broadcast" : "");
		fputs(ev->answered ? (ev->proto == IPPROTO_TCP ? ", greeted\n" : ", answered\n")
				   : ", not answered\n", stderr);
	}
	fflush(stderr);
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct ps_responder *r;
	char ident[300];
	sigset_t mask;
	int rc, sfd;
	ps_err err;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.co.help) {
		fputs(serve_usage, stdout);
		return PS_EXIT_OK;
	}
	snprintf(ident, sizeof(ident), "%s %s", PS_VERSION, ps_json_hostname());
	r = ps_responder_open(o.tcp, o.ntcp, o.udp, o.nudp, o.bind, ident, &err);
	if (!r)
		return err.kind == PS_ERR_INPUT ? ps_usage("%s", err.msg) : ps_fail("%s", err.msg);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		ps_responder_free(r);
		return ps_fail("signalfd: %s", strerror(errno));
	}
	rc = ps_responder_run(r, sfd, log_event, &o, &err) < 0 ? ps_fail("%s", err.msg)
								  : PS_EXIT_OK;
	ps_responder_free(r);
	if (close(sfd) < 0 && rc == PS_EXIT_OK)
		rc = ps_fail("close: %s", strerror(errno));
	return rc;
}
