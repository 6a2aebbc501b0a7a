/* The TCP connect engine. Each attempt is one non-blocking socket and connect(); an
 * attempt the kernel has not decided when connect() returns waits in an epoll set, and
 * nothing ever blocks (see launch() for the loopback shortcut). Every attempt of a run
 * has the same timeout, so attempts time out in the order they started: a FIFO list is
 * the timer queue. Slots (one per attempt in flight) are the only memory that grows, and
 * only up to the concurrency: results go to the callback as they are decided.
 *
 * A loopback scan is bound by the kernel's own work inside connect() (SYN, reset and
 * socket bookkeeping all happen in the call), so the engine runs two such loops per CPU
 * it may use (at most MAX_LOOPS); the loops share the job source and the callback, each
 * behind a mutex, and share nothing else. */
#include <errno.h>
#include <time.h>	/* before errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/icmp.h"
#include "probe/tcp.h"

#define NIL UINT32_MAX
#define NEVENTS 512		/* events taken per epoll_wait */
#define EXPECT_BUF (PS_BANNER_MAX + 2 * PS_PAYLOAD_MAX)
/* Without any descriptor for this long, the engine gives up instead of spinning. */
#define FD_STARVE_NS (5ull * 1000000000ull)
#define BACKOFF_MS 10		/* wait after EMFILE with nothing in flight */
#define POOL_MAX 64		/* refused sockets kept for the next connect */
#define MAX_LOOPS 8		/* event loops (threads) at most */
#define JOB_BATCH 64		/* jobs a loop takes from the shared source at once */

struct pooled {
	union ps_sockaddr addr;
	int fd;
};

enum phase { PH_FREE, PH_CONNECT, PH_SEND, PH_READ, PH_RELAUNCH };

struct slot {
	struct ps_probe_job job;
	uint64_t start, deadline;	/* CLOCK_MONOTONIC ns of this attempt */
	uint32_t prev, next;		/* links in the timer or relaunch list */
	int fd;
	float rtt_ms;			/* connect verdict, kept while sending/reading */
	uint8_t phase, attempt;
	bool registered;		/* fd is in the epoll set */
	uint16_t sent, len, cap;
	char *buf;			/* reply buffer, only for --send/--expect/--banner */
};

struct list {
	uint32_t head, tail;
};

/* What the event loops share: the job source and the callback, each behind a lock
 * (taken only when more than one loop runs). */
struct shared {
	pthread_mutex_t jobs_mu, cb_mu;
	ps_job_next_fn next;
	void *src;
	bool exhausted;
	bool threaded;
	uint32_t busy;			/* slots in use over every loop (atomic) */
	ps_result_cb cb;
	void *ctx;
};

struct engine {
	struct shared *sh;
	const struct ps_probe_opts *o;
	ps_err err;
	int rc;
	int epfd;
	struct ps_probe_job batch[JOB_BATCH];	/* jobs taken from the source, not started */
	uint32_t nbatch, ibatch;
	struct slot *slots;
	uint32_t nslots, maxslots;	/* allocated, and the concurrency */
	uint32_t *freelist;
	uint32_t nfree;
	uint32_t used;			/* slots not free: in flight or waiting to relaunch */
	uint32_t cap;			/* current in-flight cap, lowered on EMFILE */
	struct list timers, relaunch;
	uint64_t timeout_ns, interval_ns, next_launch;
	uint64_t last_backoff, starve_since;
	bool reading;			/* a reply is wanted after connect */
	struct pooled pool[POOL_MAX];
	uint32_t npool;
};

enum launch_rc { L_DONE, L_FLIGHT, L_BACKOFF, L_FATAL };

static double ms_since(uint64_t start, uint64_t now)
{
	return (double)(now - start) / 1e6;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void list_push(struct engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];

	s->next = NIL;
	s->prev = l->tail;
	if (l->tail != NIL)
		e->slots[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_del(struct engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];

	if (s->prev != NIL)
		e->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != NIL)
		e->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NIL;
}

