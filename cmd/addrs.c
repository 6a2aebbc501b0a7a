/* portscope addrs: this host's interfaces and addresses (rtnetlink), and under each address
 * the listeners a peer could reach there. */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/inventory.h"
#include "probe/rtaddr.h"
#include "report/addrs.h"
#include "report/table.h"

struct addrs_opts {
	struct ps_output out;
	struct ps_sockopts so;
};

static const struct ps_option addrs_options[] = {
	PS_SOCK_OPTIONS(struct addrs_opts, so),
	PS_OUTPUT_OPTIONS(struct addrs_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_addrs_help = {
	.synopsis = "addrs [OPTIONS]",
	.description =
		"This host's interfaces (name, state, MAC, MTU) and addresses (family, prefix,\n"
		"scope), read from rtnetlink, and for each address the listeners a peer could\n"
		"reach there: sockets bound to it, wildcard sockets that accept its family (a\n"
		"dual-stack :: socket takes IPv4 too), never sockets bound to another device.\n"
		"The socket options select the listeners.\n",
	.options = addrs_options,
	.exit_status = "Exit status: 0 done, 2 bad usage, 3 netlink or system failure.\n",
};

int cmd_addrs(const struct ps_command *cmd, int argc, char **argv)
{
	struct addrs_opts o = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_rtaddr rt = { 0 };
	struct ps_view view = { 0 };
	ps_err err;
	int rc;

	ps_sockopts_init(&o.so);
	if ((rc = ps_parse_options(cmd, argc, argv, &o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (o.so.all_netns)
		return ps_usage("addrs shows one namespace's addresses: it does not take "
				"--all-netns");
	if ((rc = ps_sockopts_finish(&o.so)) != 0 || (rc = ps_sockopts_enter_netns(&o.so)) != 0)
		return rc;
	ps_sockopts_listening(&o.so, &q);
	if (ps_inventory_load(&q, &inv, &err) < 0 || ps_rtaddr_dump(&rt, &err) < 0) {
		rc = ps_cli_err(&err);
		goto end;
	}
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	ps_cli_stdout_buffer();
	rc = ps_report_addrs(stdout, o.out.fmt, &rt, inv.sorted, inv.sv.len, &view) < 0
		     ? ps_fail("out of memory")
		     : PS_EXIT_OK;
end:
	ps_rtaddr_free(&rt);
	ps_inventory_free(&inv);
	return rc;
}
