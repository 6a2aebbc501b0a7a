/* Options shared by the reachability commands (check, scan): timeouts, retries,
 * concurrency, rate, --send/--expect/--banner, -4/-6, and the choice of engine per
 * protocol. A UDP option joins here once, for both commands. */
#ifndef PS_PROBEOPTS_H
#define PS_PROBEOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "probe/jobs.h"
#include "report/results.h"

enum {
	PS_OPT_TIMEOUT = 1100, PS_OPT_RETRIES, PS_OPT_CONCURRENCY, PS_OPT_RATE, PS_OPT_SEND,
	PS_OPT_EXPECT, PS_OPT_BANNER,
};

#define PS_PROBE_LONGOPTS \
	{ "timeout", required_argument, NULL, PS_OPT_TIMEOUT }, \
	{ "retries", required_argument, NULL, PS_OPT_RETRIES }, \
	{ "concurrency", required_argument, NULL, PS_OPT_CONCURRENCY }, \
	{ "rate", required_argument, NULL, PS_OPT_RATE }, \
	{ "send", required_argument, NULL, PS_OPT_SEND }, \
	{ "expect", required_argument, NULL, PS_OPT_EXPECT }, \
	{ "banner", no_argument, NULL, PS_OPT_BANNER }, \
	{ "ipv4", no_argument, NULL, '4' }, \
	{ "ipv6", no_argument, NULL, '6' }
#define PS_PROBE_SHORTOPTS "46"

/* The help text for these options, for a command's usage. */
extern const char ps_probe_opts_help[];

struct ps_probe_cli {
	struct ps_probe_opts o;
	int family;			/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool v4, v6;
	char send[PS_PAYLOAD_MAX], expect[PS_PAYLOAD_MAX];
};

/* Defaults: --timeout 1000, retries -1 (the engine's default), concurrency 0 (auto). */
void ps_probe_cli_init(struct ps_probe_cli *p);

/* Handle option c (with optarg). Returns 1 when handled, 0 when c is not one of these,
 * -1 after printing a usage error. */
int ps_probe_cli_option(int c, struct ps_probe_cli *p);

/* Check the options together once parsing is done. Returns 0, or an exit code after
 * printing the reason. */
int ps_probe_cli_finish(struct ps_probe_cli *p);

/* The engine for proto (IPPROTO_TCP, IPPROTO_UDP), or NULL when none is built in. */
ps_probe_many_fn ps_probe_engine(uint8_t proto);

/* Targets resolved into endpoints (one per address; tag = index, in target order). A
 * target that did not resolve keeps one endpoint with family 0 and its reason. */
struct ps_probe_plan {
	struct ps_target *targets;
	size_t ntargets;
	struct ps_endpoint *eps;
	uint32_t *ep_target;		/* endpoint index -> target index */
	char (*ep_error)[256];		/* resolver message for unresolved endpoints */
	struct ps_addrlist *addrs;	/* per target */
	size_t neps;
};

/* Resolve targets[0..n) (taken over by the plan) for family. Returns 0, or an exit code
 * after printing the reason (out of memory). */
int ps_probe_plan_build(struct ps_probe_plan *plan, struct ps_target *targets, size_t n,
			int family);

/* Report every unresolved target through cb, then run each protocol's engine over the
 * endpoints of that protocol: with the target's port, or every port of ports when the
 * target has none. Returns 0, or an exit code after printing the reason. */
int ps_probe_plan_run(struct ps_probe_plan *plan, const struct ps_portset *ports,
		      const struct ps_probe_opts *o, ps_result_cb cb, void *ctx);

/* Number of results the plan will produce. */
size_t ps_probe_plan_count(const struct ps_probe_plan *plan, const struct ps_portset *ports);

void ps_probe_plan_free(struct ps_probe_plan *plan);

/* Where results go: streamed as NDJSON, or kept for the table and document; counted
 * for the summary; a progress line on stderr for long runs on a terminal. */
struct ps_probe_sink {
	enum ps_format fmt;
	struct ps_result_view view;
	struct ps_resultset set;
	bool all_states;		/* keep every result, not only open ones */
	bool oom;
	bool progress;			/* stderr is a terminal: may show progress */
	bool progress_shown;
	bool flush_each;		/* NDJSON to a pipe or terminal: a line at a time */
	const char *what;		/* "scan", "check" */
	size_t total, done, open;
	uint64_t start_ns, last_ns;
};

void ps_probe_sink_init(struct ps_probe_sink *s, enum ps_format fmt, const char *what,
			bool all_states, size_t total);
/* The ps_result_cb: ctx is the sink. */
void ps_probe_sink_result(const struct probe_result *r, void *ctx);
/* Clear the progress line. Returns the milliseconds since init. */
double ps_probe_sink_done(struct ps_probe_sink *s);

/* "tcp" or "udp". */
const char *ps_probe_proto_name(uint8_t proto);

#endif