/* A free slot index, growing the array up to the concurrency; NIL when none is left. */
static uint32_t slot_get(struct engine *e)
{
	if (e->nfree == 0) {
		uint32_t n = e->nslots ? e->nslots * 2 : 64;
		struct slot *ns;
		uint32_t *nf;

		if (n > e->maxslots)
			n = e->maxslots;
		if (n <= e->nslots)
			return NIL;
		ns = realloc(e->slots, n * sizeof(*ns));
		if (!ns)
			return NIL;
		e->slots = ns;
		nf = realloc(e->freelist, n * sizeof(*nf));
		if (!nf)
			return NIL;
		e->freelist = nf;
		for (uint32_t i = n; i > e->nslots; i--) {
			memset(&ns[i - 1], 0, sizeof(ns[i - 1]));
			ns[i - 1].fd = -1;
			e->freelist[e->nfree++] = i - 1;
		}
		e->nslots = n;
	}
	e->used++;
	__atomic_add_fetch(&e->sh->busy, 1, __ATOMIC_RELAXED);
	return e->freelist[--e->nfree];
}

static void slot_put(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];

	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = s->sent = 0;
	s->fd = -1;
	s->phase = PH_FREE;
	s->registered = false;
	e->freelist[e->nfree++] = i;
	e->used--;
	__atomic_sub_fetch(&e->sh->busy, 1, __ATOMIC_RELAXED);
}

/* Close an fd whose connection is established with a reset (SO_LINGER {1,0}): no
 * FIN handshake and no TIME_WAIT, so a full-range scan does not pile up sockets on the
 * target or use up our ephemeral ports. */
static void close_reset(int fd)
{
	static const struct linger lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	(void)close(fd);
}

static void emit(struct engine *e, const struct ps_probe_job *job, enum ps_probe_state st,
		 const char *reason, double rtt_ms, int errnum, const struct slot *s)
{
	struct probe_result r;

	ps_result_from_job(&r, job, IPPROTO_TCP);
	r.state = st;
	r.reason = reason;
	r.rtt_ms = rtt_ms;
	if (errnum)
		snprintf(r.error, sizeof(r.error), "%s", strerror(errnum));
	if (s && s->buf && e->reading) {
		size_t n = s->len < PS_BANNER_MAX ? s->len : PS_BANNER_MAX;

		memcpy(r.banner, s->buf, n);
		r.banner_len = n;
		r.has_banner = n > 0;
		if (e->o->expect)
			r.expect_ok = s->len >= e->o->expect_len &&
				      memmem(s->buf, s->len, e->o->expect, e->o->expect_len) != NULL;
	} else if (e->o->expect) {
		r.expect_ok = 0;
	}
	if (st == PS_PROBE_OPEN && e->o->expect)
		r.reason = r.expect_ok ? "expect-matched" : "expect-mismatch";
	if (e->sh->threaded) {
		pthread_mutex_lock(&e->sh->cb_mu);
		e->sh->cb(&r, e->sh->ctx);
		pthread_mutex_unlock(&e->sh->cb_mu);
	} else {
		e->sh->cb(&r, e->sh->ctx);
	}
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

static void finish_slot(struct engine *e, uint32_t i, bool list_member)
{
	if (list_member)
		list_del(e, &e->timers, i);
	slot_put(e, i);
}

static int watch(struct engine *e, uint32_t i, uint32_t events)
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
	close_reset(s->fd);
	finish_slot(e, i, true);
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
		if (e->o->expect) {
			if (memmem(s->buf, s->len, e->o->expect, e->o->expect_len))
				break;
		} else if (s->buf[s->len - 1] == '\n') {
			break;	/* a banner line is complete */
		}
		if (s->len == s->cap)
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
	union ps_sockaddr me;
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
		close_reset(s->fd);
		return L_DONE;
	}
	if (!e->o->send && !e->reading) {
		emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, NULL);
		close_reset(s->fd);
		return L_DONE;
	}
	if (e->reading && !s->buf) {
		s->cap = e->o->expect ? EXPECT_BUF : PS_BANNER_MAX;
		s->buf = malloc(s->cap);
		if (!s->buf) {
			close_reset(s->fd);
			emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, ENOMEM, NULL);
			return L_DONE;
		}
	}
	s->phase = PH_SEND;
	if (e->o->send && !send_more(e, s)) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			/* The service went away before our request: still open, no reply. */
			emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, s);
			close_reset(s->fd);
			return L_DONE;
		}
		if (watch(e, i, EPOLLOUT) < 0)
			goto fail;
		return L_FLIGHT;
	}
	if (!e->reading) {
		emit(e, &s->job, PS_PROBE_OPEN, "syn-ack", s->rtt_ms, 0, NULL);
		close_reset(s->fd);
		return L_DONE;
	}
	s->phase = PH_READ;
	if (watch(e, i, EPOLLIN | EPOLLRDHUP) < 0)
		goto fail;
	return L_FLIGHT;
