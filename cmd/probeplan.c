/* Running check and scan: the plan's errors turned into exit codes, and the sink the
 * engines report to (NDJSON stream, kept results, progress). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
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
	s->fmt = fmt;
	s->all_states = all_states;
	s->view.table_flags = fmt == PS_FMT_TABLE && ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	s->progress = isatty(STDERR_FILENO) == 1;
	/* A reader at the other end of a pipe or a terminal sees each line as it is
	 * decided; a file (or /dev/null) has nobody waiting, so it keeps the big buffer. */
	s->flush_each = fstat(STDOUT_FILENO, &st) < 0 ||
			!(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && isatty(STDOUT_FILENO) != 1));
	ps_progress_init(&s->line, what, total, ps_clock_ns(), ps_term_dumb());
	s->line.bound = &s->bound;
}

void ps_probe_sink_result(const struct probe_result *r, void *ctx)
{
	struct ps_probe_sink *s = ctx;
	/* An error (name not resolved, no route) is always shown: it is not a port state. */
	bool keep = s->all_states || r->state == PS_PROBE_OPEN || r->state == PS_PROBE_ERROR;

	s->line.done++;
	s->line.open += r->state == PS_PROBE_OPEN;
	if (s->fmt == PS_FMT_NDJSON) {
		s->set.total++;
		s->set.counts[r->state]++;
		if (keep) {
			ps_report_result_line(stdout, r, &s->view);
			if (s->flush_each)
				(void)fflush(stdout);
		}
	} else if (ps_resultset_add(&s->set, r, keep) < 0) {
		s->oom = true;
	}
	if (s->progress) {
		uint64_t now = ps_clock_ns();

		if (ps_progress_due(&s->line, now))
			ps_progress_draw(&s->line, stderr, now, ps_term_width(stderr));
	}
}

double ps_probe_sink_done(struct ps_probe_sink *s)
{
	ps_progress_clear(&s->line, stderr);
	return (double)(ps_clock_ns() - s->line.start_ns) / 1e6;
}
