/* The connect state machine of the TCP engine, one attempt at a time: a non-blocking
 * socket and connect() (launch; over loopback the kernel has usually decided within that
 * call), the verdict read at once or from an epoll event (a connection, a reset, an ICMP
 * error on the error queue through probe/icmp.c, a timeout), then for --send / --expect
 * / --banner the send and read phases, and finally one result to the callback. A
 * connect waits as long as its host's round trips say (probe/rttcache.h, bounded by
 * --timeout), its reply or handshake the whole --timeout; the timer list is kept in the
 * order of deadlines. */
#include <errno.h>
#include <time.h>	/* before errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/icmp.h"
#include "probe/source.h"
#include "probe/tcp_engine.h"

#define EXPECT_BUF (PS_BANNER_MAX + 2 * PS_PAYLOAD_MAX)

static double ms_since(uint64_t start, uint64_t now)
{
	return (double)(now - start) / 1e6;
}

/* Close an fd whose connection is established with a reset (SO_LINGER {1,0}): no
 * FIN handshake and no TIME_WAIT, so a full-range scan does not pile up sockets on the
 * target or use up our ephemeral ports. */
void ps_tcp_close_reset(int fd)
{
	static const struct linger lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	(void)close(fd);
}

void ps_tcp_fill_reply(const struct engine *e, const struct slot *s, struct probe_result *r)
{
	if (s && s->buf && e->reading) {
		size_t n = s->len < PS_BANNER_MAX ? s->len : PS_BANNER_MAX;

		memcpy(r->banner, s->buf, n);
		r->banner_len = n;
		r->has_banner = n > 0;
		if (e->o->expect)
			r->expect_ok = s->len >= e->o->expect_len &&
				       memmem(s->buf, s->len, e->o->expect, e->o->expect_len) != NULL;
	} else if (e->o->expect) {
		r->expect_ok = 0;
	}
	if (r->state == PS_PROBE_OPEN && e->o->expect)
		r->reason = r->expect_ok ? "expect-matched" : "expect-mismatch";
}

bool ps_tcp_reply_buf(struct engine *e, struct slot *s)
{
	if (!s->buf) {
		s->cap = e->o->expect ? EXPECT_BUF : PS_BANNER_MAX;
		s->buf = malloc(s->cap);
	}
	return s->buf != NULL;
}

bool ps_tcp_reply_complete(const struct engine *e, const struct slot *s)
{
	if (s->len == s->cap)
		return true;
	if (e->o->expect)
		return memmem(s->buf, s->len, e->o->expect, e->o->expect_len) != NULL;
	return s->len > 0 && s->buf[s->len - 1] == '\n';	/* a banner line is complete */
}

static void emit(struct engine *e, const struct ps_probe_job *job, enum ps_probe_state st,
		 const char *reason, double rtt_ms, int errnum, const struct slot *s)
{
	struct probe_result r;

	ps_result_verdict(&r, job, IPPROTO_TCP, st, reason, rtt_ms, errnum ? strerror(errnum) : NULL);
	ps_tcp_fill_reply(e, s, &r);
	ps_tcp_deliver(e, &r);
}

void ps_tcp_deliver(struct engine *e, const struct probe_result *r)
{
	ps_job_feed_deliver(&e->sh->feed, r);
}

/* What the ICMP error queued on fd (IP_RECVERR) says, if anything: returns true and
 * sets the state and reason when an ICMP destination-unreachable was read. */
static bool icmp_verdict(int fd, enum ps_probe_state *st, const char **reason)
{
	char cbuf[512], dbuf[64];
	struct iovec iov = { dbuf, sizeof(dbuf) };
	struct msghdr msg = { 0 };
	bool found = false;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		const struct sock_extended_err *ee;

		if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (const struct sock_extended_err *)CMSG_DATA(c);
		if (ps_icmp_errqueue_verdict(ee, IPPROTO_TCP, st, reason))
			found = true;
	}
	return found;
}

/* How long attempt s->attempt of s may wait for the connect's answer (ns). */
static uint64_t connect_wait_ns(const struct engine *e, const struct slot *s)
{
	double max = (double)e->timeout_ns / 1e6;

	return (uint64_t)(ps_rttcache_wait(&e->rtt, &s->job.addr, s->attempt, PS_TCP_MIN_WAIT_MS,
					   max) * 1e6);
}

