/* portscope check: one verdict per target (host:port, [v6]:port, tcp://, udp://), every
 * address of a name probed, exit 0 only when every target is reachable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "probe/targets.h"
#include "report/escape.h"

static const char check_usage_head[] =
	"usage: portscope check [OPTIONS] TARGET...\n"
	"\n"
	"Is each TARGET reachable? TARGET is host:port, [v6addr]:port, tcp://host:port or\n"
	"udp://host:port (port: a number or a service name). A name is probed on each of\n"
	"its addresses; a target is reachable when one of them is open (and matches --expect).\n"
	"\n";
static const char check_usage_tail[] =
	"  -o, --output FORMAT    table (default), json, ndjson, prom, nagios\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 every target reachable, 1 some target not reachable or not matching\n"
	"--expect, 2 bad usage, 3 system failure. With -o nagios: 0 OK, 1 WARNING (reply did\n"
	"not match --expect), 2 CRITICAL (not reachable), 3 UNKNOWN.\n";

struct check_state {
	struct ps_probe_sink sink;
	struct ps_probe_plan *plan;
	unsigned char *reachable;	/* per target: 0 no, 1 open but --expect failed, 2 yes */
	struct probe_result first_bad;	/* for the nagios line */
	struct probe_result first_ok;
	bool have_bad, have_ok;
};

static void on_result(const struct probe_result *r, void *ctx)
{
	struct check_state *c = ctx;
	uint32_t t = c->plan->ep_target[r->tag];
	unsigned char v = 0;

	ps_probe_sink_result(r, &c->sink);
	if (r->state == PS_PROBE_OPEN)
		v = r->expect_ok == 0 ? 1 : 2;
	if (v > c->reachable[t])
		c->reachable[t] = v;
	if (v == 2 && !c->have_ok) {
		c->first_ok = *r;
		c->have_ok = true;
	}
	if (v < 2 && !c->have_bad) {
		c->first_bad = *r;
		c->have_bad = true;
	}
}

/* One monitoring-plugin line (check_tcp style) with perfdata; returns the plugin code. */
static int nagios(const struct check_state *c, size_t ntargets, double elapsed_ms)
{
	size_t ok = 0, warn = 0;
	const struct probe_result *r;
	const char *label;
	int code;

	for (size_t i = 0; i < ntargets; i++) {
		ok += c->reachable[i] == 2;
		warn += c->reachable[i] == 1;
	}
	if (ok == ntargets) {
		code = 0;
		label = "OK";
	} else if (ok + warn == ntargets) {
		code = 1;
		label = "WARNING";
	} else {
		code = 2;
		label = "CRITICAL";
	}
	printf("PORTSCOPE %s - %zu of %zu target%s reachable", label, ok, ntargets,
	       ntargets == 1 ? "" : "s");
	r = code == 0 ? (c->have_ok ? &c->first_ok : NULL) : (c->have_bad ? &c->first_bad : NULL);
	if (r) {
		char target[PS_TARGET_MAX * 4];

		ps_escape(r->target, strlen(r->target), target, sizeof(target));
		printf(": %s %s", target, r->state == PS_PROBE_OPEN && r->expect_ok == 0
						  ? "reply did not match --expect"
						  : ps_probe_state_name(r->state));
		if (r->reason)
			printf(" (%s)", r->reason);
		if (r->rtt_ms >= 0)
			printf(" in %.3f ms", r->rtt_ms);
	}
	printf("|time=%.6fs;;;0.000000 reachable=%zu;;;0;%zu\n", elapsed_ms / 1000.0, ok, ntargets);
	return code;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		PS_PROBE_LONGOPTS,
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ps_common co = { 0 };
	struct ps_probe_cli pc;
	struct ps_probe_plan plan = { 0 };
	struct check_state cs;
	struct ps_target *targets = NULL;
	size_t ntargets;
	double elapsed;
	int c, rc;

	ps_probe_cli_init(&pc);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":" PS_PROBE_SHORTOPTS PS_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if ((rc = ps_cli_common(c, &co, true)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		if ((rc = ps_probe_cli_option(c, &pc)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
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
	if (!cs.reachable) {
		free(targets);
		return ps_fail("out of memory");
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
			rc = nagios(&cs, ntargets, elapsed);
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
	ps_probe_plan_free(&plan);
	free(cs.reachable);
	free(targets);
	return rc;
}
