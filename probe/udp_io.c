/* The UDP engine's side that touches the network: its sockets (one unconnected socket per
 * family with IP_RECVERR / IPV6_RECVERR), the sends (sendmmsg for first attempts, sendto
 * for retries), and the evidence read back: ICMP errors from the error queue, where
 * msg_name holds the failed datagram's own destination, and answers as ordinary datagrams
 * from the probed address and port. Evidence decides every probe in flight to that
 * endpoint and feeds its host's round-trip estimate and pace (probe/udp_pace.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <time.h>	/* before errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/icmp.h"
#include "probe/payloads.h"
#include "probe/udp_engine.h"

int ps_udp_open_socket(struct ps_udp_engine *e, int k, ps_err *err)
{
	int family = k % 2 ? AF_INET6 : AF_INET, one = 1, fd, bufsz = 4 << 20;
	union ps_sockaddr sa = { 0 };
	socklen_t len;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return ps_err_system(err, "udp socket: %s", strerror(errno));
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one))
			      : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)))
		goto fail;
	/* A large buffer keeps the error queue from overflowing between drains; beyond
	 * rmem_max only root may force it, and the drains keep up without it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (e->o->nsources)
		sa = e->o->sources[k / 2];
	sa.sa.sa_family = (sa_family_t)family;
	len = family == AF_INET6 ? sizeof(sa.v6) : sizeof(sa.v4);
	if (bind(fd, &sa.sa, len) < 0 || getsockname(fd, &sa.sa, &len) < 0)
		goto fail;
	e->fd[k] = fd;
	e->own_port[k] = ps_sockaddr_port(&sa);
	return 0;
fail:
	ps_err_system(err, "udp socket: %s", strerror(errno));
	(void)close(fd);
	return -1;
}

void ps_udp_report(struct ps_udp_engine *e, const struct ps_probe_job *job,
		   enum ps_probe_state st, const char *reason, double rtt, const char *error,
		   const uint8_t *data, size_t len)
{
	struct probe_result r;

	ps_result_from_job(&r, job, IPPROTO_UDP);
	r.state = st;
	r.reason = reason;
	r.rtt_ms = rtt;
	if (error) {
		size_t n = strlen(error);

		if (n >= sizeof(r.error))
			n = sizeof(r.error) - 1;
		memcpy(r.error, error, n);
		r.error[n] = '\0';
	}
	if (data) {
		r.banner_len = len < sizeof(r.banner) ? len : sizeof(r.banner);
		memcpy(r.banner, data, r.banner_len);
		r.has_banner = 1;
		if (e->o->expect) {
			r.expect_ok = e->o->expect_len <= len &&
				      memmem(data, len, e->o->expect, e->o->expect_len) != NULL;
			/* One vocabulary with TCP: the reply's content decides the reason. */
			r.reason = r.expect_ok ? "expect-matched" : "expect-mismatch";
		}
	}
	e->cb(&r, e->ctx);
}

/* A host's learned budget is what bounds the run: note it (every source's share). */
static void note_bound(struct ps_udp_engine *e, const struct ps_udp_dest *d)
{
	struct ps_probe_bound *b = e->o->bound;
	const void *a = d->addr.sa.sa_family == AF_INET6 ? (const void *)&d->addr.v6.sin6_addr
							 : (const void *)&d->addr.v4.sin_addr;

	if (!b || !d->pace.limited || d->pace.rate <= 0)
		return;
	if (!inet_ntop(d->addr.sa.sa_family, a, b->host, sizeof(b->host)))
		b->host[0] = '\0';
	b->errors_per_s = d->pace.rate * 1000 * ((double)e->nsocks / 2);
}

/* An error for endpoint sa from socket k with no probe in flight: a canary's, when sa is
 * the port its host's canaries go to. */
static void canary_error(struct ps_udp_engine *e, int k, const union ps_sockaddr *sa,
			 enum ps_probe_state st, double t)
{
	for (int j = 0; j < e->ndests; j++) {
		struct ps_udp_dest *d = &e->dests[j];

		if (d->sock == k && st == PS_PROBE_CLOSED && d->canary_port &&
		    d->canary_port == ps_sockaddr_port(sa) && ps_sockaddr_same_host(&d->addr, sa)) {
			ps_udp_pace_canary_error(&d->pace, t);
			note_bound(e, d);
			return;
		}
	}
}

/* Evidence for endpoint sa (from socket k): every probe in flight to it gets the
 * verdict. */