/* A round trip to a's host. Its first one shortens the connects to it still waiting
 * with the full timeout (for the first RETIME_HOSTS hosts of a run: one walk of the timer
 * list each, which pays off on a host with many filtered ports, not over a whole
 * network). */
#define RETIME_HOSTS 32
static void rtt_sample(struct engine *e, const union ps_sockaddr *a, double rtt)
{
	uint32_t i, next;

	if (!ps_rttcache_sample(&e->rtt, a, rtt) || e->retimed >= RETIME_HOSTS)
		return;
	e->retimed++;
	for (i = e->timers.head; i != NIL; i = next) {
		struct slot *s = &e->slots[i];
		uint64_t dl = s->start + connect_wait_ns(e, s);

		next = s->next;
		if (s->phase == PH_CONNECT && dl < s->deadline &&
		    ps_sockaddr_same_host(&s->job.addr, a)) {
			s->deadline = dl;
			ps_tcp_list_del(e, &e->timers, i);
			ps_tcp_timer_add(e, i);
		}
	}
}

/* The verdict for a connect that failed after it started (an answer came back).
 * Returns true when the socket is clean for another connect (a plain reset). */
static bool failed(struct engine *e, const struct slot *s, int fd, int errnum, double rtt)
{
	bool loop = ps_sockaddr_is_loopback(&s->job.addr);
	enum ps_probe_state st;
	const char *reason;

	/* Loopback sockets carry no IP_RECVERR (see launch): the errno is all there is. */
	if (!loop && errnum != ETIMEDOUT && icmp_verdict(fd, &st, &reason)) {
		emit(e, &s->job, st, reason, rtt, 0, NULL);
		return false;
	}
	switch (errnum) {
	case ECONNREFUSED:
		if (s->attempt == 1)
			rtt_sample(e, &s->job.addr, rtt);
		emit(e, &s->job, PS_PROBE_CLOSED, "reset", rtt, 0, NULL);
		return true;
	case EHOSTUNREACH: case EHOSTDOWN: case ENONET:
		emit(e, &s->job, PS_PROBE_UNREACHABLE, "host-unreachable", rtt, 0, NULL);
		break;
	case ENETUNREACH:
		emit(e, &s->job, PS_PROBE_UNREACHABLE, "net-unreachable", rtt, 0, NULL);
		break;
	case EACCES: case EPERM:	/* ICMPv6 admin-prohibited maps to EACCES */
		emit(e, &s->job, PS_PROBE_FILTERED, "admin-prohibited", rtt, 0, NULL);
		break;
	case ETIMEDOUT:
		emit(e, &s->job, PS_PROBE_FILTERED, "timeout", -1, 0, NULL);
		break;
	default:
		emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, errnum, NULL);
		break;
	}
	return false;
}

int ps_tcp_watch(struct engine *e, uint32_t i, uint32_t events)
{
	struct slot *s = &e->slots[i];
	struct epoll_event ev = { .events = events, .data.u32 = i };

	if (epoll_ctl(e->epfd, s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -1;
	s->registered = true;
	return 0;
}

/* The reply phase is over (matched, full, closed or timed out): report open. */
static void reply_done(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];

	emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, s);
	ps_tcp_close_reset(s->fd);
	ps_tcp_slot_finish(e, i, true);
}

