/* portscope check: one verdict per target (host:port, [v6]:port, tcp://, udp://), every
 * address of a name probed, exit 0 only when every target is reachable. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "probe/targets.h"
#include "probe/proto.h"
#include "report/nagios.h"

struct check_opts {
	struct ps_output out;
	struct ps_probe_cli pc;
	struct ps_nagios_limits lim;
};

static ps_opt_cb parse_ms;

static const struct ps_option check_options[] = {
	PS_PROBE_OPTIONS(struct check_opts, pc),
	PS_OUTPUT_OPTIONS(struct check_opts, out),
	PS_OPT_CALLBACK('w', "warning", struct check_opts, lim.warn_ms, "MS",
			"with -o nagios: WARNING when a response takes longer", parse_ms, NULL),
	PS_OPT_CALLBACK('c', "critical", struct check_opts, lim.crit_ms, "MS",
			"with -o nagios: CRITICAL when a response takes longer", parse_ms, NULL),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_check_help = {
	.synopsis = "check [OPTIONS] TARGET...",
	.description =
		"Is each TARGET reachable? TARGET is host:port, [v6addr]:port, tcp://host:port or\n"
		"udp://host:port (port: a number or a service name). A name is probed on each of\n"
		"its addresses; a target is reachable when one of them is open (and matches --expect).\n",
	.options = check_options,
	.args = "TARGET...",
	.missing = "missing TARGET (host:port)",
	.output_note = "(nagios: one monitoring-plugin line, as check_tcp)",
	.exit_status =
		"Exit status: 0 every target reachable, 1 some target not reachable or not matching\n"
		"--expect, 2 bad usage, 3 system failure. With -o nagios: 0 OK, 1 WARNING (slower\n"
		"than -w, or the reply did not match --expect), 2 CRITICAL (not reachable, or slower\n"
		"than -c), 3 UNKNOWN (bad usage, system failure).\n",
};

struct check_state {
	struct ps_probe_sink sink;
	struct ps_plan *plan;
	unsigned char *reachable;	/* per target: 0 no, 1 open but --expect failed, 2 yes */
	struct ps_nagios_target *verdict;	/* per target, for the nagios line */
};

static void on_result(const struct probe_result *r, void *ctx)
{
	struct check_state *c = ctx;
	uint32_t t = c->plan->ep_target[r->tag];
	struct ps_nagios_target *v = &c->verdict[t];
	unsigned char level = 0;

	ps_probe_sink_result(r, &c->sink);
	if (r->state == PS_PROBE_OPEN)
		level = r->expect_ok == 0 ? 1 : 2;
	/* A target's verdict is its best address; among equals, the fastest. */
	if (level > c->reachable[t] ||
	    (level == c->reachable[t] && level > 0 && r->rtt_ms >= 0 &&
	     (v->rtt_ms < 0 || r->rtt_ms < v->rtt_ms))) {
		v->reachable = level > 0;
		v->mismatch = level == 1;
		v->rtt_ms = r->rtt_ms;
	}
	if (level > c->reachable[t])
		c->reachable[t] = level;
	if (level == 0 && !v->state) {
		v->state = ps_probe_state_name(r->state);
		v->reason = r->reason;
	}
}

/* True when the arguments ask for -o nagios: then even bad usage must be reported as a
 * plugin (UNKNOWN on stdout, exit 3), before the options are parsed. */
static bool wants_nagios(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "-onagios") == 0 || strcmp(a, "--output=nagios") == 0)
			return true;
		if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc &&
		    strcmp(argv[i + 1], "nagios") == 0)
			return true;
	}
	return false;
}

/* A response-time threshold in milliseconds (a decimal >= 0). */
static int parse_ms(const struct ps_option *opt, const char *name, const char *arg,
		    void *field)
{
	char *end;
	double v;

	(void)opt;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0) || v > 1e9 ||
	    isspace((unsigned char)*arg))
		return ps_usage("invalid value '%s' for %s (milliseconds, 0 or more)", arg, name);
	*(double *)field = v + 0.0;	/* -0 is 0: never written as -0.000000 */
	return 0;
}

