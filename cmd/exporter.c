/* portscope exporter: a Prometheus exporter on libmicrohttpd. /metrics is this host's
 * inventory at scrape time (and audit findings with --policy) plus the exporter's own
 * figures; /probe?target=&module= runs one probe, blackbox_exporter style. The server
 * lives in probe/exporter_*.c and renders nothing: the hooks here write its pages with
 * report/prom.c and its log with report/exporter_log.c. The main thread only waits for
 * signals: SIGTERM/SIGINT stop, SIGHUP reloads --config and --policy (a bad file keeps
 * the old one, and says why in the log). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeopts.h"
#include "probe/exporter_http.h"
#include "probe/inventory.h"
#include "probe/payloads.h"
#include "probe/proto.h"
#include "report/exporter_log.h"
#include "report/json.h"
#include "report/prom.h"

struct exporter_opts {
	struct ps_output out;
	const char *listen, *config, *policy;
	int max_probes, max_connections, idle_timeout, request_timeout;
	bool log_requests, numeric, processes;
};

static const struct ps_option exporter_options[] = {
	PS_OPT_STRING(0, "listen", struct exporter_opts, listen, "ADDR:PORT",
		      "address to serve on (default 127.0.0.1:9799; [::]:9799 for\nevery address)",
		      NULL),
	PS_OPT_STRING(0, "config", struct exporter_opts, config, "FILE",
		      "modules and allow_targets (JSON); reread on SIGHUP", "@file"),
	PS_OPT_STRING(0, "policy", struct exporter_opts, policy, "FILE",
		      "add audit findings against this policy to /metrics", "@file"),
	PS_OPT_INT(0, "max-probes", struct exporter_opts, max_probes, "N",
		   "probes in flight at most; more get 503 (default 128)", 1, 100000),
	PS_OPT_INT(0, "max-connections", struct exporter_opts, max_connections, "N",
		   "open HTTP connections at most (default 512)", 1, 100000),
	PS_OPT_INT(0, "idle-timeout", struct exporter_opts, idle_timeout, "S",
		   "close a connection silent this long (default 10)", 1, 3600),
	PS_OPT_INT(0, "request-timeout", struct exporter_opts, request_timeout, "S",
		   "cut a request not answered this long (default 30, or the\nlongest module timeout + 5)",
		   1, 86400),
	PS_OPT_BOOL(0, "log-requests", struct exporter_opts, log_requests,
		    "log every request (default: refusals and failures only)"),
	PS_OPT_BOOL('n', "numeric", struct exporter_opts, numeric, "no service names"),
	PS_OPT_BOOL_OFF('P', "no-processes", struct exporter_opts, processes,
			"skip the /proc scan for owners"),
	PS_OUTPUT_OPTIONS(struct exporter_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_exporter_help = {
	.synopsis = "exporter [OPTIONS]",
	.description =
		"A Prometheus exporter. GET /metrics: this host's listening sockets at scrape time\n"
		"(the families of list -o prom), audit findings with --policy, and the exporter's\n"
		"own figures. GET /probe?target=HOST:PORT&module=NAME: one probe, answered with\n"
		"blackbox_exporter's names (probe_success, ...); modules tcp, udp and tls are\n"
		"built in. Only targets the config's allow_targets admit are probed (without it,\n"
		"loopback only). SIGHUP rereads --config and --policy; SIGTERM stops.\n",
	.options = exporter_options,
	.output_note = "(the log on stderr: text, or ndjson)",
	.exit_status =
		"Exit status: 0 stopped by a signal, 2 bad usage or a bad --config or --policy,\n"
		"3 the address cannot be served (in use, not ours) or another system failure.\n",
};

struct exporter {
	const struct exporter_opts *o;
	struct ps_xsrv *srv;
	pthread_mutex_t policy_lock;
	struct ps_policy policy;
	bool have_policy;
};

static void log_event(const struct ps_xevent *ev, void *ctx)
{
	const struct exporter *x = ctx;
	char now[32];

	ps_json_now(now, sizeof(now));
	ps_report_exporter_event(stderr, x->o->out.fmt, ev, now);
}

/* /metrics' scrape-time part: the inventory, and the audit against --policy. */
static int write_metrics(FILE *f, void *ctx)
{
	struct exporter *x = ctx;
	struct ps_inv_query q = { .processes = x->o->processes };
	struct ps_inventory inv = { 0 };
	struct ps_findings fnd = { 0 };
	struct ps_view view = { .numeric = x->o->numeric };
	ps_err err;
	int rc = -1;

	ps_inventory_listening(&q.diag, PS_Q_TCP | PS_Q_UDP, PS_Q_V4 | PS_Q_V6);
	if (ps_inventory_load(&q, &inv, &err) < 0) {
		struct ps_xevent ev = { .event = "error", .detail = err.msg };

		ps_xsrv_log(x->srv, &ev);
		goto out;
	}
	if (ps_prom_listening(f, inv.sorted, inv.sv.len, &view) < 0)
		goto out;
	rc = 0;
	pthread_mutex_lock(&x->policy_lock);
	if (x->have_policy) {
		struct ps_prom_audit_counts counts = { inv.sv.len, x->policy.nallow,
						       x->policy.nrequire };

		rc = ps_policy_audit(&x->policy, inv.sorted, inv.sv.len, &fnd, &err);
		if (rc == 0)
			rc = ps_prom_audit(f, fnd.v, fnd.len, &counts, &view);
	}
	pthread_mutex_unlock(&x->policy_lock);
out:
	ps_findings_free(&fnd);
	ps_inventory_free(&inv);
	return rc;
}

static void write_stats(FILE *f, const struct ps_xstats *s, void *ctx)
{
	(void)ctx;
	ps_prom_exporter(f, s, PS_VERSION);
}

