/* portscope check: one verdict per target (host:port, [v6]:port, tcp://, udp://), every
 * address of a name probed, exit 0 only when every target is reachable. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "cmd/scantargets.h"
#include "probe/grow.h"
#include "cmd/tlsopts.h"
#include "probe/targets.h"
#include "probe/proto.h"
#include "report/nagios.h"

struct check_opts {
	const char *targets_file;
	struct ps_output out;
	struct ps_probe_cli pc;
	struct ps_tls_cli tls;
	struct ps_nagios_limits lim;
};

static ps_opt_cb parse_ms, parse_cert_days;

static const struct ps_option check_options[] = {
	PS_OPT_STRING(0, "targets-file", struct check_opts, targets_file, "FILE",
		      "read more targets from FILE, one host:port a line, # comments;\n"
		      "- for stdin (also -iL FILE)", "@file"),
	PS_PROBE_OPTIONS(struct check_opts, pc),
	PS_TLS_OPTIONS(struct check_opts, tls),
	PS_OUTPUT_OPTIONS(struct check_opts, out),
	PS_OPT_CALLBACK('w', "warning", struct check_opts, lim.warn_ms, "MS",
			"with -o nagios: WARNING when a response takes longer", parse_ms, NULL),
	PS_OPT_CALLBACK('c', "critical", struct check_opts, lim.crit_ms, "MS",
			"with -o nagios: CRITICAL when a response takes longer", parse_ms, NULL),
	PS_OPT_CALLBACK(0, "cert-days", struct check_opts, lim, "WARN[,CRIT]",
			"with -o nagios and TLS: WARNING when the certificate has WARN or\n"
			"fewer days left, CRITICAL at CRIT (default 0) or fewer, or expired",
			parse_cert_days, NULL),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_check_help = {
	.synopsis = "check [OPTIONS] TARGET...\ncheck [OPTIONS] --targets-file FILE",
	.description =
		"Is each TARGET reachable? TARGET is host:port, [v6addr]:port, tcp://host:port,\n"
		"udp://host:port or tls://host:port (port: a number or a service name). A name is\n"
		"probed on each of its addresses; a target is reachable when one of them is open (and\n"
		"matches --expect; with TLS, completes the handshake with a certificate that\n"
		"verifies, or with --insecure only completes it).\n",
	.options = check_options,
	.args = "TARGET...",
	.missing = NULL,	/* --targets-file may give them all */
	.output_note = "(nagios: one monitoring-plugin line, as check_tcp)",
	.exit_status =
		"Exit status: 0 every target reachable, 1 some target not reachable or not matching\n"
		"--expect, or its TLS failed, 2 bad usage, 3 system failure. With -o nagios: 0 OK,\n"
		"1 WARNING (slower than -w, the reply did not match --expect, the certificate within\n"
		"--cert-days WARN), 2 CRITICAL (not reachable, slower than -c, TLS failed, the\n"
		"certificate expired or within CRIT days), 3 UNKNOWN (bad usage, system failure).\n",
};

struct check_state {
	struct ps_probe_sink sink;
	struct ps_plan plan;	/* owned here, freed by run() */
	unsigned char *reachable;	/* per target: 0 no, 1 open but --expect failed, 2 yes */
	struct ps_nagios_target *verdict;	/* per target, for the nagios line */
	bool any_tls;
};

static void tls_verdict(struct ps_nagios_target *v, const struct ps_tls_info *t)
{
	v->tls = true;
	v->tls_ok = t->ok;
	v->verify = ps_tls_verify_name(t->verify);
	v->has_cert = t->has_cert;
	v->days_left = t->days_left;
}