static void decide(struct ps_udp_engine *e, int k, const union ps_sockaddr *sa,
		   enum ps_probe_state st, const char *reason, double t, const uint8_t *data,
		   size_t len)
{
	int i, n = 0;

	while ((i = ps_udp_slot_find(e, sa)) >= 0) {
		struct ps_udp_slot *s = &e->slots[i];
		double rtt = s->attempts ? t - s->sent : -1;
		bool icmp = st == PS_PROBE_CLOSED || st == PS_PROBE_FILTERED;
		bool lost_covered = s->nbudget > (s->last_budget ? 1 : 0);

		/* The first sample can shorten every wait in flight: look again. */
		if (ps_udp_pace_evidence(&s->dest->pace, s->attempts, s->sent, t, icmp, lost_covered))
			e->min_deadline = t;
		note_bound(e, s->dest);
		if (st == PS_PROBE_CLOSED)
			s->dest->canary_port = ps_sockaddr_port(sa);
		ps_udp_report(e, &s->job, st, reason, rtt, NULL, data, len);
		ps_udp_slot_release(e, i);
		n++;
	}
	if (!n)
		canary_error(e, k, sa, st, t);
}

static void send_error(struct ps_udp_engine *e, const struct ps_probe_job *job, int errnum)
{
	/* The local stack's own verdicts: a neighbour that never answered ARP/ND is the
	 * same host-unreachable an ICMP error would say; no route at all stops the probe. */
	if (errnum == EHOSTUNREACH)
		ps_udp_report(e, job, PS_PROBE_FILTERED, "icmp-host-unreachable", -1, NULL, NULL, 0);
	else
		ps_udp_report(e, job, PS_PROBE_ERROR,
			      errnum == ENETUNREACH ? "no-route" : "send-error", -1,
			      strerror(errnum), NULL, 0);
}

static void payload_of(const struct ps_udp_engine *e, const struct ps_udp_slot *s,
		       const void **data, size_t *len)
{
	const struct ps_payload *p;

	if (e->o->udp_payload) {
		*data = e->o->udp_payload;
		*len = e->o->udp_payload_len;
		return;
	}
	/* A port without a protocol of its own gets portscope's responder request: serve
	 * answers nothing else, and the padding lets its reply come back whole. */
	p = ps_payload_for_port(ps_sockaddr_port(&s->job.addr));
	if (!p)
		p = ps_payload_responder();
	*data = p->data;
	*len = p->len;
}

static void mark_sent(struct ps_udp_engine *e, struct ps_udp_slot *s, double t)
{
	s->attempts++;
	s->sent = t;
	s->nbudget += s->cov_next;
	s->last_budget = s->cov_next;
	s->cov_next = false;
	s->deadline = t + ps_udp_pace_wait(&s->dest->pace, e->o->timeout_ms, e->o->timeout_set,
					   ps_udp_slot_backoff(s));
	if (s->deadline < e->min_deadline)
		e->min_deadline = s->deadline;
	s->held = false;
}

/* One datagram: 0, or -1 with errno. A queued ICMP error is reported once through the
 * next socket call, which may be this send: it belongs to an earlier probe, the error
 * queue has it (admin-prohibited says EHOSTUNREACH), and the send is tried again. A local
 * failure fails every time. */
static int send_datagram(int fd, const void *data, size_t len, const union ps_sockaddr *to)
{
	for (int tries = 0;; tries++) {
		if (sendto(fd, data, len, 0, &to->sa, ps_sockaddr_len(to)) >= 0)
			return 0;
		if ((errno != ECONNREFUSED && errno != EINTR && errno != EHOSTUNREACH &&
		     errno != ENETUNREACH && errno != EPROTO && errno != EACCES) || tries >= 4)
			return -1;
	}
}

int ps_udp_transmit(struct ps_udp_engine *e, int i, double t)
{
	struct ps_udp_slot *s = &e->slots[i];
	const void *data;
	size_t len;

	payload_of(e, s, &data, &len);
	if (send_datagram(e->fd[s->sock], data, len, &s->job.addr) < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			return 1;
		send_error(e, &s->job, errno);
		ps_udp_slot_release(e, i);
		return -1;
	}
	mark_sent(e, s, t);
	return 0;
}

/* One sendmmsg for as many of the batch as the kernel takes; a datagram it refuses is
 * retried alone to learn why. */
