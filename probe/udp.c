/* The UDP engine. One unconnected socket per family (IP_RECVERR / IPV6_RECVERR) sends to
 * every port; the kernel queues each ICMP error it matches to that socket on the error
 * queue, where msg_name holds the original destination (address and port) and the
 * sock_extended_err the ICMP type and code. Answers arrive as ordinary datagrams whose
 * source is the probed address and port. A table of probes in flight, hashed by
 * destination, turns either kind of evidence into a verdict; what stays silent is
 * retried, then reported open|filtered.
 *
 * Two kernel facts shape it:
 * - The error queue is charged to the receive buffer; errors beyond it are dropped
 *   silently, so it is drained after every batch of sends and the buffer is enlarged.
 * - ICMP errors are rate limited per peer (net.ipv4.icmp_ratelimit, 1 s with a burst of 6
 *   by default) and globally (icmp_msgs_per_sec), except towards loopback. A dropped
 *   error looks exactly like a silent port, so a host that sends errors for some ports
 *   and is silent on others (or answers a retry with an error the first attempt did not
 *   get) is probed carefully: its sends are paced, the pace following how often its
 *   errors come, and its silent ports get up to PS_UDP_RATELIMIT_ATTEMPTS attempts before
 *   being called open|filtered.
 *
 * Our own socket holds one port; probing that port on a local address would reach
 * ourselves, so such jobs are held back and probed at the end from a fresh socket after
 * the first one is closed. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/icmp.h"
#include "probe/payloads.h"
#include "probe/udp.h"

#define BATCH 64		/* sends between two drains of the queues */
#define MAX_DESTS 256		/* hosts with their own RTT estimate; more share the last */

struct dest {
	union ps_sockaddr addr;	/* port 0 */
	double srtt, rttvar;	/* ms; srtt < 0: no sample yet */
	double next_send;	/* paced hosts: earliest next send (ms) */
	double pace_ms;		/* paced hosts: interval between sends, 0 unpaced */
	double last_icmp;
	double err_gap;		/* smoothed time between its ICMP errors (ms), < 0 none yet */
	unsigned icmps;
	bool limited;		/* its ICMP errors may be rate limited: careful mode */
	bool confirmed;		/* a retry drew out an error the first attempt did not */
	double limited_since;
	bool loopback;
};

struct slot {
	struct ps_probe_job job;
	struct dest *dest;
	double sent;		/* time of the last attempt (ms) */
	double deadline;	/* when the last attempt counts as unanswered */
	int attempts;
	int next;		/* hash chain, -1 ends */
	bool used;
};

struct engine {
	const struct ps_probe_opts *o;
	ps_result_cb cb;
	void *ctx;
	int fd[2];		/* [0] IPv4, [1] IPv6; -1 until needed */
	uint16_t own_port[2];
	struct slot *slots;
	int *free_list, nfree, cap, inflight;
	int *heads;
	unsigned hmask;
	struct dest dests[MAX_DESTS];
	int ndests;
	struct ps_probe_job *held;	/* jobs for our own port, probed last */
	size_t nheld, held_cap;
	double next_send;	/* --rate pacing */
	double min_deadline;
	uint8_t buf[2048];
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fam_index(int family)
{
	return family == AF_INET6;
}

static uint16_t sa_port(const union ps_sockaddr *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET6 ? sa->v6.sin6_port : sa->v4.sin_port);
}

static bool same_host(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, sizeof(a->v6.sin6_addr)) == 0;
}

static bool same_endpoint(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	return same_host(a, b) && sa_port(a) == sa_port(b);
}

