/* portscope broadcast: UDP discovery on every broadcast-capable interface (or one),
 * listing each responder once. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeopts.h"
#include "probe/broadcast.h"
#include "probe/payloads.h"
#include "report/broadcast.h"
#include "report/table.h"

struct bcast_opts {
	struct ps_output out;
	long port, wait_ms;
	const char *iface;
	struct ps_payload_arg payload;
	bool numeric;
};

static ps_opt_cb set_iface;

static const struct ps_option bcast_options[] = {
	PS_OPT_LONG(0, "port", struct bcast_opts, port, "P",
		    "UDP port to broadcast to (1-65535, required)", 1, 65535),
	PS_OPT_LONG(0, "wait", struct bcast_opts, wait_ms, "MS",
		    "how long to collect answers (default 1000)", 1, 600000),
	PS_OPT_CALLBACK(0, "interface", struct bcast_opts, iface, "IF", "broadcast on IF only",
			set_iface, "@interface"),
	PS_PAYLOAD_OPTIONS(struct bcast_opts, payload,
			   "datagram text, with escapes \\r \\n \\t \\\\ \\xHH\n"
			   "(default: portscope's responder request)",
			   "datagram bytes as hex digits"),
	PS_OPT_BOOL('n', "numeric", struct bcast_opts, numeric, "no service names"),
	PS_OUTPUT_OPTIONS(struct bcast_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_broadcast_help = {
	.synopsis = "broadcast --port P [--wait MS] [--interface IF] [--payload STR]",
	.description =
		"Sends one UDP datagram to the directed broadcast address of every up, broadcast-\n"
		"capable IPv4 interface (loopback excluded), or of --interface IF alone, and lists\n"
		"every host that answers from port P within the wait, once each. Works on a LAN\n"
		"without a default route. Finds every 'portscope serve --udp P' on the LAN.\n",
	.options = bcast_options,
	.exit_status =
		"Exit status: 0 a responder answered, 1 none did, 2 bad usage, 3 system failure\n"
		"(no up, broadcast-capable IPv4 interface included).\n",
};

struct collect {
	const struct bcast_opts *o;
	struct ps_view view;
	struct ps_bcast_row *rows;
	size_t n, cap;
	bool oom;
};

static int set_iface(const struct ps_option *opt, const char *name, const char *arg,
		     void *field)
{
	(void)opt;
	if (!arg[0] || strlen(arg) >= IF_NAMESIZE)
		return ps_usage("invalid interface name '%s' in %s", arg, name);
	*(const char **)field = arg;
	return 0;
}

static int parse_args(const struct ps_command *cmd, int argc, char **argv,
		      struct bcast_opts *o)
{
	int rc;

	o->wait_ms = 1000;
	if ((rc = ps_parse_options(cmd, argc, argv, o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (!o->port)
		return ps_usage("missing --port P (the UDP port to broadcast to)");
	return PS_PARSE_RUN;
}

static void on_answer(const struct ps_bcast_answer *a, void *ctx)
{
	struct collect *c = ctx;
	struct ps_bcast_row row;
	struct probe_result *r = &row.r;

	memset(&row, 0, sizeof(row));
	snprintf(r->target, sizeof(r->target), "%s:%ld", a->bcast, c->o->port);
	snprintf(r->address, sizeof(r->address), "%s", a->address);
	r->family = AF_INET;
	r->proto = IPPROTO_UDP;
	r->port = (uint16_t)c->o->port;
	r->state = PS_PROBE_OPEN;
	r->rtt_ms = a->rtt_ms;
	r->reason = "udp-response";
	r->banner_len = a->bytes < sizeof(r->banner) ? a->bytes : sizeof(r->banner);
	memcpy(r->banner, a->data, r->banner_len);
	r->has_banner = 1;
	r->expect_ok = -1;
	snprintf(row.interface, sizeof(row.interface), "%s", a->ifname);
	snprintf(row.broadcast, sizeof(row.broadcast), "%s", a->bcast);
	row.reply_bytes = a->bytes;
	if (c->o->out.fmt == PS_FMT_NDJSON) {
		ps_report_bcast_line(stdout, &row, &c->view);
		fflush(stdout);
		c->n++;
		return;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct ps_bcast_row *v = realloc(c->rows, cap * sizeof(*v));

		if (!v) {
			c->oom = true;
			return;
		}
		c->rows = v;
		c->cap = cap;
	}
	c->rows[c->n++] = row;
}

int cmd_broadcast(const struct ps_command *cmd, int argc, char **argv)
{
	struct bcast_opts o = { 0 };
	struct collect c = { 0 };
	struct ps_bcast_ifaces ifs;
	const struct ps_payload *p;
	ps_err err;
	int rc, n;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	if (ps_bcast_interfaces(o.iface, &ifs, &err) < 0)
		return ps_cli_err_in(&err, "--interface");
	if (!ifs.len) {
		/* Not a negative answer: the system cannot broadcast at all. */
		ps_bcast_ifaces_free(&ifs);
		return ps_fail("no up, broadcast-capable IPv4 interface to broadcast on");
	}
	p = o.payload.given ? &o.payload.p : ps_payload_responder();
	c.o = &o;
	c.view.numeric = o.numeric;
	c.view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	n = ps_bcast_run(&ifs, (uint16_t)o.port, p->data, p->len, (int)o.wait_ms, on_answer, &c, &err);
	if (n < 0) {
		ps_bcast_ifaces_free(&ifs);
		free(c.rows);
		return ps_cli_err(&err);
	}
	if (c.oom ||
	    (o.out.fmt != PS_FMT_NDJSON &&	/* NDJSON lines were written as they came */
	     ps_report_bcast(stdout, o.out.fmt, c.rows, c.n, ifs.len, (int)o.wait_ms,
			     &c.view) < 0)) {
		rc = ps_fail("out of memory");
	} else {
		rc = c.n ? PS_EXIT_OK : PS_EXIT_NEGATIVE;
	}
	ps_bcast_ifaces_free(&ifs);
	free(c.rows);
	return rc;
}
