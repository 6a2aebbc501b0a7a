/* portscope audit: the listening sockets compared against a policy of allowed and
 * required listeners, or (--init) a policy that allows what listens now. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/inventory.h"
#include "probe/policy.h"
#include "report/audit.h"
#include "report/prom.h"
#include "report/table.h"

struct audit_opts {
	struct ps_output out;
	struct ps_sockopts so;
	const char *policy;
	bool init;
};

static const struct ps_option audit_options[] = {
	PS_OPT_STRING(0, "policy", struct audit_opts, policy, "FILE", "the policy to check against",
		      "@file"),
	PS_OPT_BOOL(0, "init", struct audit_opts, init,
		    "print a policy that allows exactly what listens now"),
	PS_SOCK_OPTIONS(struct audit_opts, so),
	PS_OUTPUT_OPTIONS(struct audit_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_audit_help = {
	.synopsis = "audit --policy FILE [OPTIONS]\naudit --init [OPTIONS] > FILE",
	.description =
		"Compare the listening sockets (TCP in LISTEN, bound unconnected UDP) against a JSON\n"
		"policy. A listener no \"allow\" rule matches is an 'unexpected' finding; a \"require\"\n"
		"rule no listener matches is a 'missing' finding. A rule names any of proto (tcp, udp),\n"
		"family (ipv4, ipv6), port (a number or a SPEC string: \"8000-8100\", \"ssh\"), address,\n"
		"exposure (loopback, all, specific), command (a process name as list shows it), user\n"
		"(a name or a uid) and comment; it matches when every field it names matches:\n"
		"\n"
		"  {\"allow\":   [{\"proto\": \"tcp\", \"port\": 22},\n"
		"               {\"proto\": \"tcp\", \"port\": \"8000-8100\", \"exposure\": \"loopback\"}],\n"
		"   \"require\": [{\"proto\": \"tcp\", \"port\": 22}]}\n"
		"\n"
		"The socket-selection options narrow what is audited; with -P, command rules match\n"
		"nothing.\n",
	.options = audit_options,
	.exit_status =
		"Exit status: 0 no findings, 1 findings, 2 bad usage or a missing or invalid policy\n"
		"(FILE:LINE:COLUMN: reason), 3 netlink or system failure.\n",
};

static int parse_args(const struct ps_command *cmd, int argc, char **argv,
		      struct audit_opts *o)
{
	int rc;

	ps_sockopts_init(&o->so);
	if ((rc = ps_parse_options(cmd, argc, argv, o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (o->init && o->policy)
		return ps_usage("--init prints a new policy: it does not take --policy");
	if (!o->init && !o->policy)
		return ps_usage("audit needs --policy FILE (or --init to write one)");
	if (o->init && o->out.fmt != PS_FMT_TABLE && o->out.fmt != PS_FMT_JSON)
		return ps_usage("--init writes a JSON policy: it takes no -o");
	if ((rc = ps_sockopts_finish(&o->so)) != 0)
		return rc;
	return PS_PARSE_RUN;
}

int cmd_audit(const struct ps_command *cmd, int argc, char **argv)
{
	struct audit_opts o = { 0 };
	struct ps_policy pol = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_findings fnd = { 0 };
	struct ps_view view = { 0 };
	struct ps_audit_summary sum = { 0 };
	ps_err err;
	int rc;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	/* Read the policy before entering a namespace: its path is the caller's. */
	if (o.policy) {
		if (ps_policy_load(o.policy, &pol, &err) < 0)
			return ps_cli_err(&err);
	}
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		goto end;
	ps_sockopts_listening(&o.so, &q);
	if (ps_inventory_load(&q, &inv, &err) < 0) {
		rc = ps_cli_err(&err);
		goto end;
	}
	ps_cli_stdout_buffer();
	if (o.init) {
		ps_report_policy_init(stdout, inv.sorted, inv.sv.len);
		rc = PS_EXIT_OK;
		goto end;
	}
	if (ps_policy_audit(&pol, inv.sorted, inv.sv.len, &fnd, &err) < 0) {
		rc = ps_cli_err(&err);
		goto end;
	}
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	sum.sockets = inv.sv.len;
	sum.nallow = pol.nallow;
	sum.nrequire = pol.nrequire;
	sum.policy = o.policy;
	if (o.out.fmt == PS_FMT_PROM) {
		struct ps_prom_audit_counts counts = { inv.sv.len, pol.nallow, pol.nrequire };

		rc = ps_prom_audit(stdout, fnd.v, fnd.len, &counts, &view);
	} else {
		rc = ps_report_audit(stdout, o.out.fmt, fnd.v, fnd.len, &sum, &view);
	}
	if (rc < 0)
		rc = ps_fail("out of memory");
	else
		rc = fnd.len ? PS_EXIT_NEGATIVE : PS_EXIT_OK;
end:
	ps_findings_free(&fnd);
	ps_inventory_free(&inv);
	ps_policy_free(&pol);
	return rc;
}