fail:
	emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, errno, NULL);
	close_reset(s->fd);
	return L_DONE;
}

static bool fd_shortage(int errnum)
{
	return errnum == EMFILE || errnum == ENFILE || errnum == ENOBUFS || errnum == ENOMEM;
}

/* A socket whose connect was refused is closed on the kernel side already and can
 * connect again (Linux resets it): keeping it saves a socket() and a close() per closed
 * port. Sockets are reused only for the same destination address, so nothing of one
 * target (source address, route) carries over to another. */
static int pool_take(struct engine *e, const union ps_sockaddr *a)
{
	while (e->npool > 0) {
		struct pooled *p = &e->pool[--e->npool];

		if (p->addr.sa.sa_family == a->sa.sa_family &&
		    (a->sa.sa_family == AF_INET
			     ? p->addr.v4.sin_addr.s_addr == a->v4.sin_addr.s_addr
			     : memcmp(&p->addr.v6.sin6_addr, &a->v6.sin6_addr, 16) == 0 &&
				       p->addr.v6.sin6_scope_id == a->v6.sin6_scope_id))
			return p->fd;
		(void)close(p->fd);	/* left over from an earlier target */
	}
	return -1;
}

static void pool_put(struct engine *e, int fd, const union ps_sockaddr *a)
{
	/* Kept sockets hold descriptors beyond the concurrency: a small share of it. */
	if (e->npool == POOL_MAX || e->npool >= e->maxslots / 8 + 1) {
		(void)close(fd);
		return;
	}
	e->pool[e->npool].fd = fd;
	e->pool[e->npool++].addr = *a;
}