/* Send what is left of --send; returns true when all of it is out. */
static bool send_more(struct engine *e, struct slot *s)
{
	while (s->sent < e->o->send_len) {
		ssize_t n = send(s->fd, e->o->send + s->sent, e->o->send_len - s->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return false;
		s->sent += (uint16_t)n;
	}
	return true;
}

static void read_more(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];

	for (;;) {
		ssize_t n = recv(s->fd, s->buf + s->len, s->cap - s->len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;	/* closed or reset by the service: report what came */
		s->len += (uint16_t)n;
		if (ps_tcp_reply_complete(e, s))
			break;
	}
	reply_done(e, i);
}

/* A connect to our own address can pick the destination port as its source port, and
 * then the SYN meets itself (simultaneous open): "connected" with no listener at all.
 * The kernel never hands out a port that a bound socket holds as an ephemeral port, so
 * this port has no listener. */
static bool self_connected(int fd, const union ps_sockaddr *dst)
{
	union ps_sockaddr me = { 0 };
	socklen_t len = sizeof(me);

	if (getsockname(fd, &me.sa, &len) < 0 || me.sa.sa_family != dst->sa.sa_family)
		return false;
	if (dst->sa.sa_family == AF_INET)
		return me.v4.sin_port == dst->v4.sin_port &&
		       me.v4.sin_addr.s_addr == dst->v4.sin_addr.s_addr;
	return me.v6.sin6_port == dst->v6.sin6_port &&
	       memcmp(&me.v6.sin6_addr, &dst->v6.sin6_addr, sizeof(me.v6.sin6_addr)) == 0;
}

/* The connection is up: report it, or go on to --send / the reply. */
static enum launch_rc connected(struct engine *e, uint32_t i, uint64_t now)
{
	struct slot *s = &e->slots[i];

	s->rtt_ms = (float)((double)(now - s->start) / 1e6);
	if (self_connected(s->fd, &s->job.addr)) {
		emit(e, &s->job, PS_PROBE_CLOSED, "self-connect", s->rtt_ms, 0, NULL);
		ps_tcp_close_reset(s->fd);
		return L_DONE;
	}
	if (s->attempt == 1)	/* Karn: a retried connect's answer is no sample */
		rtt_sample(e, &s->job.addr, s->rtt_ms);
	s->deadline = s->start + e->timeout_ns;	/* the reply gets the whole --timeout */
	if (s->job.tls && e->o->tls)
		return ps_tcp_tls_start(e, i, now);
	if (!e->o->send && !e->reading) {
		emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, NULL);
		ps_tcp_close_reset(s->fd);
		return L_DONE;
	}
	if (e->reading && !ps_tcp_reply_buf(e, s)) {
		ps_tcp_close_reset(s->fd);
		emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, ENOMEM, NULL);
		return L_DONE;
	}
	s->phase = PH_SEND;
	if (e->o->send && !send_more(e, s)) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			/* The service went away before our request: still open, no reply. */
			emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, s);
			ps_tcp_close_reset(s->fd);
			return L_DONE;
		}
		if (ps_tcp_watch(e, i, EPOLLOUT) < 0)
			goto fail;
		return L_FLIGHT;
	}
	if (!e->reading) {
		emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, NULL);
		ps_tcp_close_reset(s->fd);
		return L_DONE;
	}
	s->phase = PH_READ;
	if (ps_tcp_watch(e, i, EPOLLIN | EPOLLRDHUP) < 0)
		goto fail;
	return L_FLIGHT;
fail:
	emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, errno, NULL);
	ps_tcp_close_reset(s->fd);
	return L_DONE;
}

static bool fd_shortage(int errnum)
{
	return errnum == EMFILE || errnum == ENFILE || errnum == ENOBUFS || errnum == ENOMEM;
}

/* A fresh non-blocking socket for a, bound to the next --source address of its family
 * when there are any; -1 with errno on failure. */
