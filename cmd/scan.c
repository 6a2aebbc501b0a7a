/* portscope scan: every port of a spec on every host, open ports listed by default
 * (--all-states for every verdict), with counts per state and the time taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "probe/ports.h"
#include "probe/targets.h"

static const char scan_usage_head[] =
	"usage: portscope scan [OPTIONS] HOST... -p SPEC\n"
	"\n"
	"Probe every port of SPEC on every HOST (a name, an IPv4 or IPv6 address, [v6addr],\n"
	"tcp://host or udp://host); a name is scanned on each of its addresses.\n"
	"\n"
	"  -p, --ports SPEC       22,80,8000-8100,ssh,well-known,registered,dynamic,- (all)\n"
	"  -t, --tcp              TCP connect scan (the default)\n"
	"  -u, --udp              UDP scan\n"
	"      --all-states       list every result, not only open ports (and errors)\n";
static const char scan_usage_tail[] =
	"  -o, --output FORMAT    table (default), json, ndjson, prom\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson (one line per result as it is decided)\n"
	"  -h, --help             this help\n"
	"\n"
	"A scan over two seconds shows its progress on stderr when stderr is a terminal.\n"
	"Exit status: 0 done, 1 a host could not be resolved (or a probe could not run),\n"
	"2 bad usage, 3 system failure.\n";

enum { OPT_ALL_STATES = 1000 };

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "tcp", no_argument, NULL, 't' },
		{ "udp", no_argument, NULL, 'u' },
		{ "all-states", no_argument, NULL, OPT_ALL_STATES },
		PS_PROBE_LONGOPTS,
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ps_common co = { 0 };
	struct ps_probe_cli pc;
	struct ps_plan plan = { 0 };
	struct ps_probe_sink sink;
	struct ps_portset *ports = NULL;
	struct ps_target *targets = NULL;
	const char *spec = NULL;
	bool tcp = false, udp = false, all_states = false;
	size_t nhosts, ntargets = 0;
	double elapsed;
	int c, rc;

	ps_probe_cli_init(&pc);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:tu" PS_PROBE_SHORTOPTS PS_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		if ((rc = ps_cli_common(c, &co, false)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		if ((rc = ps_probe_cli_option(c, &pc)) < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case 'p': spec = optarg; break;
		case 't': tcp = true; break;
		case 'u': udp = true; break;
		case OPT_ALL_STATES: all_states = true; break;
		default: return ps_cli_bad_option(c, argv);
		}
	}
	if (co.help) {
		fputs(scan_usage_head, stdout);
		fputs(ps_probe_opts_help, stdout);
		fputs(scan_usage_tail, stdout);
		return PS_EXIT_OK;
	}
	if ((rc = ps_probe_cli_finish(&pc)) != 0)
		return rc;
	if (optind >= argc)
		return ps_usage("missing HOST to scan");
	if (!spec)
		return ps_usage("missing -p SPEC (ports to scan, e.g. -p 1-1024 or -p -)");
	if (!tcp && !udp)
		tcp = true;
	ports = malloc(sizeof(*ports));
	nhosts = (size_t)(argc - optind);
	targets = calloc(nhosts * 2, sizeof(*targets));
	if (!ports || !targets) {
		rc = ps_fail("out of memory");
		goto end;
	}
	{
		ps_err err;

		if (ps_ports_parse_spec(spec, tcp && !udp ? "tcp" : udp && !tcp ? "udp" : NULL, false,
					ports, &err) < 0) {
			rc = ps_usage("%s in -p", err.msg);
			goto end;
		}
	}
	/* Each host once per protocol asked for, unless its scheme names one. */
	for (size_t i = 0; i < nhosts; i++) {
		const char *arg = argv[optind + (int)i];
		struct ps_target t;
		ps_err err;

		if (ps_targets_parse(arg, false, tcp ? IPPROTO_TCP : IPPROTO_UDP, &t, &err) < 0) {
			rc = ps_usage("%s", err.msg);
			goto end;
		}
		for (int p = 0; p < 2; p++) {
			uint8_t proto = p == 0 ? IPPROTO_TCP : IPPROTO_UDP;

			if (t.proto_given ? t.proto != proto : (p == 0 ? !tcp : !udp))
				continue;
			if (!ps_probe_engine(proto)) {
				rc = ps_usage("%s scans are not available in this build",
					      ps_probe_proto_name(proto));
				goto end;
			}
			targets[ntargets] = t;
			targets[ntargets++].proto = proto;
		}
	}
	ps_probe_sink_init(&sink, co.fmt, "scan", all_states, 0);
	ps_cli_stdout_buffer();
	rc = ps_probe_plan_build(&plan, targets, ntargets, pc.family);
	if (rc == PS_EXIT_OK) {
		sink.line.total = ps_plan_count(&plan, ports);
		rc = ps_probe_plan_run(&plan, ports, &pc.o, ps_probe_sink_result, &sink);
	}
	elapsed = ps_probe_sink_done(&sink);
	if (rc == PS_EXIT_OK && sink.oom)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK &&
	    ps_report_results(stdout, co.fmt, "scan", &sink.set, elapsed,
			      all_states ? "all states shown" : "open shown", &sink.view) < 0)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK && sink.set.counts[PS_PROBE_ERROR])
		rc = PS_EXIT_NEGATIVE;
	ps_resultset_free(&sink.set);
	ps_plan_free(&plan);
end:
	free(targets);
	free(ports);
	return rc;
}
