/* portscope scan: every port of a spec on every host, open ports listed by default
 * (--all-states for every verdict), with counts per state and the time taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "probe/ports.h"
#include "probe/proto.h"
#include "probe/targets.h"

#define MAX_SPECS 64

/* -p, repeatable: the specs are parsed once -t/-u are known. */
struct spec_list {
	const char *v[MAX_SPECS];
	size_t n;
};

struct scan_opts {
	struct ps_output out;
	struct ps_probe_cli pc;
	struct spec_list specs;
	bool tcp, udp, all_states;
};

static int add_spec(const struct ps_option *opt, const char *name, const char *arg,
		    void *field)
{
	struct spec_list *l = field;

	(void)opt;
	if (l->n == MAX_SPECS)
		return ps_usage("too many %s (at most %d)", name, MAX_SPECS);
	l->v[l->n++] = arg;
	return 0;
}

static const struct ps_option scan_options[] = {
	PS_OPT_CALLBACK('p', "ports", struct scan_opts, specs, "SPEC",
			"22,80,8000-8100,ssh,well-known,registered,dynamic,- (all),\n"
			"-1024 (1-1024), 8000- (8000-65535); repeatable", add_spec, NULL),
	PS_OPT_BOOL('t', "tcp", struct scan_opts, tcp, "TCP connect scan (the default)"),
	PS_OPT_BOOL('u', "udp", struct scan_opts, udp, "UDP scan"),
	PS_OPT_BOOL(0, "all-states", struct scan_opts, all_states,
		    "list every result, not only open ports (and errors)"),
	PS_PROBE_OPTIONS(struct scan_opts, pc),
	PS_OUTPUT_OPTIONS(struct scan_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_scan_help = {
	.synopsis = "scan [OPTIONS] HOST... -p SPEC",
	.description =
		"Probe every port of SPEC on every HOST (a name, an IPv4 or IPv6 address, [v6addr],\n"
		"tcp://host or udp://host); a name is scanned on each of its addresses.\n",
	.options = scan_options,
	.args = "HOST...",
	.missing = "missing HOST to scan",
	.output_note = "(ndjson: one line per result as it is decided)",
	.exit_status =
		"A scan over two seconds shows its progress on stderr when stderr is a terminal.\n"
		"Exit status: 0 done, 1 a host could not be resolved (or a probe could not run),\n"
		"2 bad usage, 3 system failure.\n",
};

/* Every -p into ports, service names looked up for the protocol scanned. */
static int parse_ports(const struct scan_opts *o, struct ps_portset *ports)
{
	const char *proto = o->tcp && !o->udp ? "tcp" : o->udp && !o->tcp ? "udp" : NULL;
	ps_err err;

	ps_portset_clear(ports);
	for (size_t i = 0; i < o->specs.n; i++)
		if (ps_ports_parse_arg(o->specs.v[i], proto, false, ports, &err) < 0)
			return ps_cli_err_in(&err, "-p");
	return 0;
}

/* Each host once per protocol asked for, unless its scheme names one. targets holds
 * 2 * nhosts. Returns 0, or an exit code after printing the reason. */
static int make_targets(const struct scan_opts *o, char **hosts, size_t nhosts,
			struct ps_target *targets, size_t *ntargets)
{
	for (size_t i = 0; i < nhosts; i++) {
		struct ps_target t;
		ps_err err;

		if (ps_targets_parse(hosts[i], false, o->tcp ? IPPROTO_TCP : IPPROTO_UDP, &t,
				     &err) < 0)
			return ps_cli_err(&err);
		for (int p = 0; p < 2; p++) {
			uint8_t proto = p == 0 ? IPPROTO_TCP : IPPROTO_UDP;

			if (t.proto_given ? t.proto != proto : (p == 0 ? !o->tcp : !o->udp))
				continue;
			if (!ps_probe_engine(proto))
				return ps_usage("%s scans are not available in this build",
						ps_proto_name(proto));
			targets[*ntargets] = t;
			targets[(*ntargets)++].proto = proto;
		}
	}
	return 0;
}

/* Probe, then report. Returns the exit code. */
static int run(const struct scan_opts *o, struct ps_target *targets, size_t ntargets,
	       const struct ps_portset *ports)
{
	struct ps_plan plan = { 0 };
	struct ps_probe_sink sink;
	struct ps_probe_opts po = o->pc.o;
	double elapsed;
	int rc;

	ps_probe_sink_init(&sink, o->out.fmt, "scan", o->all_states, 0);
	ps_cli_stdout_buffer();
	rc = ps_probe_plan_build(&plan, targets, ntargets, o->pc.family);
	if (rc == PS_EXIT_OK) {
		sink.line.total = ps_plan_count(&plan, ports);
		po.bound = &sink.bound;
		rc = ps_probe_plan_run(&plan, ports, &po, ps_probe_sink_result, &sink);
	}
	elapsed = ps_probe_sink_done(&sink);
	if (rc == PS_EXIT_OK && sink.oom)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK &&
	    ps_report_results(stdout, o->out.fmt, "scan", &sink.set, elapsed,
			      o->all_states ? "all states shown" : "open shown", &sink.view) < 0)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK && sink.set.counts[PS_PROBE_ERROR])
		rc = PS_EXIT_NEGATIVE;
	ps_resultset_free(&sink.set);
	ps_plan_free(&plan);
	return rc;
}

int cmd_scan(const struct ps_command *cmd, int argc, char **argv)
{
	struct scan_opts o = { 0 };
	struct ps_portset *ports = NULL;
	struct ps_target *targets = NULL;
	size_t ntargets = 0;
	char **hosts;
	int nhosts, rc;

	if ((rc = ps_probe_parse(cmd, argc, argv, &o, &o.pc, &hosts, &nhosts)) != PS_PARSE_RUN)
		return rc;
	if (!o.specs.n)
		return ps_usage("missing -p SPEC (ports to scan, e.g. -p 1-1024 or -p -)");
	if (!o.tcp && !o.udp)
		o.tcp = true;
	ports = malloc(sizeof(*ports));
	targets = calloc((size_t)nhosts * 2, sizeof(*targets));
	if (!ports || !targets)
		rc = ps_fail("out of memory");
	else if ((rc = parse_ports(&o, ports)) == 0 &&
		 (rc = make_targets(&o, hosts, (size_t)nhosts, targets, &ntargets)) == 0)
		rc = run(&o, targets, ntargets, ports);
	free(targets);
	free(ports);
	return rc;
}