static int new_socket(struct engine *e, const union ps_sockaddr *a)
{
	int fam = a->sa.sa_family, one = 1, fd, saved;
	union ps_sockaddr any = { 0 };

	if (e->o->nsources) {
		int i = ps_sources_pick(e->o->sources, e->o->nsources, fam, e->src_rr);

		if (i < 0) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		e->src_rr = i;
		any = e->o->sources[i];
	}

	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -1;
	/* A port of its own, bound once: a reused socket keeps it for every later connect,
	 * which then skips the kernel's search for a free ephemeral port (about a tenth of
	 * the CPU time of a loopback scan). */
	any.sa.sa_family = (sa_family_t)fam;
	ps_sockaddr_set_port(&any, 0);
	if (bind(fd, &any.sa, ps_sockaddr_len(&any)) < 0)
		goto fail;
	/* ICMP errors on the error queue tell admin-prohibited from host unreachable (both
	 * are EHOSTUNREACH in SO_ERROR for IPv4). Loopback has no router to send them, and
	 * skipping the call saves a syscall per port of a local scan. */
	if (!ps_sockaddr_is_loopback(a) &&
	    setsockopt(fd, fam == AF_INET ? SOL_IP : SOL_IPV6,
		       fam == AF_INET ? IP_RECVERR : IPV6_RECVERR, &one, sizeof(one)) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	(void)close(fd);
	errno = saved;
	return -1;
}

/* The attempt is decided at once, without epoll: report it and keep or close the fd. */
static enum launch_rc decided(struct engine *e, uint32_t i, int rc, int errnum)
{
	struct slot *s = &e->slots[i];
	int fd = s->fd;

	s->fd = -1;
	if (rc == 0 || errnum == EISCONN) {
		s->fd = fd;
		if (connected(e, i, ps_clock_ns()) == L_FLIGHT) {
			ps_tcp_timer_add(e, i);
			return L_FLIGHT;
		}
		s->fd = -1;
		return L_DONE;
	}
	if (failed(e, s, fd, errnum, ms_since(s->start, ps_clock_ns())))
		ps_tcp_pool_put(e, fd, &s->job.addr);
	else
		(void)close(fd);
	return L_DONE;
}

/* Start one attempt for slot i. L_DONE: decided at once (slot still to be freed by the
 * caller), L_FLIGHT: waiting (in the timer list), L_BACKOFF: no resources now, try later
 * (nothing reported), L_FATAL: the epoll set failed.
 *
 * A non-blocking connect() always says EINPROGRESS, yet on loopback (and over a veth to
 * a namespace) the kernel has handled our SYN and the answer within that very call. A
 * second connect() reads the verdict (0: established, EALREADY: still waiting, an
 * errno: refused or unreachable), so most attempts never reach epoll. */
enum launch_rc ps_tcp_launch(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	const union ps_sockaddr *a = &s->job.addr;
	int fd, rc, errnum;

	fd = ps_tcp_pool_take(e, a);
	if (fd < 0 && (fd = new_socket(e, a)) < 0) {
		/* No descriptor, or no free local port: later, with fewer in flight. */
		if (fd_shortage(errno) || errno == EADDRINUSE || errno == EADDRNOTAVAIL)
			return L_BACKOFF;
		emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, errno, NULL);
		return L_DONE;
	}
	s->fd = fd;
	s->start = ps_clock_ns();
	s->attempt++;
	s->deadline = s->start + connect_wait_ns(e, s);
	rc = connect(fd, &a->sa, ps_sockaddr_len(a));
	errnum = rc < 0 ? errno : 0;
	if (rc < 0 && errnum == EINPROGRESS) {
		rc = connect(fd, &a->sa, ps_sockaddr_len(a));
		errnum = rc < 0 ? errno : 0;
	} else if (rc < 0) {
		goto local_failure;	/* connect() itself failed: nothing was sent */
	}
	if (rc < 0 && errnum == EALREADY) {
		s->phase = PH_CONNECT;
		if (ps_tcp_watch(e, i, EPOLLOUT) < 0) {
			(void)close(fd);
			s->fd = -1;
			return L_FATAL;
		}
		ps_tcp_timer_add(e, i);
		return L_FLIGHT;
	}
	return decided(e, i, rc, errnum);
local_failure:
	(void)close(fd);
	s->fd = -1;
	s->attempt--;
	if (fd_shortage(errnum) || errnum == EADDRNOTAVAIL || errnum == EAGAIN)
		return L_BACKOFF;
	emit(e, &s->job, PS_PROBE_ERROR,
	     errnum == ENETUNREACH || errnum == EHOSTUNREACH ? "no-route" : "local-error", -1, errnum,
	     NULL);
	return L_DONE;
}

/* An ICMP error that reaches a socket while our own thread holds its lock (the answer
 * of a firewall in a veth peer comes back inside our connect() call) does not end the
 * connect: the kernel keeps it as a "soft" error, queues it on the error queue (with
 * IP_RECVERR) and retransmits the SYN a second later. It is an answer all the same:
 * read it from the error queue, or SO_ERROR, which hands out the soft error. Returns
 * true when a verdict was reported. */