/* A fresh non-blocking socket for a; -1 with errno on failure. */
static int new_socket(const union ps_sockaddr *a)
{
	int fam = a->sa.sa_family, one = 1, fd, saved;
	union ps_sockaddr any = { 0 };

	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -1;
	/* A port of its own, bound once: a reused socket keeps it for every later connect,
	 * which then skips the kernel's search for a free ephemeral port (about a tenth of
	 * the CPU time of a loopback scan). */
	any.sa.sa_family = (sa_family_t)fam;
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
		if (connected(e, i, now_ns()) == L_FLIGHT) {
			list_push(e, &e->timers, i);
			return L_FLIGHT;
		}
		s->fd = -1;
		return L_DONE;
	}
	if (failed(e, s, fd, errnum, ms_since(s->start, now_ns())))
		pool_put(e, fd, &s->job.addr);
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
static enum launch_rc launch(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	const union ps_sockaddr *a = &s->job.addr;
	int fd, rc, errnum;

	fd = pool_take(e, a);
	if (fd < 0 && (fd = new_socket(a)) < 0) {
		/* No descriptor, or no free local port: later, with fewer in flight. */
		if (fd_shortage(errno) || errno == EADDRINUSE || errno == EADDRNOTAVAIL)
			return L_BACKOFF;
		emit(e, &s->job, PS_PROBE_ERROR, "local-error", -1, errno, NULL);
		return L_DONE;
	}
	s->fd = fd;
	s->start = now_ns();
	s->deadline = s->start + e->timeout_ns;
	s->attempt++;
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
		if (watch(e, i, EPOLLOUT) < 0) {
			(void)close(fd);
			s->fd = -1;
			return L_FATAL;
		}
		list_push(e, &e->timers, i);
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
static void on_event(struct engine *e, uint32_t i, uint32_t events, uint64_t now)
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
				finish_slot(e, i, true);
			}
			return;
		}
		if (rc == 0 || errno == EISCONN) {
			/* Still in the timer list with its first deadline, so order holds. */
			if (connected(e, i, now) == L_FLIGHT)
				return;
		} else if (failed(e, s, s->fd, errno, ms_since(s->start, now)) &&
			   epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->fd, NULL) == 0) {
			/* Out of the epoll set first: a pooled fd must not report events
			 * for the slot it served. */
			pool_put(e, s->fd, &s->job.addr);
		} else {
			(void)close(s->fd);
		}
		finish_slot(e, i, true);
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
		if (watch(e, i, EPOLLIN | EPOLLRDHUP) < 0)
			reply_done(e, i);
		return;
	case PH_READ:
		(void)events;
		read_more(e, i);
		return;
	default:
		return;
	}
}

/* Refill this loop's batch from the shared source; returns false when the source
 * has no job left (the batch may still hold some). */
static bool fill_batch(struct engine *e)
{
	struct shared *sh = e->sh;
	bool more = true;

	if (sh->threaded)
		pthread_mutex_lock(&sh->jobs_mu);
	e->nbatch = e->ibatch = 0;
	while (!sh->exhausted && e->nbatch < JOB_BATCH) {
		if (sh->next(sh->src, &e->batch[e->nbatch]) == 1)
			e->nbatch++;
		else
			sh->exhausted = true;
	}
	more = !sh->exhausted;
	if (sh->threaded)
		pthread_mutex_unlock(&sh->jobs_mu);
	return more;
}

/* The next job for this loop; false when every job has been taken. */
static bool take_job(struct engine *e, struct ps_probe_job *job)
{
	if (e->ibatch == e->nbatch)
		(void)fill_batch(e);
	if (e->ibatch == e->nbatch)
		return false;
	*job = e->batch[e->ibatch++];
	return true;
}

/* Attempts whose time is up: retry a connect that had no answer, report the rest. */
static void expire(struct engine *e, uint64_t now)
{
	while (e->timers.head != NIL && e->slots[e->timers.head].deadline <= now) {
		uint32_t i = e->timers.head;
		struct slot *s = &e->slots[i];

		if (s->phase != PH_CONNECT) {
			reply_done(e, i);
			continue;
		}
		/* An ICMP answer may have come while we held the socket (see soft_answer);
		 * its time of arrival is unknown, so no rtt. */
		if (soft_answer(e, s, -1)) {
			(void)close(s->fd);
			finish_slot(e, i, true);
			continue;
		}
		/* Closing a socket still in SYN_SENT sends nothing. */
		(void)close(s->fd);
		s->fd = -1;
		s->registered = false;
		list_del(e, &e->timers, i);
		if (s->attempt <= e->o->retries) {
			s->phase = PH_RELAUNCH;
			list_push(e, &e->relaunch, i);
			continue;
		}
		emit(e, &s->job, PS_PROBE_FILTERED, "timeout", -1, 0, NULL);
		slot_put(e, i);
	}
}

static int ms_until(uint64_t t, uint64_t now)
{
	uint64_t d;

	if (t <= now)
		return 0;
	d = (t - now + 999999) / 1000000;
	return d > 60000 ? 60000 : (int)d;
}

/* One event loop: take jobs, launch, wait, expire, until no job is left anywhere and
 * nothing of this loop is in flight. Returns 0, or -1 with e->err. */
