/* Planning a run (probe/plan.c): literals into endpoints in target order, an address of
 * the wrong family as an error result with reason "resolve", result counts, each
 * protocol's engine given only its own endpoints, and a protocol without an engine as
 * bad input. No name here goes to a resolver. */
#include <criterion/criterion.h>
#include <string.h>

#include "probe/plan.h"

static struct ps_target targets[3];
static size_t jobs[2], results, errors;

/* need_port: check's host:port, else scan's bare hosts. */
static void parse(size_t n, const char *const *text, bool need_port, uint8_t proto)
{
	for (size_t i = 0; i < n; i++) {
		ps_err err;

		cr_assert_eq(ps_targets_parse(text[i], need_port, proto, &targets[i], &err), 0,
			     "%s", err.msg);
	}
}

static void on_result(const struct probe_result *r, void *ctx)
{
	(void)ctx;
	results++;
	if (r->state == PS_PROBE_ERROR) {
		errors++;
		cr_assert_str_eq(r->reason, "resolve");
		cr_assert(r->error[0]);
	}
}

/* A fake engine: counts the jobs of its protocol and reports each one closed. */
static int fake(uint8_t proto, ps_job_next_fn next, void *src, ps_result_cb cb, void *ctx)
{
	struct ps_probe_job job;

	while (next(src, &job) == 1) {
		struct probe_result r;

		ps_result_from_job(&r, &job, proto);
		r.state = PS_PROBE_CLOSED;
		jobs[proto == IPPROTO_UDP]++;
		cb(&r, ctx);
	}
	return 0;
}

static int fake_tcp(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		    ps_result_cb cb, void *ctx, ps_err *err)
{
	(void)o;
	(void)err;
	return fake(IPPROTO_TCP, next, src, cb, ctx);
}

static ps_probe_many_fn tcp_only(uint8_t proto)
{
	return proto == IPPROTO_TCP ? fake_tcp : NULL;
}

Test(plan, literals_in_target_order)
{
	static const char *const text[] = { "127.0.0.1:80", "[::1]:22" };
	struct ps_plan plan;
	ps_err err;

	parse(2, text, true, IPPROTO_TCP);
	cr_assert_eq(ps_plan_build(&plan, targets, 2, AF_UNSPEC, &err), 0);
	cr_assert_eq(plan.neps, 2);
	cr_assert_str_eq(plan.eps[0].address, "127.0.0.1");
	cr_assert_str_eq(plan.eps[1].address, "::1");
	cr_assert_eq(plan.eps[1].tag, 1);
	cr_assert_eq(plan.ep_target[1], 1);
	cr_assert_eq(ps_plan_count(&plan, NULL), 2);
	ps_plan_free(&plan);
}

Test(plan, wrong_family_is_an_error_result)
{
	static const char *const text[] = { "127.0.0.1", "[::1]" };
	struct ps_probe_opts o = { .timeout_ms = 100 };
	struct ps_portset *ports = malloc(sizeof(*ports));
	struct ps_plan plan;
	ps_err err;

	cr_assert_not_null(ports);
	cr_assert_eq(ps_ports_parse_spec("1-3", "tcp", false, ports, &err), 0, "%s", err.msg);
	parse(2, text, false, IPPROTO_TCP);
	cr_assert_eq(ps_plan_build(&plan, targets, 2, AF_INET6, &err), 0);
	cr_assert_eq(plan.neps, 2);
	cr_assert_eq(plan.eps[0].addr.sa.sa_family, 0, "an IPv4 literal has no IPv6 address");
	/* The unresolved target yields one result, the other one per port. */
	cr_assert_eq(ps_plan_count(&plan, ports), 1 + 3);
	results = errors = jobs[0] = jobs[1] = 0;
	cr_assert_eq(ps_plan_run(&plan, ports, &o, tcp_only, on_result, NULL, &err), 0);
	cr_assert_eq(errors, 1);
	cr_assert_eq(jobs[0], 3);
	cr_assert_eq(results, 4);
	ps_plan_free(&plan);
	free(ports);
}

Test(plan, protocol_without_engine_is_bad_input)
{
	static const char *const text[] = { "127.0.0.1:53" };
	struct ps_probe_opts o = { .timeout_ms = 100 };
	struct ps_plan plan;
	ps_err err;

	parse(1, text, true, IPPROTO_UDP);
	cr_assert_eq(ps_plan_build(&plan, targets, 1, AF_UNSPEC, &err), 0);
	jobs[0] = jobs[1] = 0;
	cr_assert_eq(ps_plan_run(&plan, NULL, &o, tcp_only, on_result, NULL, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert_str_eq(err.msg, "udp probes are not available in this build");
	cr_assert_eq(jobs[1], 0);
	ps_plan_free(&plan);
}

/* No targets: an empty plan, not "out of memory" where calloc(0) returns NULL. */
Test(plan, no_targets_is_an_empty_plan)
{
	struct ps_probe_opts o = { .timeout_ms = 100 };
	struct ps_plan plan;
	ps_err err;

	cr_assert_eq(ps_plan_build(&plan, targets, 0, AF_UNSPEC, &err), 0, "%s", err.msg);
	cr_assert_eq(plan.neps, 0);
	results = errors = 0;
	jobs[0] = jobs[1] = 0;
	cr_assert_eq(ps_plan_run(&plan, NULL, &o, tcp_only, on_result, NULL, &err), 0);
	cr_assert_eq(results, 0);
	cr_assert_eq(jobs[0] + jobs[1], 0);
	ps_plan_free(&plan);
}
