/* The TLS phase of the TCP engine: once a connect succeeds for a job that asks for TLS,
 * the slot stays in the same epoll loop and steps its session (probe/tls.h: STARTTLS,
 * then the handshake) on each readiness event, with a deadline of its own (the probe
 * timeout, counted from the connect). No thread and no blocking call per handshake, and
 * the memory a handshake holds is the session's, freed with the slot. The port is open
 * whatever the handshake says: the reason and the result's tls object tell the rest. */
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/tcp_engine.h"

/* A completed handshake, a refused STARTTLS, or anything else that kept TLS from working
 * (a failed or unfinished handshake). */
static const char *tls_reason(const struct ps_tls_info *info)
{
	if (info->handshake_done)
		return "tls-handshake";
	if (info->verify == PS_TLS_VERIFY_STARTTLS_REFUSED)
		return "starttls-refused";
	return "tls-handshake-failed";
}

/* Report slot i with what its session found, then end the session and the connection. */
static void finish(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	struct ps_tls_info info;
	struct probe_result r;

	ps_tls_info(s->tls, &info);
	ps_result_from_job(&r, &s->job, IPPROTO_TCP);
	r.state = PS_PROBE_OPEN;
	r.reason = tls_reason(&info);
	r.rtt_ms = s->rtt_ms;
	r.tls = &info;
	ps_tcp_deliver(e, &r);
	ps_tls_free(s->tls);
	s->tls = NULL;
	ps_tcp_close_reset(s->fd);
	s->fd = -1;
}

/* Step the session once. Returns L_FLIGHT while it wants the socket again, L_DONE once
 * the slot is reported. */
static enum launch_rc step(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];

	switch (ps_tls_step(s->tls)) {
	case PS_TLS_WANT_READ:
		if (ps_tcp_watch(e, i, EPOLLIN | EPOLLRDHUP) == 0)
			return L_FLIGHT;
		break;
	case PS_TLS_WANT_WRITE:
		if (ps_tcp_watch(e, i, EPOLLOUT) == 0)
			return L_FLIGHT;
		break;
	default:
		break;
	}
	finish(e, i);
	return L_DONE;
}

enum launch_rc ps_tcp_tls_start(struct engine *e, uint32_t i, uint64_t now)
{
	struct slot *s = &e->slots[i];
	struct probe_result r;
	ps_err err;

	s->tls = ps_tls_new(e->o->tls, s->fd, s->job.host ? s->job.host : s->job.address, &err);
	if (!s->tls) {
		ps_result_from_job(&r, &s->job, IPPROTO_TCP);
		r.reason = "local-error";
		snprintf(r.error, sizeof(r.error), "%s", err.msg);
		ps_tcp_deliver(e, &r);
		ps_tcp_close_reset(s->fd);
		return L_DONE;
	}
	s->phase = PH_TLS;
	s->deadline = now + e->timeout_ns;
	if (step(e, i) == L_FLIGHT)
		return L_FLIGHT;
	s->fd = -1;
	return L_DONE;
}

bool ps_tcp_tls_event(struct engine *e, uint32_t i)
{
	return step(e, i) == L_DONE;
}

void ps_tcp_tls_expire(struct engine *e, uint32_t i)
{
	finish(e, i);
}
