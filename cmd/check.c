/* portscope check: one verdict per target (host:port, [v6]:port, tcp://, udp://), every
 * address of a name probed, exit 0 only when every target is reachable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "probe/targets.h"
#include "probe/escape.h"
#include "report/nagios.h"

static const char check_usage_head[] =
	"usage: portscope check [OPTIONS] TARGET...\n"
	"\n"
	"Is each TARGET reachable? TARGET is host:port, [v6addr]:port, tcp://host:port or\n"
	"udp://host:port (port: a number or a service name). A name is probed on each of\n"
	"its addresses; a target is reachable when one of them is open (and matches --expect).\n"
	"\n";
static const char check_usage_tail[] =
	"  -o, --output FORMAT    table (default), json, ndjson, prom, nagios (one\n"
	"                         monitoring-plugin line, as check_tcp)\n"
	"  -w, --warning MS       with -o nagios: WARNING when a response takes longer\n"
	"  -c, --critical MS      with -o nagios: CRITICAL when a response takes longer\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 every target reachable, 1 some target not reachable or not matching\n"
	"--expect, 2 bad usage, 3 system failure. With -o nagios: 0 OK, 1 WARNING (slower\n"
	"than -w, or the reply did not match --expect), 2 CRITICAL (not reachable, or slower\n"
	"than -c), 3 UNKNOWN (bad usage, system failure).\n";

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
static int parse_ms(const char *s, const char *opt, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e9)
		return ps_usage("invalid value '%s' for %s (milliseconds, 0 or more)", s, opt);
	*out = v;
	return 0;
}

/* check itself; *verdict is set once a -o nagios line has been written. */
static int check_main(int argc, char **argv, bool *verdict)
{
	static const struct option longopts[] = {
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		PS_PROBE_LONGOPTS,
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ps_nagios_limits lim = { -1, -1 };
	struct ps_common co = { 0 };
	struct ps_probe_cli pc;
	struct ps_plan plan = { 0 };
	struct check_state cs;
	struct ps_target *targets = NULL;
	size_t ntargets;
	double elapsed;
	int c, rc;

	ps_probe_cli_init(&pc);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":w:c:" PS_PROBE_SHORTOPTS PS_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		if ((rc = ps_cli_common(c, &co, true)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		if ((rc = ps_probe_cli_option(c, &pc)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		if (c == 'w' || c == 'c') {
			if (parse_ms(optarg, c == 'w' ? "-w" : "-c",
				     c == 'w' ? &lim.warn_ms : &lim.crit_ms) != 0)
				return PS_EXIT_USAGE;
			continue;
		}
		return ps_cli_bad_option(c, argv);
	}
	if (co.help) {
		fputs(check_usage_head, stdout);
		fputs(ps_probe_opts_help, stdout);
		fputs(check_usage_tail, stdout);
		return PS_EXIT_OK;
	}
	if ((rc = ps_probe_cli_finish(&pc)) != 0)
		return rc;
	if ((lim.warn_ms >= 0 || lim.crit_ms >= 0) && co.fmt != PS_FMT_NAGIOS)
		return ps_usage("-w and -c are response-time thresholds for -o nagios");
	if (optind >= argc)
		return ps_usage("missing TARGET (host:port)");
	ntargets = (size_t)(argc - optind);
	targets = calloc(ntargets, sizeof(*targets));
	if (!targets)
		return ps_fail("out of memory");
	for (size_t i = 0; i < ntargets; i++) {
		ps_err err;

		if (ps_targets_parse(argv[optind + (int)i], true, IPPROTO_TCP, &targets[i], &err) < 0) {
			free(targets);
			return ps_usage("%s", err.msg);
		}
		if (!ps_probe_engine(targets[i].proto)) {
			free(targets);
			return ps_usage("%s probes are not available in this build ('%s')",
					ps_probe_proto_name(targets[i].proto), argv[optind + (int)i]);
		}
	}
	memset(&cs, 0, sizeof(cs));
	cs.reachable = calloc(ntargets, 1);
	cs.verdict = calloc(ntargets, sizeof(*cs.verdict));
	if (!cs.reachable || !cs.verdict) {
		free(cs.reachable);
		free(cs.verdict);
		free(targets);
		return ps_fail("out of memory");
	}
	for (size_t i = 0; i < ntargets; i++) {
		cs.verdict[i].target = argv[optind + (int)i];
		cs.verdict[i].rtt_ms = -1;
	}
	ps_probe_sink_init(&cs.sink, co.fmt == PS_FMT_NAGIOS ? PS_FMT_JSON : co.fmt, "check", true,
			   0);
	cs.sink.progress = false;
	ps_cli_stdout_buffer();
	rc = ps_probe_plan_build(&plan, targets, ntargets, pc.family);
	cs.plan = &plan;
	if (rc == PS_EXIT_OK)
		rc = ps_probe_plan_run(&plan, NULL, &pc.o, on_result, &cs);
	elapsed = ps_probe_sink_done(&cs.sink);
	if (rc == PS_EXIT_OK && cs.sink.oom)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK) {
		if (co.fmt == PS_FMT_NAGIOS) {
			rc = ps_nagios_line(stdout, cs.verdict, ntargets, &lim);
			*verdict = true;
		} else {
			if (ps_report_results(stdout, co.fmt, "check", &cs.sink.set, elapsed, NULL,
					      &cs.sink.view) < 0)
				rc = ps_fail("out of memory");
			for (size_t i = 0; i < ntargets && rc == PS_EXIT_OK; i++)
				if (cs.reachable[i] != 2)
					rc = PS_EXIT_NEGATIVE;
		}
	}
	ps_resultset_free(&cs.sink.set);
	ps_plan_free(&plan);
	free(cs.reachable);
	free(cs.verdict);
	free(targets);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	bool plugin = wants_nagios(argc, argv), verdict = false;
	int rc = check_main(argc, argv, &verdict);

	/* A monitoring plugin says UNKNOWN for anything that is not a verdict. */
	if (plugin && !verdict && rc != PS_EXIT_OK)
		return ps_nagios_unknown(stdout, ps_cli_last_message());
	return rc;
}
