/* Running check and scan: the plan's errors turned into exit codes, and the sink the
 * engines report to (NDJSON stream, kept results, progress). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/interrupt.h"
#include "cmd/probeplan.h"
#include "probe/clock.h"
#include "report/table.h"
#include "report/term.h"

int ps_probe_plan_build(struct ps_plan *plan, struct ps_target *targets, size_t n, int family)
{
	ps_err err;

	if (ps_plan_build(plan, targets, n, family, &err) < 0)
		return ps_cli_err(&err);
	return PS_EXIT_OK;
}

int ps_probe_plan_run(struct ps_plan *plan, const struct ps_portset *ports,
		      const struct ps_probe_opts *o, ps_result_cb cb, void *ctx)
{
	ps_err err;

	if (ps_plan_run(plan, ports, o, ps_probe_engine, cb, ctx, &err) < 0)
		return ps_cli_err(&err);
	return PS_EXIT_OK;
}

void ps_probe_sink_init(struct ps_probe_sink *s, enum ps_format fmt, const char *what,
			bool all_states, size_t total)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->fmt = fmt;
	s->all_states = all_states;
	s->view.table_flags = fmt == PS_FMT_TABLE && ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	/* A reader at the other end of a pipe or a terminal sees each line as it is
	 * decided; a file (or /dev/null) has nobody waiting, so it keeps the big buffer. */
	s->flush_each = fstat(STDOUT_FILENO, &st) < 0 ||
			!(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && isatty(STDOUT_FILENO) != 1));
	ps_progress_init(&s->line, what, total, ps_clock_ns(), ps_term_dumb());
	s->line.bound = &s->bound;
	ps_probe_sink_progress(s, PS_PROGRESS_TERM);
}

void ps_probe_sink_progress(struct ps_probe_sink *s, enum ps_progress_mode mode)
{
	bool tty = isatty(STDERR_FILENO) == 1;

	if (mode == PS_PROGRESS_LOG && tty)
		mode = PS_PROGRESS_TERM;	/* a terminal gets the line redrawn in place */
	s->progress_mode = mode;
	s->progress = mode != PS_PROGRESS_TERM || tty;
	if (mode == PS_PROGRESS_LOG)
		ps_progress_pace(&s->line, 5000000000ull, 5000000000ull);
	else if (mode == PS_PROGRESS_NDJSON)
		ps_progress_pace(&s->line, 1000000000ull, 1000000000ull);
}

/* A progress report, if one is due at now. Under s->mu. */
static void show_progress(struct ps_probe_sink *s, uint64_t now)
{
	if (!s->progress || !ps_progress_due(&s->line, now))
		return;
	if (s->progress_mode == PS_PROGRESS_LOG)
		ps_progress_log(&s->line, stderr, now);
	else if (s->progress_mode == PS_PROGRESS_NDJSON)
		ps_progress_ndjson(&s->line, stderr, now, false);
	else
		ps_progress_draw(&s->line, stderr, now, ps_term_width(stderr));
}

/* NDJSON so far to stdout; a failed write to a gone reader stops the run. */
static void flush(struct ps_probe_sink *s, uint64_t now)
{
	s->dirty = false;
	s->last_flush_ns = now;
	if (ps_cli_flush() < 0 && errno == EPIPE)
		ps_interrupt_reader_gone();
}

void ps_probe_sink_wait(void *ctx)
{
	struct ps_probe_sink *s = ctx;
	uint64_t now = ps_clock_ns();

	/* Called from any engine thread: fflush takes the stream's lock, which a line
	 * being written holds; a race on dirty costs one extra flush at most. */
	if (s->dirty)
		flush(s, now);
	if (now - s->last_check_ns >= 100000000ull) {
		s->last_check_ns = now;
		if (ps_interrupt_stdout_closed())
			ps_interrupt_reader_gone();
	}
	/* A quiet stretch (no results while probes wait) still reports; a sink busy with a
	 * result reports itself. */
	if (s->progress && pthread_mutex_trylock(&s->mu) == 0) {
		show_progress(s, now);
		pthread_mutex_unlock(&s->mu);
	}
}

static void record(struct ps_probe_sink *s, const struct probe_result *r)
{
	/* An error (name not resolved, no route) is always shown: it is not a port state. */
	bool keep = s->all_states || r->state == PS_PROBE_OPEN || r->state == PS_PROBE_ERROR;

	s->line.done++;
	s->line.open += r->state == PS_PROBE_OPEN;
	if (s->fmt == PS_FMT_NDJSON) {
		s->set.total++;
		s->set.counts[r->state]++;
		if (keep) {
			uint64_t now = ps_clock_ns();

			/* The writer's unlocked calls under the stream's lock: an engine
			 * thread about to wait may flush stdout meanwhile. */
			flockfile(stdout);
			ps_report_result_line(stdout, r, &s->view);
			funlockfile(stdout);
			s->dirty = true;
			if (s->flush_each || now - s->last_flush_ns >= 1000000000ull)
				flush(s, now);
		}
	} else if (ps_resultset_add(&s->set, r, keep) < 0) {
		s->oom = true;
	}
	if (s->progress)
		show_progress(s, ps_clock_ns());
}

void ps_probe_sink_result(const struct probe_result *r, void *ctx)
{
	struct ps_probe_sink *s = ctx;

	pthread_mutex_lock(&s->mu);
	if (s->hosts && r->state == PS_PROBE_ERROR && r->reason &&
	    strcmp(r->reason, "no-route") == 0) {
		/* One error stands for the host: port null, the later ones dropped. */
		if (ps_hoststate_learn(s->hosts, r->tag, r) == PS_HOST_UNKNOWN) {
			struct probe_result one = *r;

			one.port = 0;
			record(s, &one);
		}
	} else if (s->hosts && r->state == PS_PROBE_FILTERED && r->reason &&
		   strcmp(r->reason, "timeout") == 0 &&
		   ps_hoststate_get(s->hosts, r->tag) == PS_HOST_UNREACHABLE) {
		/* A SYN the kernel dropped from its neighbour queue never hears of the
		 * failure: the host is judged already, so its port says so. */
		struct probe_result same = *r;

		same.state = PS_PROBE_UNREACHABLE;
		same.reason = "host-unreachable";
		record(s, &same);
	} else {
		if (s->hosts)
			(void)ps_hoststate_learn(s->hosts, r->tag, r);
		record(s, r);
	}
	pthread_mutex_unlock(&s->mu);
}

void ps_probe_sink_skipped(void *ctx, const struct ps_probe_job *job)
{
	struct ps_probe_sink *s = ctx;
	struct probe_result r;

	ps_result_from_job(&r, job, s->skip_proto);
	r.state = PS_PROBE_UNREACHABLE;
	r.reason = "host-unreachable";
	pthread_mutex_lock(&s->mu);
	record(s, &r);
	pthread_mutex_unlock(&s->mu);
}

double ps_probe_sink_done(struct ps_probe_sink *s)
{
	uint64_t now = ps_clock_ns();

	if (s->progress && s->progress_mode == PS_PROGRESS_LOG)
		ps_progress_log(&s->line, stderr, now);
	else if (s->progress && s->progress_mode == PS_PROGRESS_NDJSON)
		ps_progress_ndjson(&s->line, stderr, now, true);
	else
		ps_progress_clear(&s->line, stderr);
	pthread_mutex_destroy(&s->mu);
	return (double)(ps_clock_ns() - s->line.start_ns) / 1e6;
}
