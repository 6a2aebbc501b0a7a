/* Planning a reachability run (check, scan): the targets resolved into endpoints, one per
 * address, and each protocol's engine run over the endpoints of that protocol. A name
 * that does not resolve is a result (state error, reason "resolve"), not an abort. */
#ifndef PS_PLAN_H
#define PS_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/jobs.h"
#include "probe/ports.h"
#include "probe/targets.h"

/* Targets resolved into endpoints (one per address; tag = index, in target order). A
 * target that did not resolve keeps one endpoint with family 0 and its reason. */
struct ps_plan {
	struct ps_target *targets;
	size_t ntargets;
	struct ps_endpoint *eps;
	uint32_t *ep_target;		/* endpoint index -> target index */
	char (*ep_error)[256];		/* resolver message for unresolved endpoints */
	struct ps_addrlist *addrs;	/* per target */
	size_t neps;
};

/* The engine for a protocol (IPPROTO_TCP, IPPROTO_UDP), or NULL when none is built in. */
typedef ps_probe_many_fn (*ps_plan_engine_fn)(uint8_t proto);

/* Resolve targets[0..n) (taken over by the plan, not freed) for family (AF_UNSPEC,
 * AF_INET, AF_INET6). Returns 0, or -1 with err when out of memory; ps_plan_free the
 * plan either way. */
int ps_plan_build(struct ps_plan *plan, struct ps_target *targets, size_t n, int family,
		  ps_err *err);

/* Number of results the plan will produce with ports (NULL: every target has its port). */
size_t ps_plan_count(const struct ps_plan *plan, const struct ps_portset *ports);

/* Report every unresolved target through cb, then run each protocol's engine over the
 * endpoints of that protocol: with the target's port, or every port of ports when the
 * target has none. Returns 0, or -1 with err: PS_ERR_INPUT when a protocol has no engine
 * in this build, else the engine's error. */
int ps_plan_run(struct ps_plan *plan, const struct ps_portset *ports,
		const struct ps_probe_opts *o, ps_plan_engine_fn engine_for, ps_result_cb cb,
		void *ctx, ps_err *err);

void ps_plan_free(struct ps_plan *plan);

#endif
