/* portscope list: local sockets from sock_diag, filtered, with their owners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/inventory.h"
#include "probe/reach.h"
#include "report/prom.h"
#include "report/sockets.h"
#include "report/table.h"

struct list_opts {
	struct ps_output out;
	struct ps_sockopts so;
	bool all;
	uint32_t states;	/* from --state, 0 when not given */
	const char *reachable_on;
	bool nat;
};

static ps_opt_cb parse_states;

static const struct ps_option list_options[] = {
	PS_OPT_BOOL('a', "all", struct list_opts, all,
		    "every socket in every state (the netstat -ano view)"),
	PS_OPT_CALLBACK(0, "state", struct list_opts, states, "NAME[,..]",
			"listen, established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
			"time-wait, close, close-wait, last-ack, closing, unconn", parse_states,
			"listen established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close "
			"close-wait last-ack closing unconn"),
	PS_OPT_BOOL(0, "nat", struct list_opts, nat,
		    "add the ports nftables DNAT rules publish (state dnat; the\n"
		    "destination as the peer; root): container ports with no socket"),
	PS_OPT_STRING(0, "reachable-on", struct list_opts, reachable_on, "ADDR|IF",
		      "only the sockets a peer could reach at this host's address\n"
		      "ADDR, or at any address of interface IF (see addrs)", NULL),
	PS_SOCK_OPTIONS(struct list_opts, so),
	PS_OUTPUT_OPTIONS(struct list_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_list_help = {
	.synopsis = "list [OPTIONS]",
	.description =
		"Local TCP and UDP sockets, read from the kernel (netlink sock_diag). By default the\n"
		"listening TCP sockets and the bound, unconnected UDP sockets of both families.\n",
	.options = list_options,
	.output_note = "(prom: Prometheus text format, listening sockets only)",
	.exit_status = "Exit status: 0 done, 2 bad usage, 3 netlink or system failure.\n",
};

static int parse_states(const struct ps_option *opt, const char *name, const char *arg,
			void *field)
{
	char *copy = strdup(arg), *rest, *tok;
	uint32_t *mask = field;
	int rc = 0;

	(void)opt;
	if (!copy)
		return ps_fail("out of memory");
	/* Every item counts, empty ones included, as in a port spec ("22,,23" is refused). */
	for (rest = copy; (tok = strsep(&rest, ",")) != NULL;) {
		unsigned st;

		if (!*tok) {
			rc = ps_usage("empty item in state list in %s", name);
			break;
		}
		if (ps_sock_state_parse(tok, &st) < 0) {
			rc = ps_usage("unknown state '%s' in %s", tok, name);
			break;
		}
		*mask |= 1u << st;
	}
	if (!rc && !*mask)
		rc = ps_usage("empty %s", name);
	free(copy);
	return rc;
}

/* Returns PS_PARSE_RUN, or an exit code. */
static int parse_args(const struct ps_command *cmd, int argc, char **argv, struct list_opts *o)
{
	int rc;

	ps_sockopts_init(&o->so);
	if ((rc = ps_parse_options(cmd, argc, argv, o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (o->out.fmt == PS_FMT_PROM && (o->all || o->states))
		return ps_usage("-o prom describes listening sockets: it does not take %s",
				o->all ? "-a" : "--state");
	if ((o->nat || o->reachable_on) && o->so.all_netns)
		return ps_usage("%s looks at one namespace: it does not take --all-netns",
				o->nat ? "--nat" : "--reachable-on");
	if ((rc = ps_sockopts_finish(&o->so)) != 0)
		return rc;
	return PS_PARSE_RUN;
}

/* Keep the n sorted records a peer could reach at spec's addresses; returns how many are
 * left, or -1 with err. */
static long keep_reachable(const char *spec, const struct sock_rec **recs, size_t n,
			   ps_err *err)
{
	const struct ps_ifaddr *addrs[256];
	struct ps_rtaddr rt = { 0 };
	size_t kept = 0;
	int na;

	if (ps_rtaddr_dump(&rt, err) < 0 ||
	    (na = ps_reach_targets(&rt, spec, addrs, sizeof(addrs) / sizeof(addrs[0]), err)) < 0) {
		ps_rtaddr_free(&rt);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (ps_reach_any(recs[i], addrs, (size_t)na))
			recs[kept++] = recs[i];
	ps_rtaddr_free(&rt);
	return (long)kept;
}

int cmd_list(const struct ps_command *cmd, int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_view view = { 0 };
	ps_err err;
	long n = 0;
	int rc;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		return rc;
	ps_sockopts_listening(&o.so, &q);
	q.nat = o.nat;
	if (o.states)
		q.diag.tcp_states = q.diag.udp_states = o.states;
	else if (o.all)
		q.diag.tcp_states = q.diag.udp_states = PS_SS_ALL;
	if (ps_inventory_load(&q, &inv, &err) < 0 ||
	    (o.reachable_on &&
	     (n = keep_reachable(o.reachable_on, inv.sorted, inv.sv.len, &err)) < 0)) {
		ps_inventory_free(&inv);
		return ps_cli_err_in(&err, o.reachable_on ? "--reachable-on" : NULL);
	}
	if (!o.reachable_on)
		n = (long)inv.sv.len;
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	ps_cli_stdout_buffer();
	if (o.out.fmt == PS_FMT_PROM)
		rc = ps_prom_listening(stdout, inv.sorted, (size_t)n, &view);
	else
		rc = ps_report_sockets(stdout, o.out.fmt, inv.sorted, (size_t)n, &view);
	rc = rc < 0 ? ps_fail("out of memory") : PS_EXIT_OK;
	ps_inventory_free(&inv);
	return rc;
}
