/* portscope list: local sockets from sock_diag, filtered, with their owners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/inventory.h"
#include "report/prom.h"
#include "report/sockets.h"
#include "report/table.h"

static const char list_usage[] =
	"usage: portscope list [OPTIONS]\n"
	"\n"
	"Local TCP and UDP sockets, read from the kernel (netlink sock_diag). By default the\n"
	"listening TCP sockets and the bound, unconnected UDP sockets of both families.\n"
	"\n"
	"  -a, --all              every socket in every state (the netstat -ano view)\n"
	PS_SOCK_HELP
	"      --state NAME[,..]  listen, established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
	"                         time-wait, close, close-wait, last-ack, closing, unconn\n"
	"  -n, --numeric          no service names\n"
	"  -p, --processes        show the processes holding each socket (the default)\n"
	"  -P, --no-processes     skip the /proc scan for owners\n"
	"  -o, --output FORMAT    table (default), json, ndjson, prom (Prometheus text format,\n"
	"                         listening sockets only)\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 netlink or system failure.\n";

enum { OPT_STATE = 1000 };

struct list_opts {
	struct ps_common co;
	struct ps_sockopts so;
	bool all;
	uint32_t states;	/* from --state, 0 when not given */
};

static int parse_states(const char *arg, uint32_t *mask)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return ps_fail("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned st;

		if (ps_sock_state_parse(tok, &st) < 0) {
			rc = ps_usage("unknown state '%s' in --state", tok);
			break;
		}
		*mask |= 1u << st;
	}
	if (!rc && !*mask)
		rc = ps_usage("empty --state");
	free(copy);
	return rc;
}

/* Returns 0, or an exit code after printing the reason. */
static int parse_args(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "state", required_argument, NULL, OPT_STATE },
		PS_SOCK_LONGOPTS,
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	ps_sockopts_init(&o->so);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":a" PS_SOCK_SHORTOPTS PS_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		rc = ps_cli_common(c, &o->co, false);
		if (rc == 0)
			rc = ps_sockopts_handle(c, &o->so);
		if (rc < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case 'a': o->all = true; break;
		case OPT_STATE:
			if ((rc = parse_states(optarg, &o->states)) != 0)
				return rc;
			break;
		default:
			return ps_cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (o->co.fmt == PS_FMT_NAGIOS)
		return ps_usage("output format not supported by list");
	if (o->co.fmt == PS_FMT_PROM && (o->all || o->states))
		return ps_usage("-o prom describes listening sockets: it does not take %s",
				o->all ? "-a" : "--state");
	ps_sockopts_finish(&o->so);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_view view = { 0 };
	ps_err err;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.co.help) {
		fputs(list_usage, stdout);
		return PS_EXIT_OK;
	}
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		return rc;
	ps_sockopts_listening(&o.so, &q);
	if (o.states)
		q.diag.tcp_states = q.diag.udp_states = o.states;
	else if (o.all)
		q.diag.tcp_states = q.diag.udp_states = PS_SS_ALL;
	if (ps_inventory_load(&q, &inv, &err) < 0) {
		ps_inventory_free(&inv);
		return ps_fail("%s", err.msg);
	}
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	ps_cli_stdout_buffer();
	if (o.co.fmt == PS_FMT_PROM)
		rc = ps_prom_listening(stdout, inv.sorted, inv.sv.len, &view);
	else
		rc = ps_report_sockets(stdout, o.co.fmt, inv.sorted, inv.sv.len, &view);
	rc = rc < 0 ? ps_fail("out of memory") : PS_EXIT_OK;
	ps_inventory_free(&inv);
	return rc;
}
