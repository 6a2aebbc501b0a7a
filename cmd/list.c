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

struct list_opts {
	struct ps_output out;
	struct ps_sockopts so;
	bool all;
	uint32_t states;	/* from --state, 0 when not given */
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
	ps_sockopts_finish(&o->so);
	return PS_PARSE_RUN;
}

int cmd_list(const struct ps_command *cmd, int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_view view = { 0 };
	ps_err err;
	int rc;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		return rc;
	ps_sockopts_listening(&o.so, &q);
	if (o.states)
		q.diag.tcp_states = q.diag.udp_states = o.states;
	else if (o.all)
		q.diag.tcp_states = q.diag.udp_states = PS_SS_ALL;
	if (ps_inventory_load(&q, &inv, &err) < 0) {
		ps_inventory_free(&inv);
		return ps_cli_err(&err);
	}
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	ps_cli_stdout_buffer();
	if (o.out.fmt == PS_FMT_PROM)
		rc = ps_prom_listening(stdout, inv.sorted, inv.sv.len, &view);
	else
		rc = ps_report_sockets(stdout, o.out.fmt, inv.sorted, inv.sv.len, &view);
	rc = rc < 0 ? ps_fail("out of memory") : PS_EXIT_OK;
	ps_inventory_free(&inv);
	return rc;
}
