/* Running the reachability commands: the glue between the plan (probe/plan.h: targets
 * resolved into endpoints, each protocol's engine over them) and the sink the engines
 * report to (streamed NDJSON or kept for the table and document, counted, and a progress
 * line for long runs on a terminal, report/progress.h). */
#ifndef PS_PROBEPLAN_H
#define PS_PROBEPLAN_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/probeopts.h"
#include "probe/hoststate.h"
#include "probe/plan.h"
#include "report/progress.h"
#include "report/results.h"

/* ps_plan_build, with an exit code: 0, or the code after printing the reason. */
int ps_probe_plan_build(struct ps_plan *plan, struct ps_target *targets, size_t n, int family);

/* ps_plan_run with the engines built in, with an exit code: 0, or the code after
 * printing the reason. */
int ps_probe_plan_run(struct ps_plan *plan, const struct ps_portset *ports,
		      const struct ps_probe_opts *o, ps_result_cb cb, void *ctx);

/* Where results go: streamed as NDJSON, or kept for the table and document; counted
 * for the summary; a progress line on stderr for long runs on a terminal. */
struct ps_probe_sink {
	enum ps_format fmt;
	struct ps_view view;
	struct ps_resultset set;
	bool all_states;		/* keep every result, not only open ones */
	bool oom;
	bool progress;			/* progress is shown (ps_probe_sink_progress) */
	enum ps_progress_mode progress_mode;
	bool flush_each;		/* NDJSON to a pipe or terminal: a line at a time */
	struct ps_progress line;	/* line.total: results expected */
	uint64_t last_flush_ns;		/* NDJSON: flushed at least once a second */
	uint64_t last_check_ns;		/* when stdout's reader was last looked for */
	bool dirty;			/* NDJSON written since the last flush */
	uint8_t skip_proto;		/* protocol of the walk being run */
	struct ps_hoststate *hosts;	/* scan: what each host (tag) is known to be, or NULL */
	pthread_mutex_t mu;		/* results come from engine threads and the job source */
	struct ps_probe_bound bound;	/* what bounds the run (the engine's o->bound) */
};

void ps_probe_sink_init(struct ps_probe_sink *s, enum ps_format fmt, const char *what,
			bool all_states, size_t total);
/* How progress is shown: PS_PROGRESS_TERM (the default) only when stderr is a terminal;
 * PS_PROGRESS_LOG also when it is not, a line every five seconds; PS_PROGRESS_NDJSON a
 * JSON status line on stderr every second. LOG and NDJSON end with a final line. */
void ps_probe_sink_progress(struct ps_probe_sink *s, enum ps_progress_mode mode);
/* The ps_result_cb: ctx is the sink. With hosts, a no-route error is reported once per
 * host, with port null (it stands for all the host's ports). */
void ps_probe_sink_result(const struct probe_result *r, void *ctx);
/* The ps_probe_opts.on_wait hook: the engine is about to wait, so NDJSON written so far
 * goes out, and a reader of stdout that has gone stops the run (cmd/interrupt.h). */
void ps_probe_sink_wait(void *ctx);
/* The ps_walksrc skipped hook: a port of a host known unreachable, reported unreachable
 * (reason host-unreachable) without a probe. proto: the sink's skip_proto. */
void ps_probe_sink_skipped(void *ctx, const struct ps_probe_job *job);
/* Clear the progress line (or write the last status line). Returns the milliseconds since
 * init. */
double ps_probe_sink_done(struct ps_probe_sink *s);

#endif