static int run(struct engine *e)
{
	struct epoll_event evs[NEVENTS];
	struct ps_probe_job pending;
	uint32_t nrelaunch = 0;
	int rc = 0;
	bool have;

	have = take_job(e, &pending);
	for (;;) {
		uint64_t now = now_ns();
		uint32_t inflight;
		bool backoff = false;
		int wait_ms = -1, n;

		expire(e, now);
		/* After a shortage, grow back slowly while descriptors stay available. */
		if (e->cap < e->maxslots && now - e->last_backoff > 100000000ull) {
			e->cap += e->cap / 4 + 1;
			if (e->cap > e->maxslots)
				e->cap = e->maxslots;
		}
		for (;;) {
			bool fresh = false;
			enum launch_rc lr;
			uint32_t i;

			inflight = e->used - nrelaunch;
			if (inflight >= e->cap)
				break;
			if (e->interval_ns) {
				now = now_ns();
				if (now < e->next_launch)
					break;
			}
			if (e->relaunch.head != NIL) {
				i = e->relaunch.head;
				list_del(e, &e->relaunch, i);
				nrelaunch--;
			} else if (have) {
				i = slot_get(e);
				if (i == NIL)
					break;
				e->slots[i].job = pending;
				e->slots[i].attempt = 0;
				fresh = true;
			} else {
				break;
			}
			lr = launch(e, i);
			if (lr == L_FATAL) {
				rc = ps_err_set(&e->err, "epoll_ctl: %s", strerror(errno));
				return rc;
			}
			if (lr == L_BACKOFF) {
				if (fresh) {
					slot_put(e, i);
				} else {
					e->slots[i].phase = PH_RELAUNCH;
					list_push(e, &e->relaunch, i);
					nrelaunch++;
				}
				backoff = true;
				break;
			}
			if (lr == L_DONE)
				slot_put(e, i);
			if (fresh)
				have = take_job(e, &pending);
			e->starve_since = 0;
			if (e->interval_ns)
				e->next_launch = (e->next_launch > now ? e->next_launch : now) + e->interval_ns;
		}
		inflight = e->used - nrelaunch;
		if (backoff) {
			/* EMFILE/ENFILE: hold the number in flight where it is; the attempt
			 * that failed is made again later, so no port is misreported. */
			now = now_ns();
			e->cap = inflight > 0 ? inflight : 1;
			e->last_backoff = now;
			/* Starved only when no loop holds a descriptor that could come free. */
			if (inflight == 0 && __atomic_load_n(&e->sh->busy, __ATOMIC_RELAXED) == 0) {
				if (!e->starve_since)
					e->starve_since = now;
				else if (now - e->starve_since > FD_STARVE_NS) {
					rc = ps_err_set(&e->err, "no file descriptors available (%s)",
							strerror(EMFILE));
					return rc;
				}
			} else {
				e->starve_since = 0;
			}
			wait_ms = inflight > 0 ? 100 : BACKOFF_MS;
		}
		if (!have && e->used == 0)
			break;
		now = now_ns();
		if (e->timers.head != NIL) {
			int t = ms_until(e->slots[e->timers.head].deadline, now);

			if (wait_ms < 0 || t < wait_ms)
				wait_ms = t;
		}
		if (e->interval_ns && (have || nrelaunch) && inflight < e->cap) {
			int t = ms_until(e->next_launch, now);

			if (wait_ms < 0 || t < wait_ms)
				wait_ms = t;
		}
		if (wait_ms < 0 && inflight == 0)
			wait_ms = BACKOFF_MS;	/* nothing to wait on: should not happen */
		n = epoll_wait(e->epfd, evs, NEVENTS, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ps_err_set(&e->err, "epoll_wait: %s", strerror(errno));
			return rc;
		}
		now = n > 0 ? now_ns() : now;
		for (int k = 0; k < n; k++)
			on_event(e, evs[k].data.u32, evs[k].events, now);
	}
	return rc;
}

