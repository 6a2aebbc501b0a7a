/* Running check and scan: targets resolved into endpoints, each protocol's engine over
 * them, and the sink the engines report to (NDJSON stream, kept results, progress). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/probeplan.h"
#include "report/table.h"

int ps_probe_plan_build(struct ps_probe_plan *plan, struct ps_target *targets, size_t n,
			int family)
{
	char (*why)[256] = NULL;
	size_t total = 0, k = 0;

	memset(plan, 0, sizeof(*plan));
	plan->targets = targets;
	plan->ntargets = n;
	plan->addrs = calloc(n ? n : 1, sizeof(*plan->addrs));
	why = calloc(n ? n : 1, sizeof(*why));
	if (!plan->addrs || !why) {
		free(why);
		return ps_fail("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		ps_err err;

		/* A name that does not resolve is a result, not an abort. */
		if (ps_targets_resolve(targets[i].host, family, &plan->addrs[i], &err) < 0)
			snprintf(why[i], sizeof(why[i]), "%s", err.msg);
		total += plan->addrs[i].len ? plan->addrs[i].len : 1;
	}
	plan->eps = calloc(total, sizeof(*plan->eps));
	plan->ep_target = calloc(total, sizeof(*plan->ep_target));
	plan->ep_error = calloc(total, sizeof(*plan->ep_error));
	if (!plan->eps || !plan->ep_target || !plan->ep_error) {
		free(why);
		return ps_fail("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		size_t m = plan->addrs[i].len;

		for (size_t a = 0; a < (m ? m : 1); a++, k++) {
			struct ps_endpoint *ep = &plan->eps[k];

			ep->target = targets[i].text;
			ep->port = targets[i].port;
			ep->tag = (uint32_t)k;
			plan->ep_target[k] = (uint32_t)i;
			if (m) {
				ep->address = plan->addrs[i].v[a].text;
				ep->addr = plan->addrs[i].v[a].sa;
			} else {
				ep->address = "";
				memcpy(plan->ep_error[k], why[i], sizeof(why[i]));
			}
		}
	}
	plan->neps = k;
	free(why);
	return 0;
}

size_t ps_probe_plan_count(const struct ps_probe_plan *plan, const struct ps_portset *ports)
{
	size_t n = 0, per = ports ? ports->count - ps_portset_has(ports, 0) : 0;

	/* An unresolved endpoint yields one error result, not one per port. */
	for (size_t k = 0; k < plan->neps; k++)
		n += plan->eps[k].port || plan->eps[k].addr.sa.sa_family == 0 ? 1 : per;
	return n;
}

int ps_probe_plan_run(struct ps_probe_plan *plan, const struct ps_portset *ports,
		      const struct ps_probe_opts *o, ps_result_cb cb, void *ctx)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct ps_endpoint *sub;
	int rc = PS_EXIT_OK;

	for (size_t k = 0; k < plan->neps; k++) {
		const struct ps_endpoint *ep = &plan->eps[k];
		const struct ps_target *t = &plan->targets[plan->ep_target[k]];
		struct probe_result r;

		if (ep->addr.sa.sa_family != 0)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.target, sizeof(r.target), "%s", t->text);
		r.proto = t->proto;
		r.port = t->port;
		r.state = PS_PROBE_ERROR;
		r.rtt_ms = -1;
		r.reason = "resolve";
		r.expect_ok = -1;
		r.tag = ep->tag;
		snprintf(r.error, sizeof(r.error), "%s", plan->ep_error[k]);
		cb(&r, ctx);
	}
	sub = calloc(plan->neps ? plan->neps : 1, sizeof(*sub));
	if (!sub)
		return ps_fail("out of memory");
	for (size_t p = 0; p < sizeof(protos) && rc == PS_EXIT_OK; p++) {
		struct ps_jobsrc src = { .eps = sub, .ports = ports };
		ps_probe_many_fn engine = ps_probe_engine(protos[p]);
		ps_err err;

		for (size_t k = 0; k < plan->neps; k++)
			if (plan->eps[k].addr.sa.sa_family != 0 &&
			    plan->targets[plan->ep_target[k]].proto == protos[p])
				sub[src.neps++] = plan->eps[k];
		if (!src.neps)
			continue;
		if (!engine) {
			rc = ps_usage("%s probes are not available in this build",
				      ps_probe_proto_name(protos[p]));
			break;
		}
		if (engine(ps_jobsrc_next, &src, o, cb, ctx, &err) < 0)
			rc = ps_cli_err(&err);
	}
	free(sub);
	return rc;
}

void ps_probe_plan_free(struct ps_probe_plan *plan)
{
	for (size_t i = 0; i < plan->ntargets && plan->addrs; i++)
		ps_addrlist_free(&plan->addrs[i]);
	free(plan->addrs);
	free(plan->eps);
	free(plan->ep_target);
	free(plan->ep_error);
	memset(plan, 0, sizeof(*plan));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ps_probe_sink_init(struct ps_probe_sink *s, enum ps_format fmt, const char *what,
			bool all_states, size_t total)
{
	memset(s, 0, sizeof(*s));
	s->fmt = fmt;
	s->what = what;
	s->all_states = all_states;
	s->total = total;
	s->view.table_flags = fmt == PS_FMT_TABLE && ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	s->progress = isatty(STDERR_FILENO) == 1;
	/* A reader at the other end of a pipe or a terminal sees each line as it is
	 * decided; a file (or /dev/null) has nobody waiting, so it keeps the big buffer. */
	{
		struct stat st;

		s->flush_each = fstat(STDOUT_FILENO, &st) < 0 ||
				!(S_ISREG(st.st_mode) ||
				  (S_ISCHR(st.st_mode) && isatty(STDOUT_FILENO) != 1));
	}
	s->start_ns = s->last_ns = mono_ns();
}

#define PROGRESS_AFTER_NS 2000000000ull
#define PROGRESS_EVERY_NS 250000000ull

/* "scan: 12034/65535 (18%), 3 open, 5012/s, ETA 11 s" on stderr, redrawn in place. */
static void progress(struct ps_probe_sink *s)
{
	uint64_t now = mono_ns();
	double secs, rate;

	if (now - s->start_ns < PROGRESS_AFTER_NS || now - s->last_ns < PROGRESS_EVERY_NS)
		return;
	s->last_ns = now;
	secs = (double)(now - s->start_ns) / 1e9;
	rate = s->done / secs;
	fprintf(stderr, "\r%s: %zu/%zu (%zu%%), %zu open, %.0f/s, ETA %.0f s\033[K", s->what,
		s->done, s->total, s->total ? s->done * 100 / s->total : 100, s->open, rate,
		rate > 0 && s->total > s->done ? (double)(s->total - s->done) / rate : 0.0);
	s->progress_shown = true;
}

void ps_probe_sink_result(const struct probe_result *r, void *ctx)
{
	struct ps_probe_sink *s = ctx;
	/* An error (name not resolved, no route) is always shown: it is not a port state. */
	bool keep = s->all_states || r->state == PS_PROBE_OPEN || r->state == PS_PROBE_ERROR;

	s->done++;
	s->open += r->state == PS_PROBE_OPEN;
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
	if (s->progress)
		progress(s);
}

double ps_probe_sink_done(struct ps_probe_sink *s)
{
	if (s->progress_shown)
		fputs("\r\033[K", stderr);
	return (double)(mono_ns() - s->start_ns) / 1e6;
}