static void write_probe(FILE *f, const struct ps_xprobe *p, void *ctx)
{
	(void)ctx;
	ps_prom_probe(f, p);
}

/* --listen: a numeric address and a port. */
static int parse_listen(const char *text, union ps_sockaddr *sa)
{
	struct ps_target t;
	ps_err err;

	memset(sa, 0, sizeof(*sa));
	if (ps_targets_parse(text, true, IPPROTO_TCP, &t, &err) < 0 || t.proto_given)
		return ps_usage("invalid address '%s' for --listen (ADDR:PORT, [V6]:PORT)", text);
	if (inet_pton(AF_INET, t.host, &sa->v4.sin_addr) == 1)
		sa->sa.sa_family = AF_INET;
	else if (inet_pton(AF_INET6, t.host, &sa->v6.sin6_addr) == 1)
		sa->sa.sa_family = AF_INET6;
	else
		return ps_usage("invalid address '%s' for --listen (a numeric address)", text);
	ps_sockaddr_set_port(sa, t.port);
	return 0;
}

/* Read --config (or the built-in one) and --policy. Returns 0, or -1 with err. */
static int load_files(const struct exporter_opts *o, struct ps_xconfig *c, struct ps_policy *p,
		      ps_err *err)
{
	if ((o->config ? ps_xconfig_load(o->config, c, err) : ps_xconfig_default(c, err)) < 0)
		return -1;
	memset(p, 0, sizeof(*p));
	if (o->policy && ps_policy_load(o->policy, p, err) < 0) {
		ps_xconfig_free(c);
		return -1;
	}
	return 0;
}

static void reload(struct exporter *x)
{
	struct ps_xconfig c;
	struct ps_policy p;
	ps_err err;
	struct ps_xevent ev = { .event = "reload" };

	if (load_files(x->o, &c, &p, &err) < 0) {
		ev.event = "reload-failed";
		ev.detail = err.msg;
		ps_xsrv_count_reload(x->srv, true);
		ps_xsrv_log(x->srv, &ev);
		return;
	}
	ps_xsrv_set_config(x->srv, &c);
	pthread_mutex_lock(&x->policy_lock);
	ps_policy_free(&x->policy);
	x->policy = p;
	pthread_mutex_unlock(&x->policy_lock);
	ev.detail = x->o->config ? x->o->config : "built-in configuration";
	ps_xsrv_log(x->srv, &ev);
}

/* Wait for signals until SIGTERM or SIGINT. */
static void wait_signals(struct exporter *x, const sigset_t *mask)
{
	for (;;) {
		int sig = sigwaitinfo(mask, NULL);

		if (sig == SIGHUP)
			reload(x);
		else if (sig == SIGTERM || sig == SIGINT)
			return;
	}
}

static int serve(struct exporter *x, const struct ps_xsrv_opts *so, struct ps_xconfig *c)
{
	struct ps_xsrv_hooks h = { ps_probe_engine, write_metrics, write_stats, write_probe,
				   log_event, x };
	struct ps_xevent ev = { .event = "listening", .detail = x->o->listen };
	sigset_t mask;
	ps_err err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	/* Blocked before the server's threads start, so they inherit the mask. */
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0)
		return ps_fail("cannot block signals");
	/* Lazy tables, loaded once here rather than raced for by the first requests. */
	(void)ps_ports_service(22, IPPROTO_TCP);
	(void)ps_payload_for_port(53);
	if (!(x->srv = ps_xsrv_start(so, &h, c, &err)))
		return ps_cli_err(&err);
	ps_xsrv_log(x->srv, &ev);
	wait_signals(x, &mask);
	ev.event = "stopping";
	ev.detail = NULL;
	ps_xsrv_log(x->srv, &ev);
	ps_xsrv_stop(x->srv);
	return PS_EXIT_OK;
}

int cmd_exporter(const struct ps_command *cmd, int argc, char **argv)
{
	struct exporter_opts o = { .listen = "127.0.0.1:9799", .max_probes = 128,
				   .max_connections = 512, .idle_timeout = 10, .processes = true };
	struct exporter x = { .o = &o };
	struct ps_xsrv_opts so = { 0 };
	struct ps_xconfig c;
	ps_err err;
	int rc;

	if ((rc = ps_parse_options(cmd, argc, argv, &o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (o.out.fmt != PS_FMT_TABLE && o.out.fmt != PS_FMT_NDJSON)
		return ps_usage("the exporter's log is text or ndjson");
	if (parse_listen(o.listen, &so.listen) != 0)
		return PS_EXIT_USAGE;
	if (load_files(&o, &c, &x.policy, &err) < 0)
		return ps_cli_err(&err);
	x.have_policy = o.policy != NULL;
	so.max_probes = (unsigned)o.max_probes;
	so.max_connections = (unsigned)o.max_connections;
	so.idle_timeout_s = (unsigned)o.idle_timeout;
	so.request_timeout_s = o.request_timeout ? (unsigned)o.request_timeout : 30;
	for (size_t i = 0; !o.request_timeout && i < c.nmods; i++)
		if ((unsigned)c.mods[i].o.timeout_ms / 1000 + 5 > so.request_timeout_s)
			so.request_timeout_s = (unsigned)c.mods[i].o.timeout_ms / 1000 + 5;
	so.log_requests = o.log_requests;
	/* A descriptor per connection and per probe: raise the soft limit to the hard one. */
	(void)ps_probe_fd_budget();
	pthread_mutex_init(&x.policy_lock, NULL);
	rc = serve(&x, &so, &c);
	ps_policy_free(&x.policy);
	pthread_mutex_destroy(&x.policy_lock);
	return rc;
}
