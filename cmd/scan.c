/* portscope scan: every port of a spec on every host, open ports listed by default
 * (--all-states for every verdict), with counts per state and the time taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/interrupt.h"
#include "cmd/probeplan.h"
#include "cmd/scandiscover.h"
#include "cmd/scantargets.h"
#include "cmd/tlsopts.h"
#include "probe/clock.h"
#include "probe/ports.h"
#include "probe/syn.h"
#include "probe/proto.h"
#include "probe/targets.h"
#include "probe/walksrc.h"
#include "report/table.h"

#define MAX_SPECS 64

/* -p, repeatable: the specs are parsed once -t/-u are known. */
struct spec_list {
	const char *v[MAX_SPECS];
	size_t n;
};

struct scan_opts {
	struct ps_output out;
	struct ps_probe_cli pc;
	struct ps_tls_cli tls;
	struct spec_list specs;
	struct ps_target_cli tc;
	struct ps_discover_cli disc;
	bool tcp, udp, syn, all_states, any_tls;
	enum ps_progress_mode progress;
};

/* --progress (log lines) or --progress=ndjson. */
static int set_progress(const struct ps_option *opt, const char *name, const char *arg,
			void *field)
{
	enum ps_progress_mode *m = field;

	(void)opt;
	if (!arg || strcmp(arg, "line") == 0)
		*m = PS_PROGRESS_LOG;
	else if (strcmp(arg, "ndjson") == 0)
		*m = PS_PROGRESS_NDJSON;
	else
		return ps_usage("invalid value '%s' for %s (line or ndjson)", arg, name);
	return 0;
}

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
	PS_OPT_BOOL(0, "syn", struct scan_opts, syn,
		    "TCP SYN scan (also -sS): half-open probes over raw IPv4\n"
		    "sockets, no connection made; root or CAP_NET_RAW; not with\n"
		    "--tls, --send, --expect or --banner"),
	PS_OPT_BOOL(0, "all-states", struct scan_opts, all_states,
		    "list every result, not only open ports (and errors)"),
	PS_TARGET_OPTIONS(struct scan_opts, tc),
	PS_DISCOVER_OPTIONS(struct scan_opts, disc),
	PS_PROBE_OPTIONS(struct scan_opts, pc),
	PS_TLS_OPTIONS(struct scan_opts, tls),
	PS_OPT_CALLBACK(0, "progress", struct scan_opts, progress, "[=MODE]",
			"progress on stderr even when it is not a terminal: a line every 5 s;\n"
			"=ndjson: a JSON status line every second (done, total, percent, open,\n"
			"rate, eta_s); both end with a final line",
			set_progress, "line ndjson"),
	PS_OUTPUT_OPTIONS(struct scan_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_scan_help = {
	.synopsis = "scan [OPTIONS] TARGET... [-p SPEC]\nscan [OPTIONS] --targets-file FILE [-p SPEC]",
	.description =
		"Probe every port of SPEC on every address of the TARGETs: an IPv4 or IPv6 address\n"
		"(fe80::1%eth0 with its interface), a CIDR (198.18.0.0/16, 2001:db8::/112), an IPv4\n"
		"octet range (198.18.0-3.1-254), a name (scanned on each of its addresses), each\n"
		"optionally as tcp://T or udp://T. A set over 2^24 addresses needs --force.\n"
		"Hosts x ports are walked in a seeded pseudo-random order, so no host sees a burst.\n"
		"A target set of more than one address is first discovered (ICMP echo, TCP\n"
		"connects to 80 and 443: an echo reply, accept or reset proves a host up) and\n"
		"only the hosts up are scanned; -Pn skips that, -sn lists the hosts only.\n"
		"Without -p: 1-1024 and every port the services database (/etc/services) names\n"
		"for the protocol scanned.\n"
		"With --expect, a reply that does not match is open with reason expect-mismatch;\n"
		"it does not change scan's exit status.\n"
		"With --tls (or a tls:// target) every open TCP port gets a TLS handshake in the same\n"
		"event loop, and its result a tls object (verification, certificate, expiry).\n",
	.options = scan_options,
	.args = "TARGET...",
	.missing = NULL,	/* --targets-file may give them all */
	.output_note = "(ndjson: one line per result as it is decided)",
	.exit_status =
		"A scan over two seconds shows its progress on stderr when stderr is a terminal\n"
		"(--progress: also when it is not).\n"
		"SIGINT or SIGTERM stops launching probes and writes what was decided (JSON:\n"
		"\"interrupted\": true in the summary), exit 130 or 143; a reader of stdout that\n"
		"goes away stops the scan, exit 141.\n"
		"Exit status: 0 done, 1 a host could not be resolved (or a probe could not run),\n"
		"2 bad usage or bad input, 3 system failure.\n",
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
	if (!o->specs.n) {
		/* The default set: 1-1024 and every port the services database names. */
		ps_portset_add_range(ports, 1, 1024);
		if (o->tcp)
			ps_ports_add_services(ports, IPPROTO_TCP);
		if (o->udp)
			ps_ports_add_services(ports, IPPROTO_UDP);
	}
	return 0;
}

/* The ports of the set as an array for the walk (port 0 cannot be probed). */
static size_t port_array(const struct ps_portset *ports, uint16_t *out)
{
	size_t n = 0;

	for (int p = ps_portset_next(ports, 1); p > 0 && p <= 65535;
	     p = ps_portset_next(ports, (unsigned)p + 1))
		out[n++] = (uint16_t)p;
	return n;
}

/* A name that did not resolve: one error result for all its ports. */
static void report_unresolved(const struct ps_unresolved *u, uint32_t tag,
			      struct ps_probe_sink *sink)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.target, sizeof(r.target), "%s", u->name);
	r.proto = u->proto;
	r.state = PS_PROBE_ERROR;
	r.rtt_ms = -1;
	r.reason = "resolve";
	r.expect_ok = -1;
	r.tag = tag;
	snprintf(r.error, sizeof(r.error), "%s", u->why);
	ps_probe_sink_result(&r, sink);
}

