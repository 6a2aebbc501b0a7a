/* Targets into endpoints, and the engines run over them (see probe/plan.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/plan.h"
#include "probe/proto.h"

int ps_plan_build(struct ps_plan *plan, struct ps_target *targets, size_t n, int family,
		  ps_err *err)
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
		return ps_err_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		ps_err rerr;

		/* A name that does not resolve is a result, not an abort. */
		if (ps_targets_resolve(targets[i].host, family, &plan->addrs[i], &rerr) < 0)
			snprintf(why[i], sizeof(why[i]), "%s", rerr.msg);
		total += plan->addrs[i].len ? plan->addrs[i].len : 1;
	}
	plan->eps = calloc(total ? total : 1, sizeof(*plan->eps));
	plan->ep_target = calloc(total ? total : 1, sizeof(*plan->ep_target));
	plan->ep_error = calloc(total ? total : 1, sizeof(*plan->ep_error));
	if (!plan->eps || !plan->ep_target || !plan->ep_error) {
		free(why);
		return ps_err_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		size_t m = plan->addrs[i].len;

		for (size_t a = 0; a < (m ? m : 1); a++, k++) {
			struct ps_endpoint *ep = &plan->eps[k];

			ep->target = targets[i].text;
			ep->host = targets[i].host;
			ep->tls = targets[i].tls;
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

size_t ps_plan_count(const struct ps_plan *plan, const struct ps_portset *ports)
{
	size_t n = 0, per = ports ? ports->count - ps_portset_has(ports, 0) : 0;

	/* An unresolved endpoint yields one error result, not one per port. */
	for (size_t k = 0; k < plan->neps; k++)
		n += plan->eps[k].port || plan->eps[k].addr.sa.sa_family == 0 ? 1 : per;
	return n;
}

/* An unresolved endpoint yields one error result with the resolver's message. */
static void report_unresolved(const struct ps_plan *plan, ps_result_cb cb, void *ctx)
{
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
}

int ps_plan_run(struct ps_plan *plan, const struct ps_portset *ports,
		const struct ps_probe_opts *o, ps_plan_engine_fn engine_for, ps_result_cb cb,
		void *ctx, ps_err *err)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct ps_endpoint *sub;
	int rc = 0;

	report_unresolved(plan, cb, ctx);
	sub = calloc(plan->neps ? plan->neps : 1, sizeof(*sub));
	if (!sub)
		return ps_err_nomem(err);
	for (size_t p = 0; p < sizeof(protos) && rc == 0; p++) {
		struct ps_jobsrc src = { .eps = sub, .ports = ports };
		/* cppcheck-suppress AssignmentIntegerToAddress ; engine_for returns a function pointer */
		ps_probe_many_fn engine = engine_for(protos[p]);

		for (size_t k = 0; k < plan->neps; k++)
			if (plan->eps[k].addr.sa.sa_family != 0 &&
			    plan->targets[plan->ep_target[k]].proto == protos[p])
				sub[src.neps++] = plan->eps[k];
		if (!src.neps)
			continue;
		if (!engine)
			rc = ps_err_input(err, "%s probes are not available in this build",
					  ps_proto_name(protos[p]));
		else
			rc = engine(ps_jobsrc_next, &src, o, cb, ctx, err) < 0 ? -1 : 0;
	}
	free(sub);
	return rc;
}

void ps_plan_free(struct ps_plan *plan)
{
	for (size_t i = 0; i < plan->ntargets && plan->addrs; i++)
		ps_addrlist_free(&plan->addrs[i]);
	free(plan->addrs);
	free(plan->eps);
	free(plan->ep_target);
	free(plan->ep_error);
	memset(plan, 0, sizeof(*plan));
}

