/* The TLS phase of the TCP engine: once a connect succeeds for a job that asks for TLS,
 * the slot stays in the same epoll loop and steps its session (probe/tls.h: STARTTLS,
 * then the handshake, then --send and the reply for --expect / --banner through the
 * session, as plain TCP does them on the socket) on each readiness event, with a deadline of its own (the probe
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

/* Report slot i with what its session found (and, after a handshake, what the server
 * said to --send / within --expect / as a banner), then end the session and the
 * connection. */
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
	if (info.handshake_done) {
		ps_tcp_fill_reply(e, s, &r);	/* expect-matched or expect-mismatch */
	} else if (e->o->expect) {
		r.expect_ok = 0;	/* nothing to match: the reason stays the TLS one */
	}
	ps_tcp_deliver(e, &r);
	ps_tls_free(s->tls);
	s->tls = NULL;
	ps_tcp_close_reset(s->fd);
	s->fd = -1;
}

/* After the handshake: --send through the session (s->sent counts what is out), then
 * read until --expect matches, a banner line is complete, the buffer is full or the
 * server ends the stream. --send goes only to a peer whose certificate verified (or with
 * --insecure): the user's request is not handed to whoever answered; what a server says
 * unasked is read either way. Returns WANT_* while it waits, DONE when there is a
 * result. */
static enum ps_tls_status exchange(struct engine *e, struct slot *s)
{
	enum ps_tls_status st;
	size_t got;

	if (e->reading && !ps_tcp_reply_buf(e, s))
		return PS_TLS_DONE;	/* no memory for a reply: report the handshake alone */
	if (e->o->send && s->sent < e->o->send_len && ps_tls_ok(s->tls)) {
		st = ps_tls_write(s->tls, e->o->send, e->o->send_len);
		if (st != PS_TLS_DONE)
			return st == PS_TLS_FAILED ? PS_TLS_DONE : st;	/* gone: no reply */
		s->sent = (uint16_t)e->o->send_len;
	}
	while (e->reading && !ps_tcp_reply_complete(e, s)) {
		st = ps_tls_read(s->tls, s->buf + s->len, s->cap - s->len, &got);
		if (st == PS_TLS_WANT_READ || st == PS_TLS_WANT_WRITE)
			return st;
		if (st == PS_TLS_FAILED || got == 0)
			break;	/* closed or reset by the service: report what came */
		s->len = (uint16_t)(s->len + got);
	}
	return PS_TLS_DONE;
}

/* Step the session once. Returns L_FLIGHT while it wants the socket again, L_DONE once
 * the slot is reported. */
static enum launch_rc step(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	enum ps_tls_status st = ps_tls_step(s->tls);

	if (st == PS_TLS_DONE && (e->o->send || e->reading))
		st = exchange(e, s);
	switch (st) {
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