static bool soft_answer(struct engine *e, const struct slot *s, double rtt)
{
	enum ps_probe_state st;
	const char *reason;
	socklen_t len = sizeof(int);
	int soft = 0;

	if (!ps_sockaddr_is_loopback(&s->job.addr) && icmp_verdict(s->fd, &st, &reason)) {
		emit(e, &s->job, st, reason, rtt, 0, NULL);
		return true;
	}
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soft, &len) < 0 || soft == 0 ||
	    soft == ETIMEDOUT)
		return false;
	(void)failed(e, s, s->fd, soft, rtt);
	return true;
}

/* The event for an attempt in flight. */
void ps_tcp_on_event(struct engine *e, uint32_t i, uint32_t events, uint64_t now)
{
	struct slot *s = &e->slots[i];
	int rc;

	switch (s->phase) {
	case PH_CONNECT:
		rc = connect(s->fd, &s->job.addr.sa, ps_sockaddr_len(&s->job.addr));
		if (rc < 0 && errno == EALREADY) {
			/* Still connecting, yet an ICMP error is queued: see soft_answer(). */
			if ((events & EPOLLERR) && soft_answer(e, s, ms_since(s->start, now))) {
				(void)close(s->fd);
				ps_tcp_slot_finish(e, i, true);
			}
			return;
		}
		if (rc == 0 || errno == EISCONN) {
			/* Its reply or TLS phase has a later deadline than the connect: it
			 * moves in the timer list. */
			if (connected(e, i, now) == L_FLIGHT) {
				ps_tcp_list_del(e, &e->timers, i);
				ps_tcp_timer_add(e, i);
				return;
			}
		} else if (failed(e, s, s->fd, errno, ms_since(s->start, now)) &&
			   epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->fd, NULL) == 0) {
			/* Out of the epoll set first: a pooled fd must not report events
			 * for the slot it served. */
			ps_tcp_pool_put(e, s->fd, &s->job.addr);
		} else {
			(void)close(s->fd);
		}
		ps_tcp_slot_finish(e, i, true);
		return;
	case PH_SEND:
		if (!send_more(e, s)) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			reply_done(e, i);
			return;
		}
		if (!e->reading) {
			reply_done(e, i);
			return;
		}
		s->phase = PH_READ;
		if (ps_tcp_watch(e, i, EPOLLIN | EPOLLRDHUP) < 0)
			reply_done(e, i);
		return;
	case PH_READ:
		(void)events;
		read_more(e, i);
		return;
	case PH_TLS:
		if (ps_tcp_tls_event(e, i))
			ps_tcp_slot_finish(e, i, true);
		return;
	default:
		return;
	}
}

/* Attempts whose time is up: retry a connect that had no answer, report the rest. */
void ps_tcp_expire(struct engine *e, uint64_t now)
{
	while (e->timers.head != NIL && e->slots[e->timers.head].deadline <= now) {
		uint32_t i = e->timers.head;
		struct slot *s = &e->slots[i];

		if (s->phase == PH_TLS) {
			ps_tcp_tls_expire(e, i);
			ps_tcp_slot_finish(e, i, true);
			continue;
		}
		if (s->phase != PH_CONNECT) {
			reply_done(e, i);
			continue;
		}
		/* An ICMP answer may have come while we held the socket (see soft_answer);
		 * its time of arrival is unknown, so no rtt. */
		if (soft_answer(e, s, -1)) {
			(void)close(s->fd);
			ps_tcp_slot_finish(e, i, true);
			continue;
		}
		/* Closing a socket still in SYN_SENT sends nothing. */
		(void)close(s->fd);
		s->fd = -1;
		s->registered = false;
		ps_tcp_list_del(e, &e->timers, i);
		if (s->attempt <= (e->o->retries >= 0 ? e->o->retries : PS_TCP_DEFAULT_RETRIES)) {
			s->phase = PH_RELAUNCH;
			ps_tcp_list_push(e, &e->relaunch, i);
			e->nrelaunch++;	/* launch_some counts it back down */
			continue;
		}
		emit(e, &s->job, PS_PROBE_FILTERED, "timeout", -1, 0, NULL);
		ps_tcp_slot_put(e, i);
	}
}
