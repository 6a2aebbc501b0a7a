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

static const char audit_usage[] =
	"usage: portscope audit --policy FILE [OPTIONS]\n"
	"       portscope audit --init [OPTIONS] > FILE\n"
	"\n"
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
	"      --policy FILE      the policy to check against\n"
	"      --init             print a policy that allows exactly what listens now\n"
	PS_SOCK_HELP
	"                         (the options above narrow what is audited)\n"
	"  -n, --numeric          no service names\n"
	"  -P, --no-processes     skip the /proc scan (command rules then match nothing)\n"
	"  -o, --output FORMAT    table (default), json, ndjson, prom\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 no findings, 1 findings, 2 bad usage or a missing or invalid policy\n"
	"(FILE:LINE:COLUMN: reason), 3 netlink or system failure.\n";

enum { OPT_POLICY = 1000, OPT_INIT };

struct audit_opts {
	struct ps_common co;
	struct ps_sockopts so;
	const char *policy;
	bool init;
};

static int parse_args(int argc, char **argv, struct audit_opts *o)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "init", no_argument, NULL, OPT_INIT },
		PS_SOCK_LONGOPTS,
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	ps_sockopts_init(&o->so);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":" PS_SOCK_SHORTOPTS PS_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		rc = ps_cli_common(c, &o->co, false);
		if (rc == 0)
			rc = ps_sockopts_handle(c, &o->so);
		if (rc < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_INIT: o->init = true; break;
		default: return ps_cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (o->co.help)
		return 0;
	if (o->init && o->policy)
		return ps_usage("--init prints a new policy: it does not take --policy");
	if (!o->init && !o->policy)
		return ps_usage("audit needs --policy FILE (or --init to write one)");
	if (o->init && o->co.fmt != PS_FMT_TABLE && o->co.fmt != PS_FMT_JSON)
		return ps_usage("--init writes a JSON policy: it takes no -o");
	ps_sockopts_finish(&o->so);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o = { 0 };
	struct ps_policy pol = { 0 };
	struct ps_inv_query q;
	struct ps_inventory inv = { 0 };
	struct ps_findings fnd = { 0 };
	struct ps_sock_view view = { 0 };
	struct ps_audit_summary sum = { 0 };
	ps_err err;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.co.help) {
		fputs(audit_usage, stdout);
		return PS_EXIT_OK;
	}
	/* Read the policy before entering a namespace: its path is the caller's. */
	if (o.policy) {
		if (ps_policy_load(o.policy, &pol, &err) < 0)
			return err.kind == PS_ERR_INPUT ? ps_usage("%s", err.msg)
							: ps_fail("%s", err.msg);
	}
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		goto end;
	ps_sockopts_listening(&o.so, &q);
	if (ps_inventory_load(&q, &inv, &err) < 0) {
		rc = ps_fail("%s", err.msg);
		goto end;
	}
	ps_cli_stdout_buffer();
	if (o.init) {
		ps_report_policy_init(stdout, inv.sorted, inv.sv.len);
		rc = PS_EXIT_OK;
		goto end;
	}
	if (ps_policy_audit(&pol, inv.sorted, inv.sv.len, &fnd, &err) < 0) {
		rc = ps_fail("%s", err.msg);
		goto end;
	}
	view.numeric = o.so.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	sum.sockets = inv.sv.len;
	sum.nallow = pol.nallow;
	sum.nrequire = pol.nrequire;
	sum.policy = o.policy;
	if (o.co.fmt == PS_FMT_PROM) {
		struct ps_prom_audit_counts counts = { inv.sv.len, pol.nallow, pol.nrequire };

		rc = ps_prom_audit(stdout, fnd.v, fnd.len, &counts, &view);
	} else {
		rc = ps_report_audit(stdout, o.co.fmt, fnd.v, fnd.len, &sum, &view);
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