static unsigned hash_endpoint(const union ps_sockaddr *sa)
{
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t n;

	if (sa->sa.sa_family == AF_INET) {
		p = (const uint8_t *)&sa->v4.sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&sa->v6.sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= sa_port(sa);
	h *= 2654435761u;
	return h ^ (h >> 15);
}

const char *ps_udp_icmp_reason(int family, int type, int code, enum ps_probe_state *state)
{
	const char *reason;

	return ps_icmp_verdict(family, type, code, IPPROTO_UDP, state, &reason) ? reason : NULL;
}

static int open_socket(struct engine *e, int family, ps_err *err)
{
	int i = fam_index(family), one = 1, fd, bufsz = 4 << 20;
	union ps_sockaddr sa = { 0 };
	socklen_t len;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return ps_err_set(err, "udp socket: %s", strerror(errno));
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
	sa.sa.sa_family = (sa_family_t)family;
	len = family == AF_INET6 ? sizeof(sa.v6) : sizeof(sa.v4);
	if (bind(fd, &sa.sa, len) < 0 || getsockname(fd, &sa.sa, &len) < 0)
		goto fail;
	e->fd[i] = fd;
	e->own_port[i] = sa_port(&sa);
	return 0;
fail:
	ps_err_set(err, "udp socket: %s", strerror(errno));
	if (close(fd) < 0)
		return -1;
	return -1;
}

static struct dest *dest_for(struct engine *e, const union ps_sockaddr *addr)
{
	struct dest *d;

	for (int i = 0; i < e->ndests; i++)
		if (same_host(&e->dests[i].addr, addr))
			return &e->dests[i];
	if (e->ndests == MAX_DESTS)
		return &e->dests[MAX_DESTS - 1];
	d = &e->dests[e->ndests++];
	memset(d, 0, sizeof(*d));
	d->addr = *addr;
	ps_sockaddr_set_port(&d->addr, 0);
	d->srtt = -1;
	d->err_gap = -1;
	d->loopback = ps_sockaddr_is_loopback(addr);
	return d;
}

/* How long attempt n (1-based) waits for evidence. Before any sample: the full timeout,
 * except over loopback where the path itself costs nothing and only the service's
 * scheduling delay is waited for. */
static double wait_ms(const struct engine *e, const struct dest *d, int attempt)
{
	double w, cap = e->o->timeout_ms > 0 ? e->o->timeout_ms : 1000;
	double low = d->loopback ? PS_UDP_MIN_WAIT_LOOPBACK_MS : PS_UDP_MIN_WAIT_MS;

	if (d->srtt >= 0)
		w = d->srtt + 4 * d->rttvar;
	else
		w = d->loopback ? 2 * low : cap;
	if (w < low)
		w = low;
	for (int i = 1; i < attempt && w < cap; i++)
		w *= 2;
	return w < cap ? w : cap;
}

/* RFC 6298 smoothing; only first attempts are sampled (Karn: a retried probe's answer
 * cannot be matched to one send). */
static void rtt_sample(struct dest *d, double rtt)
{
	if (d->srtt < 0) {
		d->srtt = rtt;
		d->rttvar = rtt / 2;
		return;
	}
	d->rttvar = 0.75 * d->rttvar + 0.25 * (d->srtt > rtt ? d->srtt - rtt : rtt - d->srtt);
	d->srtt = 0.875 * d->srtt + 0.125 * rtt;
}

static int hash_find(const struct engine *e, const union ps_sockaddr *sa)
{
	for (int i = e->heads[hash_endpoint(sa) & e->hmask]; i >= 0; i = e->slots[i].next)
		if (same_endpoint(&e->slots[i].job.addr, sa))
			return i;
	return -1;
}

static void slot_release(struct engine *e, int i)
{
	int *pp = &e->heads[hash_endpoint(&e->slots[i].job.addr) & e->hmask];

	while (*pp != i)
		pp = &e->slots[*pp].next;
	*pp = e->slots[i].next;
	e->slots[i].used = false;
	e->free_list[e->nfree++] = i;
	e->inflight--;
}

static void report(struct engine *e, const struct ps_probe_job *job, enum ps_probe_state st,
		   const char *reason, double rtt, const char *error, const uint8_t *data,
		   size_t len)
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
		if (e->o->expect)
			r.expect_ok = e->o->expect_len <= len &&
				      memmem(data, len, e->o->expect, e->o->expect_len) != NULL;
	}
	e->cb(&r, e->ctx);
}

/* Careful mode for a host whose ICMP errors may be rate limited (Linux: a burst of 6,
 * then one per net.ipv4.icmp_ratelimit ms, 1000 by default): sends are paced; at each
 * drop seen (a retry drew out an error the first attempt did not get) the pace slows to
 * the interval the host's errors actually arrive at, and each error a first attempt draws
 * speeds it up a little (x0.95); silence changes nothing, since a port may really be
 * silent. Once a drop is seen, silent ports get PS_UDP_RATELIMIT_ATTEMPTS attempts. */
static void limit(struct dest *d, double t)
{
	d->limited = true;
	d->limited_since = t;
	d->pace_ms = 100;
}

