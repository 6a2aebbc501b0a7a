/* portscope broadcast: UDP discovery on every broadcast-capable interface (or one),
 * listing each responder once. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "probe/broadcast.h"
#include "probe/payloads.h"
#include "report/broadcast.h"
#include "report/table.h"

static const char broadcast_usage[] =
	"usage: portscope broadcast --port P [--wait MS] [--interface IF] [--payload STR]\n"
	"\n"
	"Sends one UDP datagram to the directed broadcast address of every up, broadcast-\n"
	"capable IPv4 interface (loopback excluded), or of --interface IF alone, and lists\n"
	"every host that answers from port P within the wait, once each. Works on a LAN\n"
	"without a default route. Finds every 'portscope serve --udp P' on the LAN.\n"
	"\n"
	"      --port P           UDP port to broadcast to (1-65535, required)\n"
	"      --wait MS          how long to collect answers (default 1000)\n"
	"      --interface IF     broadcast on IF only\n"
	"      --payload STR      datagram text, with escapes \\r \\n \\t \\\\ \\xHH\n"
	"                         (default: portscope's responder request)\n"
	"      --payload-hex HEX  datagram bytes as hex digits\n"
	"  -n, --numeric          no service names\n"
	"  -o, --output FORMAT    table (default), json, ndjson\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 a responder answered, 1 none did, 2 bad usage, 3 system failure.\n";

enum { OPT_PORT = 1000, OPT_WAIT, OPT_IFACE, OPT_PAYLOAD, OPT_PAYLOAD_HEX };

struct bcast_opts {
	struct ps_common co;
	long port, wait_ms;
	const char *iface;
	struct ps_payload payload;
	bool have_payload, numeric;
};

struct collect {
	const struct bcast_opts *o;
	struct ps_view view;
	struct ps_bcast_row *rows;
	size_t n, cap;
	bool oom;
};

static int parse_args(int argc, char **argv, struct bcast_opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "interface", required_argument, NULL, OPT_IFACE },
		{ "payload", required_argument, NULL, OPT_PAYLOAD },
		{ "payload-hex", required_argument, NULL, OPT_PAYLOAD_HEX },
		{ "numeric", no_argument, NULL, 'n' },
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	ps_err err;
	int c, rc;

	o->wait_ms = 1000;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n" PS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		rc = ps_cli_common(c, &o->co, false);
		if (rc < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case OPT_PORT:
			if (ps_cli_number(optarg, "--port", 1, 65535, &o->port) < 0)
				return PS_EXIT_USAGE;
			break;
		case OPT_WAIT:
			if (ps_cli_number(optarg, "--wait", 1, 600000, &o->wait_ms) < 0)
				return PS_EXIT_USAGE;
			break;
		case OPT_IFACE:
			if (!optarg[0] || strlen(optarg) >= IF_NAMESIZE)
				return ps_usage("invalid interface name '%s' in --interface", optarg);
			o->iface = optarg;
			break;
		case OPT_PAYLOAD:
		case OPT_PAYLOAD_HEX:
			if (o->have_payload)
				return ps_usage("give one of --payload and --payload-hex, once");
			if ((c == OPT_PAYLOAD ? ps_payload_parse_text(optarg, &o->payload, &err)
					      : ps_payload_parse_hex(optarg, &o->payload, &err)) < 0)
				return ps_usage("%s in %s", err.msg,
						c == OPT_PAYLOAD ? "--payload" : "--payload-hex");
			o->have_payload = true;
			break;
		case 'n':
			o->numeric = true;
			break;
		default:
			return ps_cli_bad_option(c, argv);
		}
	}
	if (o->co.help)
		return 0;
	if (optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (o->co.fmt == PS_FMT_PROM)
		return ps_usage("output format not supported by broadcast");
	if (!o->port)
		return ps_usage("missing --port P (the UDP port to broadcast to)");
	return 0;
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
	if (c->o->co.fmt == PS_FMT_NDJSON) {
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

int cmd_broadcast(int argc, char **argv)
{
	struct bcast_opts o = { 0 };
	struct collect c = { 0 };
	struct ps_bcast_ifaces ifs;
	const struct ps_payload *p;
	ps_err err;
	int rc, n;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.co.help) {
		fputs(broadcast_usage, stdout);
		return PS_EXIT_OK;
	}
	if (ps_bcast_interfaces(o.iface, &ifs, &err) < 0)
		return o.iface ? ps_usage("%s in --interface", err.msg) : ps_fail("%s", err.msg);
	if (!ifs.len)
		fprintf(stderr, "portscope: no up, broadcast-capable IPv4 interface to broadcast on\n");
	p = o.have_payload ? &o.payload : ps_payload_responder();
	c.o = &o;
	c.view.numeric = o.numeric;
	c.view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	n = ps_bcast_run(&ifs, (uint16_t)o.port, p->data, p->len, (int)o.wait_ms, on_answer, &c, &err);
	if (n < 0) {
		ps_bcast_ifaces_free(&ifs);
		free(c.rows);
		return ps_fail("%s", err.msg);
	}
	if (c.oom) {
		rc = ps_fail("out of memory");
	} else if (o.co.fmt != PS_FMT_NDJSON &&	/* NDJSON lines were written as they came */
		   ps_report_bcast(stdout, o.co.fmt, c.rows, c.n, ifs.len, (int)o.wait_ms,
				   &c.view) < 0) {
		rc = ps_fail("out of memory");
	} else {
		rc = c.n ? PS_EXIT_OK : PS_EXIT_NEGATIVE;
	}
	ps_bcast_ifaces_free(&ifs);
	free(c.rows);
	return rc;
}