/* The seed of the walk: --seed, else random, else (with --shard, where every shard must
 * walk the same permutation) 0. */
static uint64_t walk_seed(const struct ps_target_cli *c)
{
	uint64_t seed = 0;

	if (c->seed_given || c->nshards)
		return c->seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = ps_clock_ns() ^ ((uint64_t)getpid() << 32);
	return seed;
}

struct scan_run {
	struct scan_opts *o;
	struct ps_scan_targets t;
	struct ps_walksrc src[2];
	bool used[2];
	struct ps_probe_sink sink;
	struct ps_hoststate hosts;
	struct ps_hostsum_src hsrc;
};

/* Walks over each protocol's set; the total of results to come into the sink. Returns
 * 0, or an exit code. */
static int start_walks(struct scan_run *s, const uint16_t *ports, size_t nports)
{
	const struct ps_target_cli *c = &s->o->tc;
	uint64_t seed = walk_seed(c);
	ps_u128 total = s->t.nbad, base = 0;
	ps_err err;

	for (int p = 0; p < 2; p++) {
		struct ps_addrspace *set = &s->t.set[p];

		s->src[p].tag_base = (uint32_t)base;
		s->src[p].stop = &ps_interrupt_flag;
		s->src[p].hosts = &s->hosts;
		s->src[p].skipped = ps_probe_sink_skipped;
		s->src[p].skip_ctx = &s->sink;
		s->src[p].tls = p == 0 && s->o->any_tls;
		base += ps_addrspace_count(set);
		if (!ps_addrspace_count(set) || !nports)
			continue;
		if (!ps_probe_engine(p ? IPPROTO_UDP : IPPROTO_TCP))
			return ps_usage("%s scans are not available in this build",
					ps_proto_name(p ? IPPROTO_UDP : IPPROTO_TCP));
		if (ps_addrwalk_init(&s->src[p].w, set, ports, nports, seed,
				     c->nshards ? c->shard : 0, c->nshards ? c->nshards : 1,
				     &err) < 0)
			return ps_cli_err(&err);
		s->used[p] = true;
		total += ps_addrwalk_total(&s->src[p].w);
	}
	s->sink.line.total = total > SIZE_MAX ? SIZE_MAX : (size_t)total;
	if (ps_hoststate_init(&s->hosts, (uint64_t)base, &err) < 0)
		return ps_cli_err(&err);
	s->sink.hosts = &s->hosts;
	return PS_EXIT_OK;
}

/* Host discovery before the walks: only the hosts found up are probed, and the progress
 * line counts their jobs. Returns 0, or an exit code. */
static int discover(struct scan_run *s, size_t nports)
{
	ps_u128 total = s->t.nbad;
	bool ran;
	int rc = ps_scan_discover(&s->o->disc, &s->o->pc.o, &s->t, &s->hosts, &ran);

	if (rc != PS_EXIT_OK || !ran)
		return rc;
	for (int p = 0; p < 2; p++)
		s->src[p].only_up = true;
	total += (ps_u128)ps_hoststate_count(&s->hosts, PS_HOST_UP) * nports /
		 (s->o->tc.nshards ? s->o->tc.nshards : 1);
	s->sink.line.total = total > SIZE_MAX ? SIZE_MAX : (size_t)total;
	return PS_EXIT_OK;
}