static void on_result(const struct probe_result *r, void *ctx)
{
	struct check_state *c = ctx;
	uint32_t t = c->plan.ep_target[r->tag];
	struct ps_nagios_target *v = &c->verdict[t];
	unsigned char level = 0;

	ps_probe_sink_result(r, &c->sink);
	if (r->state == PS_PROBE_OPEN)
		level = r->expect_ok == 0 || (r->tls && !r->tls->ok) ? 1 : 2;
	/* A target's verdict is its best address; among equals, the fastest. */
	if (level > c->reachable[t] ||
	    (level == c->reachable[t] && level > 0 && r->rtt_ms >= 0 &&
	     (v->rtt_ms < 0 || r->rtt_ms < v->rtt_ms))) {
		v->reachable = level > 0;
		v->mismatch = r->expect_ok == 0;
		v->rtt_ms = r->rtt_ms;
		if (r->tls)
			tls_verdict(v, r->tls);
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

/* --cert-days WARN[,CRIT]: whole days, CRIT (default 0) not above WARN. */
static int parse_cert_days(const struct ps_option *opt, const char *name, const char *arg,
			   void *field)
{
	struct ps_nagios_limits *lim = field;
	char *end;
	long w, c = 0;

	(void)opt;
	errno = 0;
	w = strtol(arg, &end, 10);
	if (!errno && *end == ',' && end[1] >= '0' && end[1] <= '9')
		c = strtol(end + 1, &end, 10);
	if (errno || end == arg || *end || arg[0] < '0' || arg[0] > '9' || w > 100000 ||
	    c > 100000)
		return ps_usage("invalid value '%s' for %s (WARN[,CRIT] in days)", arg, name);
	if (c > w)
		return ps_usage("invalid value '%s' for %s (CRIT above WARN)", arg, name);
	lim->cert_warn = w;
	lim->cert_crit = c;
	return 0;
}

/* Parse every target; each needs an engine. --tls asks for TLS on every TCP target.
 * Returns 0, or an exit code. */
static int parse_targets(const struct check_opts *o, char **args, size_t n,
			 struct ps_target *targets, bool *any_tls)
{
	for (size_t i = 0; i < n; i++) {
		ps_err err;

		if (ps_targets_parse(args[i], true, IPPROTO_TCP, &targets[i], &err) < 0)
			return ps_cli_err(&err);
		if (o->tls.on && targets[i].proto == IPPROTO_UDP)
			return ps_usage("TLS is for TCP targets ('%s')", args[i]);
		targets[i].tls |= o->tls.on;
		*any_tls |= targets[i].tls;
		if (!ps_probe_engine(targets[i].proto))
			return ps_usage("%s probes are not available in this build ('%s')",
					ps_proto_name(targets[i].proto), args[i]);
	}
	return 0;
}

/* Probe every target and report. *verdict is set once a -o nagios line is written. */
static int run(struct check_opts *o, char **args, struct ps_target *targets,
	       size_t ntargets, struct check_state *cs, bool *verdict)
{
	double elapsed;
	int rc;

	for (size_t i = 0; i < ntargets; i++) {
		cs->verdict[i].target = args[i];
		cs->verdict[i].rtt_ms = -1;
	}
	ps_probe_sink_init(&cs->sink, o->out.fmt == PS_FMT_NAGIOS ? PS_FMT_JSON : o->out.fmt,
			   "check", true, 0);
	cs->sink.progress = false;	/* check answers at once: no progress */
	ps_cli_stdout_buffer();
	rc = ps_tls_cli_begin(&o->tls, &o->pc.o, cs->any_tls);
	if (rc == PS_EXIT_OK)
		rc = ps_probe_plan_build(&cs->plan, targets, ntargets, o->pc.family);
	if (rc == PS_EXIT_OK)
		rc = ps_probe_plan_run(&cs->plan, NULL, &o->pc.o, on_result, cs);
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
	ps_plan_free(&cs->plan);
	ps_tls_cli_end(&o->tls, &o->pc.o);
	return rc;
}

static int check_args(struct check_opts *o, char **args, size_t nargs, struct check_state *cs,
		      bool *verdict)
{
	struct ps_target *targets = calloc(nargs ? nargs : 1, sizeof(*targets));
	int rc;

	cs->reachable = calloc(nargs ? nargs : 1, 1);
	cs->verdict = calloc(nargs ? nargs : 1, sizeof(*cs->verdict));
	if (!targets || !cs->reachable || !cs->verdict)
		rc = ps_fail("out of memory");
	else if (nargs == 0)
		rc = ps_usage("missing TARGET (host:port)");
	else if ((rc = parse_targets(o, args, nargs, targets, &cs->any_tls)) == 0 &&
		 (rc = ps_tls_cli_check(&o->tls, cs->any_tls)) == 0)
		rc = run(o, args, targets, nargs, cs, verdict);
	free(cs->reachable);
	free(cs->verdict);
	free(targets);
	return rc;
}

/* The command line's targets and those of --targets-file, checked together. */
static int check_file(struct check_opts *o, char **args, int nargs, struct check_state *cs,
		      bool *verdict)
{
	char **all = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (int i = 0; i < nargs && rc == 0; i++) {
		char **v = ps_grow(all, &cap, n, sizeof(*v), 16);

		if (!v || !(v[n] = strdup(args[i]))) {
			all = v ? v : all;
			rc = ps_fail("out of memory");
		} else {
			all = v;
			n++;
		}
	}
	if (rc == 0 && (rc = ps_target_file_lines(o->targets_file, &all, &n, &cap)) == 0)
		rc = check_args(o, all, n, cs, verdict);
	for (size_t i = 0; i < n; i++)
		free(all[i]);
	free(all);
	return rc;
}

/* check itself; *verdict is set once a -o nagios line has been written. */
static int check_main(const struct ps_command *cmd, int argc, char **argv, bool *verdict)
{
	struct check_opts o = { .lim = { -1, -1, -1, 0 } };
	struct check_state cs = { 0 };
	char **args;
	int nargs, rc;

	ps_scan_targets_argv(argc, argv);
	if ((rc = ps_probe_parse(cmd, argc, argv, &o, &o.pc, &args, &nargs)) != PS_PARSE_RUN)
		return rc;
	if ((o.lim.warn_ms >= 0 || o.lim.crit_ms >= 0) && o.out.fmt != PS_FMT_NAGIOS)
		return ps_usage("-w and -c are response-time thresholds for -o nagios");
	if (o.lim.cert_warn >= 0 && o.out.fmt != PS_FMT_NAGIOS)
		return ps_usage("--cert-days is a threshold for -o nagios");
	if (o.targets_file)
		return check_file(&o, args, nargs, &cs, verdict);
	return check_args(&o, args, (size_t)nargs, &cs, verdict);
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
