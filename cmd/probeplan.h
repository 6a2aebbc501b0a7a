/* Running the reachability commands: targets resolved into endpoints, every protocol's
 * engine run over them, results into a sink (streamed NDJSON or kept for the table and
 * document, counted, and a progress line for long runs on a terminal). */
#ifndef PS_PROBEPLAN_H
#define PS_PROBEPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/probeopts.h"
#include "probe/jobs.h"
#include "probe/targets.h"
#include "report/results.h"

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
	struct ps_view view;
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

#endif
