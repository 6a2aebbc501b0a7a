/* One /probe request's work: the target resolved (after the allow list passed on its
 * text), one address chosen, and the module's engine run on it: the TCP or UDP engine
 * through the engine table cmd/ hands in, or the TLS client (probe/exporter_tls.h). */
#ifndef PS_EXPORTER_PROBE_H
#define PS_EXPORTER_PROBE_H

#include <stdbool.h>

#include "probe/exporter_cfg.h"
#include "probe/plan.h"
#include "probe/result.h"
#include "probe/tls.h"

struct ps_xprobe {
	const struct ps_xmodule *mod;
	bool success;			/* probe_success */
	double duration_s;		/* probe_duration_seconds: resolve to verdict */
	int ip_protocol;		/* 4, 6, or 0 when nothing was resolved */
	struct probe_result r;		/* state and reason; for tls the TCP connect's */
	bool has_tls;			/* tls module whose handshake ran */
	struct ps_tls_info tls;
	const char *reason;		/* portscope_probe_reason: r.reason, or the TLS verdict */
};

/* Probe q's target with mod within timeout_ms (the module's, already capped by the
 * caller). Refuses a resolved address the config does not allow (false, why set) before
 * sending anything. Returns true when a probe ran (its verdict in out, failures
 * included), false when it was refused (why: one line). */
bool ps_xprobe_run(const struct ps_xconfig *c, const struct ps_xmodule *mod,
		   const struct ps_target *t, int timeout_ms, ps_plan_engine_fn engine_for,
		   struct ps_xprobe *out, char *why, size_t whylen);

#endif