/* Parse every target; each needs an engine. Returns 0, or an exit code. */
static int parse_targets(char **args, size_t n, struct ps_target *targets)
{
	for (size_t i = 0; i < n; i++) {
		ps_err err;

		if (ps_targets_parse(args[i], true, IPPROTO_TCP, &targets[i], &err) < 0)
			return ps_cli_err(&err);
		if (!ps_probe_engine(targets[i].proto))
			return ps_usage("%s probes are not available in this build ('%s')",
					ps_proto_name(targets[i].proto), args[i]);
	}
	return 0;
}

/* Probe every target and report. *verdict is set once a -o nagios line is written. */
static int run(const struct check_opts *o, char **args, struct ps_target *targets,
	       size_t ntargets, struct check_state *cs, bool *verdict)
{
	struct ps_plan plan = { 0 };
	double elapsed;
	int rc;

	for (size_t i = 0; i < ntargets; i++) {
		cs->verdict[i].target = args[i];
		cs->verdict[i].rtt_ms = -1;
	}
	ps_probe_sink_init(&cs->sink, o->out.fmt == PS_FMT_NAGIOS ? PS_FMT_JSON : o->out.fmt,
			   "check", true, 0);
	cs->sink.progress = false;
	ps_cli_stdout_buffer();
	rc = ps_probe_plan_build(&plan, targets, ntargets, o->pc.family);
	cs->plan = &plan;
	if (rc == PS_EXIT_OK)
		rc = ps_probe_plan_run(&plan, NULL, &o->pc.o, on_result, cs);
	elapsed = ps_probe_sink_done(&cs->sink);
	if (rc == PS_EXIT_OK && cs->sink.oom)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK && o->out.fmt == PS_FMT_NAGIOS) {
		rc = ps_nagios_line(stdout, cs->verdict, ntargets, &o->lim);
		*verdict = true;
	} else if (rc == PS_EXIT_OK) {
		if (ps_report_results(stdout, o->out.fmt, "check", &cs->sink.set, elapsed, NULL,
				      &cs->sink.view) < 0)
			rc = ps_fail("out of memory");
		for (size_t i = 0; i < ntargets && rc == PS_EXIT_OK; i++)
			if (cs->reachable[i] != 2)
				rc = PS_EXIT_NEGATIVE;
	}
	ps_resultset_free(&cs->sink.set);
	ps_plan_free(&plan);
	return rc;
}

/* check itself; *verdict is set once a -o nagios line has been written. */
static int check_main(const struct ps_command *cmd, int argc, char **argv, bool *verdict)
{
	struct check_opts o = { .lim = { -1, -1 } };
	struct check_state cs = { 0 };
	struct ps_target *targets;
	char **args;
	int nargs, rc;

	if ((rc = ps_probe_parse(cmd, argc, argv, &o, &o.pc, &args, &nargs)) != PS_PARSE_RUN)
		return rc;
	if ((o.lim.warn_ms >= 0 || o.lim.crit_ms >= 0) && o.out.fmt != PS_FMT_NAGIOS)
		return ps_usage("-w and -c are response-time thresholds for -o nagios");
	targets = calloc((size_t)nargs, sizeof(*targets));
	cs.reachable = calloc((size_t)nargs, 1);
	cs.verdict = calloc((size_t)nargs, sizeof(*cs.verdict));
	if (!targets || !cs.reachable || !cs.verdict)
		rc = ps_fail("out of memory");
	else if ((rc = parse_targets(args, (size_t)nargs, targets)) == 0)
		rc = run(&o, args, targets, (size_t)nargs, &cs, verdict);
	free(cs.reachable);
	free(cs.verdict);
	free(targets);
	return rc;
}

int cmd_check(const struct ps_command *cmd, int argc, char **argv)
{
	bool plugin = wants_nagios(argc, argv), verdict = false;
	int rc = check_main(cmd, argc, argv, &verdict);

	/* A monitoring plugin says UNKNOWN for anything that is not a verdict. */
	if (plugin && !verdict && rc != PS_EXIT_OK)
		return ps_nagios_unknown(stdout, ps_cli_last_message());
	return rc;
}