/* Linux refills a host's ICMP budget once a second by default: silence in careful mode
 * is believed only after watching the host for longer than that. */
#define CAREFUL_WATCH_MS 1500

/* True when slot s has had all the attempts it gets, at time t. */
static bool attempts_done(const struct engine *e, const struct slot *s, double t)
{
	const struct dest *d = s->dest;
	int n = 1 + (e->o->retries >= 0 ? e->o->retries : PS_UDP_DEFAULT_RETRIES);

	if (s->attempts < n)
		return false;
	if (!d->limited || s->attempts >= PS_UDP_RATELIMIT_ATTEMPTS)
		return true;
	return !d->confirmed && t - d->limited_since >= CAREFUL_WATCH_MS;
}

/* Evidence for endpoint sa: every probe in flight to it gets the verdict. */
static void decide(struct engine *e, const union ps_sockaddr *sa, enum ps_probe_state st,
		   const char *reason, double t, const uint8_t *data, size_t len)
{
	int i;

	while ((i = hash_find(e, sa)) >= 0) {
		struct slot *s = &e->slots[i];
		double rtt = s->attempts ? t - s->sent : -1;

		if (s->attempts == 1) {
			bool first = s->dest->srtt < 0;

			rtt_sample(s->dest, rtt);
			/* The first sample can shorten every wait in flight: look again. */
			if (first)
				e->min_deadline = t;
		}
		if (st == PS_PROBE_CLOSED || st == PS_PROBE_FILTERED) {
			struct dest *d = s->dest;

			if (d->icmps++) {
				double gap = t - d->last_icmp;

				d->err_gap = d->err_gap < 0 ? gap : 0.7 * d->err_gap + 0.3 * gap;
			}
			d->last_icmp = t;
			/* An error that only a retry drew out: the first one was dropped. */
			if (s->attempts > 1 && !d->loopback) {
				/* A drop: the first attempt went out faster than the budget. */
				if (!d->limited)
					limit(d, t);
				d->confirmed = true;
				/* Saturated, the errors come at the budget's own rate. */
				if (d->pace_ms < 1.1 * d->err_gap)
					d->pace_ms = 1.1 * d->err_gap;
				if (d->pace_ms < 10)
					d->pace_ms = 10;
				if (d->pace_ms > 1e3)
					d->pace_ms = 1e3;
			} else if (d->limited) {
				/* Answered at the first try: the budget allows a little faster. */
				d->pace_ms = d->pace_ms * 0.95 < 0.1 ? 0.1 : d->pace_ms * 0.95;
			}
		}
		report(e, &s->job, st, reason, rtt, NULL, data, len);
		slot_release(e, i);
	}
}

static void send_error(struct engine *e, const struct ps_probe_job *job, int errnum)
{
	/* The local stack's own verdicts: a neighbour that never answered ARP/ND is the
	 * same host-unreachable an ICMP error would say; no route at all stops the probe. */
	if (errnum == EHOSTUNREACH)
		report(e, job, PS_PROBE_FILTERED, "icmp-host-unreachable", -1, NULL, NULL, 0);
	else
		report(e, job, PS_PROBE_ERROR, errnum == ENETUNREACH ? "no-route" : "send-error",
		       -1, strerror(errnum), NULL, 0);
}

static void payload_of(const struct engine *e, const struct slot *s, const void **data,
		       size_t *len)
{
	const struct ps_payload *p;

	*data = "";
	*len = 0;
	if (e->o->udp_payload) {
		*data = e->o->udp_payload;
		*len = e->o->udp_payload_len;
	} else if ((p = ps_payload_for_port(sa_port(&s->job.addr)))) {
		*data = p->data;
		*len = p->len;
	}
}

static void mark_sent(struct engine *e, struct slot *s, double t)
{
	s->attempts++;
	s->sent = t;
	s->deadline = t + wait_ms(e, s->dest, s->attempts);
	if (s->deadline < e->min_deadline)
		e->min_deadline = s->deadline;
	if (s->dest->pace_ms > 0)
		s->dest->next_send = t + s->dest->pace_ms;
}

