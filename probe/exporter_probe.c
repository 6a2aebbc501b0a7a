/* One /probe request: resolve, choose an allowed address, run the module's engine. */
#include <stdio.h>
#include <string.h>

#include "probe/clock.h"
#include "probe/exporter_probe.h"
#include "probe/exporter_tls.h"

struct one_job {
	const struct ps_probe_job *job;
	bool given;
};

static int one_next(void *src, struct ps_probe_job *job)
{
	struct one_job *s = src;

	if (s->given)
		return 0;
	*job = *s->job;
	s->given = true;
	return 1;
}

static void keep_result(const struct probe_result *r, void *ctx)
{
	*(struct probe_result *)ctx = *r;
}

/* TCP or UDP through the engine cmd/ chose; an engine that could not run is an error
 * result (reason local-error), not a failed request. */
static void run_engine(const struct ps_xmodule *mod, const struct ps_probe_job *job,
		       int timeout_ms, ps_plan_engine_fn engine_for, struct probe_result *r)
{
	uint8_t proto = mod->kind == PS_XMOD_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	/* cppcheck takes the engine table's result (a function pointer) for an int. */
	// cppcheck-suppress AssignmentIntegerToAddress
	ps_probe_many_fn engine = engine_for(proto);
	struct ps_probe_opts o = mod->o;
	struct one_job src = { job, false };
	ps_err err;

	/* The module's timeout bounds the whole probe, as blackbox_exporter's does: one
	 * attempt gets all of it unless the module asks for retries, which share it. */
	if (o.retries < 0)
		o.retries = 0;
	o.timeout_ms = timeout_ms / (o.retries + 1) > 0 ? timeout_ms / (o.retries + 1) : 1;
	o.timeout_set = true;
	o.concurrency = 1;
	ps_result_from_job(r, job, proto);
	if (!engine) {
		r->reason = "local-error";
		snprintf(r->error, sizeof(r->error), "no engine for this protocol in this build");
		return;
	}
	if (engine(one_next, &src, &o, keep_result, r, &err) < 0) {
		r->state = PS_PROBE_ERROR;
		r->reason = "local-error";
		snprintf(r->error, sizeof(r->error), "%s", err.msg);
	}
}

static void tls_verdict(struct ps_xprobe *out)
{
	const struct ps_xmodule *m = out->mod;

	out->reason = out->r.reason;
	if (out->r.state != PS_PROBE_OPEN)
		return;
	out->has_tls = true;
	out->reason = ps_tls_verify_name(out->tls.verify);
	out->success = out->tls.handshake_done && out->tls.ok;
	if (out->success && m->cert_days >= 0 && out->tls.chain_earliest_not_after &&
	    out->tls.chain_days_left < m->cert_days) {
		out->success = false;
		out->reason = "cert-days";
	}
}

bool ps_xprobe_run(const struct ps_xconfig *c, const struct ps_xmodule *mod,
		   const struct ps_target *t, int timeout_ms, ps_plan_engine_fn engine_for,
		   struct ps_xprobe *out, char *why, size_t whylen)
{
	uint64_t start = ps_clock_ns();
	struct ps_addrlist addrs = { 0 };
	struct ps_probe_job job = { .target = t->text, .address = "" };
	ps_err err;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->mod = mod;
	if (ps_targets_resolve(t->host, mod->family, &addrs, &err) < 0) {
		job.addr.sa.sa_family = AF_UNSPEC;
		ps_result_from_job(&out->r, &job, mod->kind == PS_XMOD_UDP ? IPPROTO_UDP
									   : IPPROTO_TCP);
		out->r.reason = "resolve";
		snprintf(out->r.error, sizeof(out->r.error), "%s", err.msg);
		out->reason = out->r.reason;
		out->duration_s = (double)(ps_clock_ns() - start) / 1e9;
		return true;
	}
	for (i = 0; i < addrs.len; i++)
		if (ps_xconfig_allows_addr(c, &addrs.v[i].sa))
			break;
	if (i == addrs.len) {
		snprintf(why, whylen, "target not allowed: its addresses are not loopback");
		ps_addrlist_free(&addrs);
		return false;
	}
	job.addr = addrs.v[i].sa;
	snprintf(job.address, sizeof(job.address), "%s", addrs.v[i].text);
	ps_sockaddr_set_port(&job.addr, t->port);
	out->ip_protocol = job.addr.sa.sa_family == AF_INET6 ? 6 : 4;
	if (mod->kind == PS_XMOD_TLS) {
		ps_xtls_probe(mod, &job, t->host, timeout_ms, &out->r, &out->tls);
		tls_verdict(out);
	} else {
		run_engine(mod, &job, timeout_ms, engine_for, &out->r);
		out->success = out->r.state == PS_PROBE_OPEN && out->r.expect_ok != 0;
		out->reason = out->r.reason;
	}
	ps_addrlist_free(&addrs);
	out->duration_s = (double)(ps_clock_ns() - start) / 1e9;
	return true;
}