void ps_udp_send_batch(struct ps_udp_engine *e, int k, const int *idx, int m, double t)
{
	struct mmsghdr mm[PS_UDP_BATCH];
	struct iovec iov[PS_UDP_BATCH];
	int done = 0;

	for (int j = 0; j < m; j++) {
		struct ps_udp_slot *s = &e->slots[idx[j]];
		const void *data;
		size_t len;

		payload_of(e, s, &data, &len);
		iov[j] = (struct iovec){ (void *)data, len };
		mm[j].msg_hdr = (struct msghdr){ .msg_name = &s->job.addr,
						 .msg_namelen = ps_sockaddr_len(&s->job.addr),
						 .msg_iov = &iov[j], .msg_iovlen = 1 };
	}
	while (done < m) {
		int n = sendmmsg(e->fd[k], mm + done, (unsigned)(m - done), 0);

		if (n > 0) {
			for (int j = done; j < done + n; j++)
				mark_sent(e, &e->slots[idx[j]], t);
			done += n;
			continue;
		}
		if (ps_udp_transmit(e, idx[done], t) == 1) {
			/* Buffer full: the rest wait a moment, as first attempts still. */
			for (int j = done; j < m; j++)
				e->slots[idx[j]].deadline = t + 1;
			if (e->min_deadline > t + 1)
				e->min_deadline = t + 1;
			return;
		}
		done++;
	}
}

static void error_one(struct ps_udp_engine *e, int k, struct msghdr *m,
		      const union ps_sockaddr *from, double t)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct sock_extended_err ee;
		enum ps_probe_state st;
		const char *reason;
		int i;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (m->msg_namelen == 0)
			continue;
		/* msg_name is the failed datagram's own destination */
		if (ps_icmp_errqueue_verdict(&ee, IPPROTO_UDP, &st, &reason)) {
			decide(e, k, from, st, reason, t, NULL, 0);
		} else if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
			while ((i = ps_udp_slot_find(e, from)) >= 0) {
				send_error(e, &e->slots[i].job, (int)ee.ee_errno);
				ps_udp_slot_release(e, i);
			}
		}
	}
}

/* Read the error queue, PS_UDP_ERR_BATCH messages a call. */
static void drain_errors(struct ps_udp_engine *e, int sock)
{
	int fd = e->fd[sock];
	struct ps_udp_errq *q = &e->errq;

	for (;;) {
		int n;
		double t;

		for (int j = 0; j < PS_UDP_ERR_BATCH; j++) {
			q->iov[j] = (struct iovec){ q->data[j], sizeof(q->data[j]) };
			q->mm[j].msg_hdr = (struct msghdr){ .msg_name = &q->from[j],
							    .msg_namelen = sizeof(q->from[j]),
							    .msg_iov = &q->iov[j], .msg_iovlen = 1,
							    .msg_control = q->ctl[j].buf,
							    .msg_controllen = sizeof(q->ctl[j].buf) };
		}
		n = recvmmsg(fd, q->mm, PS_UDP_ERR_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		t = ps_clock_ms();
		for (int j = 0; j < n; j++)
			error_one(e, sock, &q->mm[j].msg_hdr, &q->from[j], t);
		if (n < PS_UDP_ERR_BATCH)
			return;
	}
}

static void drain_answers(struct ps_udp_engine *e, int k)
{
	int fd = e->fd[k];

	for (;;) {
		union ps_sockaddr from = { 0 };
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, e->buf, sizeof(e->buf), MSG_DONTWAIT, &from.sa, &flen);

		if (n < 0) {
			/* A pending ICMP error surfaces here once; the error queue holds it. */
			if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == EACCES || errno == EPROTO)
				continue;
			return;
		}
		if (from.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&from.v6.sin6_addr))
			continue;
		decide(e, k, &from, PS_PROBE_OPEN, "udp-response", ps_clock_ms(), e->buf, (size_t)n);
	}
}

void ps_udp_drain(struct ps_udp_engine *e)
{
	for (int k = 0; k < e->nsocks; k++) {
		if (e->fd[k] < 0)
			continue;
		drain_errors(e, k);
		drain_answers(e, k);
	}
}

double ps_udp_canaries(struct ps_udp_engine *e, double t)
{
	const struct ps_payload *p = ps_payload_responder();
	double next = INFINITY;

	if (e->o->retries >= 0)
		return next;	/* attempts as given: nothing to measure */
	for (int j = 0; j < e->ndests; j++) {
		struct ps_udp_dest *d = &e->dests[j];
		unsigned n = d->canary_port ? ps_udp_pace_canaries_due(&d->pace, t) : 0;
		union ps_sockaddr to = d->addr;
		unsigned sent = 0;
		double at;

		ps_sockaddr_set_port(&to, d->canary_port);
		/* One canary's error arrives before the next is sent (and is reported by
		 * that send): the batch goes on. */
		while (sent < n && (e->o->rate <= 0 || ps_tbucket_take(&e->rate, t)) &&
		       send_datagram(e->fd[d->sock], p->data, p->len, &to) == 0)
			sent++;
		if (n)
			ps_udp_pace_canaries_sent(&d->pace, sent ? sent : n, t);
		at = d->canary_port ? ps_udp_pace_canaries_at(&d->pace) : INFINITY;
		if (at < next)
			next = at;
	}
	return next;
}