/* Send attempt for slot i. Returns 0 sent, 1 try later (buffer full), -1 reported. */
static int transmit(struct engine *e, int i, double t)
{
	struct slot *s = &e->slots[i];
	const void *data;
	size_t len;
	ssize_t n;

	payload_of(e, s, &data, &len);
	for (int tries = 0;; tries++) {
		n = sendto(e->fd[fam_index(s->job.addr.sa.sa_family)], data, len, 0,
			   &s->job.addr.sa, ps_sockaddr_len(&s->job.addr));
		if (n >= 0)
			break;
		/* A queued ICMP error is reported once through the next socket call, which
		 * may be this send: it belongs to an earlier probe, the error queue has it. */
		if ((errno == ECONNREFUSED || errno == EINTR) && tries < 4)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS)
			return 1;
		send_error(e, &s->job, errno);
		slot_release(e, i);
		return -1;
	}
	mark_sent(e, s, t);
	return 0;
}

/* First attempts for slots idx[0..m), all of family index fi, in one sendmmsg where the
 * kernel takes them all; a datagram it refuses is retried alone to learn why. */
static void send_batch(struct engine *e, int fi, const int *idx, int m, double t)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int done = 0;

	for (int k = 0; k < m; k++) {
		struct slot *s = &e->slots[idx[k]];
		const void *data;
		size_t len;

		payload_of(e, s, &data, &len);
		iov[k] = (struct iovec){ (void *)data, len };
		mm[k].msg_hdr = (struct msghdr){ .msg_name = &s->job.addr,
						 .msg_namelen = ps_sockaddr_len(&s->job.addr),
						 .msg_iov = &iov[k], .msg_iovlen = 1 };
	}
	while (done < m) {
		int n = sendmmsg(e->fd[fi], mm + done, (unsigned)(m - done), 0);

		if (n > 0) {
			for (int k = done; k < done + n; k++)
				mark_sent(e, &e->slots[idx[k]], t);
			done += n;
			continue;
		}
		if (transmit(e, idx[done], t) == 1) {
			/* Buffer full: the rest wait a moment, as first attempts still. */
			for (int k = done; k < m; k++)
				e->slots[idx[k]].deadline = t + 1;
			if (e->min_deadline > t + 1)
				e->min_deadline = t + 1;
			return;
		}
		done++;
	}
}

static void error_one(struct engine *e, struct msghdr *m, const union ps_sockaddr *from, double t)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct sock_extended_err ee;
		enum ps_probe_state st;
		const char *reason;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (m->msg_namelen == 0)
			continue;
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
			/* msg_name is the failed datagram's own destination */
			if (ps_icmp_errqueue_verdict(&ee, IPPROTO_UDP, &st, &reason))
				decide(e, from, st, reason, t, NULL, 0);
		} else if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
			int i;

			while ((i = hash_find(e, from)) >= 0) {
				send_error(e, &e->slots[i].job, (int)ee.ee_errno);
				slot_release(e, i);
			}
		}
	}
}

#define ERR_BATCH 64

/* Read the error queue, ERR_BATCH messages a call. */
static void drain_errors(struct engine *e, int fi)
{
	static union ps_sockaddr from[ERR_BATCH];
	static union {
		char buf[128];
		struct cmsghdr align;
	} ctl[ERR_BATCH];
	static uint8_t data[ERR_BATCH][64];
	struct mmsghdr mm[ERR_BATCH];
	struct iovec iov[ERR_BATCH];

	for (;;) {
		int n;
		double t;

		for (int k = 0; k < ERR_BATCH; k++) {
			iov[k] = (struct iovec){ data[k], sizeof(data[k]) };
			mm[k].msg_hdr = (struct msghdr){ .msg_name = &from[k],
							 .msg_namelen = sizeof(from[k]),
							 .msg_iov = &iov[k], .msg_iovlen = 1,
							 .msg_control = ctl[k].buf,
							 .msg_controllen = sizeof(ctl[k].buf) };
		}
		n = recvmmsg(e->fd[fi], mm, ERR_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		t = now_ms();
		for (int k = 0; k < n; k++)
			error_one(e, &mm[k].msg_hdr, &from[k], t);
		if (n < ERR_BATCH)
			return;
	}
}

static void drain_answers(struct engine *e, int fi)
{
	for (;;) {
		union ps_sockaddr from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(e->fd[fi], e->buf, sizeof(e->buf), MSG_DONTWAIT, &from.sa, &flen);

		if (n < 0) {
			/* A pending ICMP error surfaces here once; the error queue holds it. */
			if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == EACCES || errno == EPROTO)
				continue;
			return;
		}
		if (from.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&from.v6.sin6_addr))
			continue;
		decide(e, &from, PS_PROBE_OPEN, "udp-response", now_ms(), e->buf, (size_t)n);
	}
}