static void engine_free(struct engine *e)
{
	for (uint32_t i = 0; i < e->nslots; i++) {
		if (e->slots[i].fd >= 0)
			(void)close(e->slots[i].fd);
		free(e->slots[i].buf);
	}
	while (e->npool > 0)
		(void)close(e->pool[--e->npool].fd);
	free(e->slots);
	free(e->freelist);
	if (e->epfd >= 0)
		(void)close(e->epfd);
}

static void *worker(void *arg)
{
	struct engine *e = arg;

	e->rc = run(e);
	return NULL;
}

/* Event loops to run: two per CPU this process may use (at most MAX_LOOPS). A loopback
 * scan is bound by the kernel's work inside connect(), which spreads over cores; a
 * second loop per CPU keeps the core busy while the other is preempted. A rate-limited
 * scan keeps one loop so the rate stays one budget. */
static int loops_wanted(const struct ps_probe_opts *o, uint32_t conc)
{
	cpu_set_t set;
	int n;

	if (o->rate > 0)
		return 1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	n *= 2;
	if (n > MAX_LOOPS)
		n = MAX_LOOPS;
	if ((uint32_t)n > conc)
		n = (int)conc;
	return n < 1 ? 1 : n;
}

int ps_tcp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err)
{
	struct shared sh = { 0 };
	struct engine *es;
	pthread_t tids[MAX_LOOPS];
	uint32_t conc;
	int budget = ps_probe_fd_budget(), nloops, started = 0, rc = 0;

	if (o->concurrency > 0)
		conc = (uint32_t)o->concurrency;
	else
		conc = (uint32_t)(budget < PS_TCP_AUTO_CONCURRENCY ? budget : PS_TCP_AUTO_CONCURRENCY);
	nloops = loops_wanted(o, conc);
	sh.next = next;
	sh.src = src;
	sh.cb = cb;
	sh.ctx = ctx;
	pthread_mutex_init(&sh.jobs_mu, NULL);
	pthread_mutex_init(&sh.cb_mu, NULL);
	es = calloc((size_t)nloops, sizeof(*es));
	if (!es)
		return ps_err_set(err, "out of memory");
	for (int k = 0; k < nloops; k++) {
		struct engine *e = &es[k];

		e->sh = &sh;
		e->o = o;
		e->timers.head = e->timers.tail = e->relaunch.head = e->relaunch.tail = NIL;
		e->reading = o->expect || o->banner;
		e->timeout_ns = (uint64_t)(o->timeout_ms > 0 ? o->timeout_ms : 1) * 1000000ull;
		e->interval_ns = o->rate > 0 ? (uint64_t)(1e9 / o->rate) : 0;
		/* The concurrency is shared out; every loop gets at least one. */
		e->maxslots = conc / (uint32_t)nloops + (k < (int)(conc % (uint32_t)nloops));
		e->cap = e->maxslots;
		e->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (e->epfd < 0) {
			rc = ps_err_set(err, "epoll_create1: %s", strerror(errno));
			nloops = k;
			goto end;
		}
	}
	/* A handful of jobs (check) needs no second loop: see whether the first batch
	 * already drains the source. */
	if (!fill_batch(&es[0]))
		nloops = 1;
	sh.threaded = nloops > 1;
	for (int k = 1; k < nloops; k++) {
		if (pthread_create(&tids[k], NULL, worker, &es[k]) != 0)
			break;	/* fewer loops: the others take the jobs */
		started = k;
	}
	es[0].rc = run(&es[0]);
	for (int k = 1; k <= started; k++)
		pthread_join(tids[k], NULL);
	for (int k = 0; k <= started; k++) {
		if (es[k].rc < 0 && rc == 0) {
			*err = es[k].err;
			rc = -1;
		}
	}
end:
	for (int k = 0; k < nloops; k++)
		engine_free(&es[k]);
	free(es);
	pthread_mutex_destroy(&sh.jobs_mu);
	pthread_mutex_destroy(&sh.cb_mu);
	return rc;
}