/* Probe every walk, then report. Returns the exit code. */
static int run(struct scan_run *s, const uint16_t *ports, size_t nports)
{
	struct scan_opts *o = s->o;
	ps_u128 base = ps_addrspace_count(&s->t.set[0]) + ps_addrspace_count(&s->t.set[1]);
	double elapsed;
	ps_err err;
	int rc;

	ps_probe_sink_init(&s->sink, o->out.fmt, "scan", o->all_states, 0);
	ps_probe_sink_progress(&s->sink, o->progress);
	ps_cli_stdout_buffer();
	o->pc.o.stop = &ps_interrupt_flag;
	o->pc.o.on_wait = ps_probe_sink_wait;
	o->pc.o.wait_ctx = &s->sink;
	o->pc.o.bound = &s->sink.bound;
	rc = ps_tls_cli_begin(&o->tls, &o->pc.o, o->any_tls);
	if (rc == PS_EXIT_OK)
		rc = start_walks(s, ports, nports);
	if (rc == PS_EXIT_OK)
		rc = discover(s, nports);
	s->hsrc.t = &s->t;
	s->hsrc.hosts = &s->hosts;
	if (rc == PS_EXIT_OK && o->out.fmt == PS_FMT_JSON)
		rc = ps_scan_hostsum_init(&s->sink.set.hostsum, &s->hsrc, o->all_states);
	for (size_t i = 0; rc == PS_EXIT_OK && i < s->t.nbad && !ps_interrupt_flag; i++)
		report_unresolved(&s->t.bad[i], (uint32_t)(base + i), &s->sink);
	for (int p = 0; p < 2 && rc == PS_EXIT_OK && !ps_interrupt_flag; p++) {
		s->sink.skip_proto = p ? IPPROTO_UDP : IPPROTO_TCP;
		if (s->used[p] && (p == 0 && o->syn ? ps_syn_probe_many
						     : ps_probe_engine(p ? IPPROTO_UDP : IPPROTO_TCP))(
					  ps_walksrc_next, &s->src[p], &o->pc.o,
					  ps_probe_sink_result, &s->sink, &err) < 0)
			rc = ps_cli_err(&err);
	}
	elapsed = ps_probe_sink_done(&s->sink);
	s->sink.set.interrupted = ps_interrupt_flag != 0;
	s->sink.set.has_hosts = true;
	s->sink.set.addresses = (unsigned long long)base;
	s->sink.set.hosts_up = ps_hoststate_count(&s->hosts, PS_HOST_UP);
	if (rc == PS_EXIT_OK && s->sink.oom)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK &&
	    ps_report_results(stdout, o->out.fmt, "scan", &s->sink.set, elapsed,
			      o->all_states ? "all states shown" : "open shown", &s->sink.view) < 0)
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK && s->sink.set.counts[PS_PROBE_ERROR])
		rc = PS_EXIT_NEGATIVE;
	ps_scan_hostsum_free(&s->sink.set.hostsum);
	ps_resultset_free(&s->sink.set);
	ps_hoststate_free(&s->hosts);
	ps_tls_cli_end(&o->tls, &o->pc.o);
	return ps_interrupt_exit(rc);
}

/* --discover-only: the host records, no ports. */
static int discover_only(struct scan_run *s)
{
	struct ps_view v = { 0 };

	s->o->pc.o.stop = &ps_interrupt_flag;
	ps_cli_stdout_buffer();
	v.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	return ps_scan_discover_only(&s->o->disc, &s->o->pc.o, &s->t, s->o->out.fmt,
				     s->o->all_states, &v);
}

int cmd_scan(const struct ps_command *cmd, int argc, char **argv)
{
	static struct scan_run s;
	struct scan_opts o = { 0 };
	struct ps_portset *ports = NULL;
	uint16_t *parr = NULL;
	char **hosts;
	int nhosts, rc;

	ps_scan_targets_argv(argc, argv);
	ps_scan_discover_argv(argc, argv);
	ps_discover_cli_init(&o.disc);
	if ((rc = ps_probe_parse(cmd, argc, argv, &o, &o.pc, &hosts, &nhosts)) != PS_PARSE_RUN)
		return rc;
	if (o.tls.on && o.udp && !o.tcp)
		return ps_usage("TLS is for TCP scans (--tls with -u)");
	if (o.syn && (o.tls.on || o.pc.o.send || o.pc.o.expect || o.pc.o.banner))
		return ps_usage("--syn makes no connection (%s)",
				o.tls.on ? "--tls" : o.pc.o.send ? "--send"
				: o.pc.o.expect ? "--expect" : "--banner");
	if (o.syn)
		o.tcp = true;
	if (o.disc.only && o.disc.off)
		return ps_usage("--discover-only and --no-discover exclude each other");
	if (o.disc.only && o.out.fmt == PS_FMT_PROM)
		return ps_usage("--discover-only writes table, json or ndjson (-o prom)");
	if (o.disc.only && (o.specs.n || o.tls.on))
		return ps_usage("--discover-only scans no ports (%s)", o.specs.n ? "-p" : "--tls");
	if (!o.tcp && !o.udp)
		o.tcp = true;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	ports = malloc(sizeof(*ports));
	parr = malloc(65536 * sizeof(*parr));
	if (!ports || !parr)
		rc = ps_fail("out of memory");
	else if ((rc = parse_ports(&o, ports)) == 0 &&
		 (rc = ps_scan_targets_build(&s.t, &o.tc, hosts, nhosts, o.tcp, o.udp,
					     o.pc.family)) == 0 &&
		 (rc = ps_tls_cli_check(&o.tls, o.any_tls = o.tls.on || s.t.tls)) == 0 &&
		 (rc = ps_interrupt_setup()) == 0)
		rc = o.disc.only ? discover_only(&s) : run(&s, parr, port_array(ports, parr));
	ps_scan_targets_free(&s.t);
	free(parr);
	free(ports);
	return rc;
}