static void drain(struct engine *e)
{
	for (int fi = 0; fi < 2; fi++) {
		if (e->fd[fi] < 0)
			continue;
		drain_errors(e, fi);
		drain_answers(e, fi);
	}
}

/* Expired attempts: resend or report open|filtered. Returns the number of resends that
 * had to wait (paced host, full buffer). */
static void expire(struct engine *e, double t)
{
	double next = t + 1e9;

	if (t < e->min_deadline)
		return;
	for (int i = 0; i < e->cap; i++) {
		struct slot *s = &e->slots[i];

		if (!s->used)
			continue;
		/* A wait set before the host's first round trip was measured shrinks to the
		 * measured one (paced hosts keep theirs: their deadline is the next slot). */
		if (s->attempts > 0 && s->dest->pace_ms <= 0) {
			double dl = s->sent + wait_ms(e, s->dest, s->attempts);

			if (dl < s->deadline)
				s->deadline = dl;
		}
		if (s->deadline <= t) {
			struct dest *d = s->dest;

			/* Silence from a host that does send errors may be an error the host
			 * was not allowed to send: treat it as rate limited. */
			if (s->attempts >= 1 && d->icmps > 0 && !d->limited && !d->loopback)
				limit(d, t);
			if (!attempts_done(e, s, t)) {
				if (s->dest->pace_ms > 0 && t < s->dest->next_send) {
					s->deadline = s->dest->next_send;
				} else if (transmit(e, i, t) != 0) {
					if (s->used)
						s->deadline = t + 1;
					else
						continue;
				}
			} else {
				report(e, &s->job, PS_PROBE_OPEN_FILTERED, "timeout", -1, NULL, NULL, 0);
				slot_release(e, i);
				continue;
			}
		}
		if (s->deadline < next)
			next = s->deadline;
	}
	e->min_deadline = next;
}

static int hold(struct engine *e, const struct ps_probe_job *job, ps_err *err)
{
	if (e->nheld == e->held_cap) {
		size_t cap = e->held_cap ? 2 * e->held_cap : 8;
		struct ps_probe_job *v = realloc(e->held, cap * sizeof(*v));

		if (!v)
			return ps_err_set(err, "out of memory");
		e->held = v;
		e->held_cap = cap;
	}
	e->held[e->nheld++] = *job;
	return 0;
}

/* Run jobs from next(src) until all are decided. hold_own: hold back jobs for our own
 * port (first pass); the second pass probes them from fresh sockets. */
static int run(struct engine *e, ps_job_next_fn next, void *src, bool hold_own, ps_err *err)
{
	bool more = true;
	struct ps_probe_job job;
	bool have_job = false;

	while (more || have_job || e->inflight > 0) {
		double t = now_ms(), wake;
		int sent = 0, timeout_ms, batch[BATCH], batch_fi = 0;
		struct pollfd pfd[2];
		nfds_t np = 0;

		while ((have_job || more) && e->inflight < e->cap && sent < BATCH) {
			struct dest *d;
			int fi, i;

			if (!have_job) {
				if (!next(src, &job)) {
					more = false;
					break;
				}
				have_job = true;
			}
			fi = fam_index(job.addr.sa.sa_family);
			if (e->fd[fi] < 0 && open_socket(e, job.addr.sa.sa_family, err) < 0)
				return -1;
			if (hold_own && sa_port(&job.addr) == e->own_port[fi]) {
				if (hold(e, &job, err) < 0)
					return -1;
				have_job = false;
				continue;
			}
			if (sent && fi != batch_fi)
				break;
			if (e->o->rate > 0 && t < e->next_send)
				break;
			d = dest_for(e, &job.addr);
			if (d->pace_ms > 0 && t < d->next_send)
				break;
			/* The same endpoint twice at once would share one verdict: fine, the
			 * hash chain finds both. */
			i = e->free_list[--e->nfree];
			e->slots[i] = (struct slot){ .job = job, .dest = d, .used = true };
			e->slots[i].next = e->heads[hash_endpoint(&job.addr) & e->hmask];
			e->heads[hash_endpoint(&job.addr) & e->hmask] = i;
			e->inflight++;
			have_job = false;
			batch[sent++] = i;
			batch_fi = fi;
			if (d->pace_ms > 0)
				d->next_send = t + d->pace_ms;
			if (e->o->rate > 0)
				e->next_send = (e->next_send > t - 1e3 / e->o->rate ? e->next_send : t) +
					       1e3 / e->o->rate;
		}
		if (sent)
			send_batch(e, batch_fi, batch, sent, t);
		drain(e);
		t = now_ms();
		expire(e, t);
		if (!more && !have_job && e->inflight == 0)
			break;
		/* Sleep until evidence, a deadline, or the next allowed send. */
		wake = e->min_deadline;
		if ((have_job || more) && e->inflight < e->cap) {
			double ns = t;

			if (e->o->rate > 0 && e->next_send > ns)
				ns = e->next_send;
			if (have_job) {
				struct dest *d = dest_for(e, &job.addr);

				if (d->pace_ms > 0 && d->next_send > ns)
					ns = d->next_send;
			}
			if (ns < wake)
				wake = ns;
		}
		if (sent == BATCH)
			wake = t;
		timeout_ms = wake <= t ? 0 : (int)(wake - t) + 1;
		for (int fi = 0; fi < 2; fi++)
			if (e->fd[fi] >= 0)
				pfd[np++] = (struct pollfd){ .fd = e->fd[fi], .events = POLLIN };
		if (np && poll(pfd, np, timeout_ms) < 0 && errno != EINTR)
			return ps_err_set(err, "poll: %s", strerror(errno));
	}
	return 0;
}

struct held_src {
	const struct ps_probe_job *v;
	size_t n, i;
};

static int held_next(void *src, struct ps_probe_job *job)
{
	struct held_src *h = src;

	if (h->i == h->n)
		return 0;
	*job = h->v[h->i++];
	return 1;
}

int ps_udp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err)
{
	struct engine *e = calloc(1, sizeof(*e));
	unsigned hs = 1;
	int rc = -1;

	if (!e)
		return ps_err_set(err, "out of memory");
	e->o = o;
	e->cb = cb;
	e->ctx = ctx;
	e->fd[0] = e->fd[1] = -1;
	e->cap = o->concurrency > 0 ? o->concurrency : PS_UDP_AUTO_CONCURRENCY;
	while (hs < 2u * (unsigned)e->cap)
		hs <<= 1;
	e->hmask = hs - 1;
	e->slots = calloc((size_t)e->cap, sizeof(*e->slots));
	e->free_list = calloc((size_t)e->cap, sizeof(*e->free_list));
	e->heads = malloc(hs * sizeof(*e->heads));
	if (!e->slots || !e->free_list || !e->heads) {
		ps_err_set(err, "out of memory");
		goto end;
	}
	memset(e->heads, 0xff, hs * sizeof(*e->heads));
	for (int i = 0; i < e->cap; i++)
		e->free_list[e->nfree++] = e->cap - 1 - i;
	e->min_deadline = 1e18;
	if (run(e, next, src, true, err) < 0)
		goto end;
	if (e->nheld) {
		/* Our own port: open the replacement first so it cannot be given the same
		 * port, then free the port and probe it as it really is. */
		int old[2] = { e->fd[0], e->fd[1] };
		struct held_src h = { e->held, e->nheld, 0 };

		for (int fi = 0; fi < 2; fi++) {
			if (old[fi] < 0)
				continue;
			e->fd[fi] = -1;
			if (open_socket(e, fi ? AF_INET6 : AF_INET, err) < 0) {
				e->fd[fi] = old[fi];
				goto end;
			}
			if (close(old[fi]) < 0) {
				ps_err_set(err, "close: %s", strerror(errno));
				goto end;
			}
		}
		if (run(e, held_next, &h, false, err) < 0)
			goto end;
	}
	rc = 0;
end:
	for (int fi = 0; fi < 2; fi++)
		if (e->fd[fi] >= 0 && close(e->fd[fi]) < 0 && rc == 0)
			rc = ps_err_set(err, "close: %s", strerror(errno));
	free(e->held);
	free(e->heads);
	free(e->free_list);
	free(e->slots);
	free(e);
	return rc;
}
