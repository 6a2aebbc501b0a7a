/* The responder: listeners and UDP sockets in one epoll loop. A TCP client is greeted
 * with a line that always fits the fresh socket's send buffer, so the write never
 * waits; the connection is then half-closed and kept only until the client closes its
 * side (or LINGER_MS passes), because closing with unread client data would send a reset
 * that can destroy the greeting before the client reads it. Held connections stay below
 * the descriptor budget (beyond it a client is greeted and closed at once); when accept
 * still runs out of descriptors the listeners leave the epoll set until a connection
 * closes or PAUSE_MS passes, so a level-triggered listener cannot spin. The UDP side is
 * responder_udp.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/proto.h"
#include "probe/responder_int.h"

#define LINGER_MS 2000
#define PAUSE_MS 100
#define CONNS_MAX 4096		/* held connections, at most */
#define FD_RESERVE 32		/* descriptors kept for everything but connections */

void ps_responder_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len,
			    uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 s6;

		memcpy(&s6, ss, sizeof(s6));
		if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr))
			inet_ntop(AF_INET, &s6.sin6_addr.s6_addr[12], buf, (socklen_t)len);
		else
			inet_ntop(AF_INET6, &s6.sin6_addr, buf, (socklen_t)len);
		*port = ntohs(s6.sin6_port);
	} else {
		struct sockaddr_in s4;

		memcpy(&s4, ss, sizeof(s4));
		inet_ntop(AF_INET, &s4.sin_addr, buf, (socklen_t)len);
		*port = ntohs(s4.sin_port);
	}
}

static int close_fd(int fd)
{
	return fd >= 0 ? close(fd) : 0;
}

/* One bound socket. Returns 0, or -1 with err: PS_ERR_INPUT when the address cannot be
 * bound here (not ours, or not valid for the socket), else PS_ERR_SYSTEM; err->sys_errno
 * is the failing call's errno either way. */
static int bind_one(struct ps_responder *r, uint8_t proto, int family, const void *addr,
		    uint16_t port, ps_err *err)
{
	struct sockaddr_storage ss = { 0 };
	struct ps_rsock *s = &r->socks[r->nsocks];
	int one = 1, fd, type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	const char *what = ps_proto_name(proto);
	socklen_t len;
	int errnum;

	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, sizeof(s6->sin6_addr));
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, sizeof(s4->sin_addr));
		len = sizeof(*s4);
	}
	ps_responder_addr_text(&ss, s->local, sizeof(s->local), &s->port);
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errnum = errno;
		ps_err_system(err, "%s socket: %s", what, strerror(errnum));
		return -1;
	}
	if ((family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    (proto == IPPROTO_TCP &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    (proto == IPPROTO_UDP && family == AF_INET &&
	     setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) ||
	    (proto == IPPROTO_UDP && family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)) {
		errnum = errno;
		ps_err_system(err, "%s socket options: %s", what, strerror(errnum));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		errnum = errno;
		if (errnum == EADDRNOTAVAIL || errnum == EINVAL)
			ps_err_input(err, "cannot bind %s port %u on %s: %s", what, port, s->local,
				     strerror(errnum));
		else if (errnum == EACCES)
			ps_err_system(err, "cannot bind %s port %u on %s: %s (ports below 1024 need "
				      "root or CAP_NET_BIND_SERVICE)", what, port, s->local,
				      strerror(errnum));
		else
			ps_err_system(err, "cannot bind %s port %u on %s: %s", what, port, s->local,
				      strerror(errnum));
		goto fail;
	}
	if (proto == IPPROTO_TCP && listen(fd, 512) < 0) {
		errnum = errno;
		ps_err_system(err, "listen on tcp port %u: %s", port, strerror(errnum));
		goto fail;
	}
	s->fd = fd;
	s->proto = proto;
	s->family = family;
	r->nsocks++;
	return 0;
fail:
	err->sys_errno = errnum;	/* ps_err_input leaves it 0 */
	(void)close(fd);
	return -1;
}

/* Bind every socket of c; returns 0 or -1 with err. */
static int bind_all(struct ps_responder *r, const struct ps_responder_conf *c, ps_err *err)
{
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	struct in_addr a4 = { htonl(INADDR_ANY) };
	bool want4 = true, want6 = true;

	if (c->bind_addr) {
		want4 = inet_pton(AF_INET, c->bind_addr, &a4) == 1;
		want6 = !want4 && inet_pton(AF_INET6, c->bind_addr, &a6) == 1;
		if (!want4 && !want6)
			return ps_err_input(err, "invalid address '%s' in --bind (an IPv4 or IPv6 "
					    "literal)", c->bind_addr);
	}
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const void *addr = fam ? (const void *)&a6 : (const void *)&a4;

		if (!(fam ? want6 : want4))
			continue;
		for (size_t pi = 0; pi < c->ntcp + c->nudp; pi++) {
			uint8_t proto = pi < c->ntcp ? IPPROTO_TCP : IPPROTO_UDP;
			uint16_t port = pi < c->ntcp ? c->tcp[pi] : c->udp[pi - c->ntcp];

			if (bind_one(r, proto, family, addr, port, err) == 0)
				continue;
			/* No IPv6 on this host: serve IPv4 alone, unless IPv6 was asked for. */
			if (fam && !c->bind_addr && (err->sys_errno == EAFNOSUPPORT ||
						     err->sys_errno == EADDRNOTAVAIL))
				break;
			return -1;
		}
	}
	return 0;
}

/* Connections held at once: below the soft descriptor limit, with room for the
 * sockets, stdio, epoll, the signalfd and a few more. */
static size_t conn_budget(size_t nsocks)
{
	struct rlimit rl;
	rlim_t avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return CONNS_MAX;
	avail = rl.rlim_cur > nsocks + FD_RESERVE ? rl.rlim_cur - nsocks - FD_RESERVE : 0;
	avail = avail * 3 / 4;
	return avail < 1 ? 1 : avail > CONNS_MAX ? CONNS_MAX : (size_t)avail;
}

struct ps_responder *ps_responder_open(const struct ps_responder_conf *c, ps_err *err)
{
	struct ps_responder *r = calloc(1, sizeof(*r));
	ps_err ignored;
	int n;

	if (!err)
		err = &ignored;	/* bind_one reads back the failing call's errno */
	if (!r) {
		ps_err_nomem(err);
		return NULL;
	}
	r->ep = -1;
	r->socks = calloc(2 * (c->ntcp + c->nudp), sizeof(*r->socks));
	if (!r->socks) {
		ps_err_nomem(err);
		goto fail;
	}
	if (bind_all(r, c, err) < 0)
		goto fail;
	r->max_conns = conn_budget(r->nsocks);
	r->conns = calloc(r->max_conns, sizeof(*r->conns));
	if (!r->conns) {
		ps_err_nomem(err);
		goto fail;
	}
	n = snprintf(r->greeting, sizeof(r->greeting), "portscope %s\n", c->text);
	r->greeting_len = n < 0 ? 0 : (size_t)n < sizeof(r->greeting) ? (size_t)n
									: sizeof(r->greeting) - 1;
	r->reply_len = ps_payload_reply_build(r->reply, sizeof(r->reply), c->text);
	r->answer_any = c->answer_any;
	r->answer_broadcast = c->answer_broadcast;
	ps_srclimit_init(&r->limit, c->source_rate, ps_clock_ms());
	return r;
fail:
	ps_responder_free(r);
	return NULL;
}

/* Listeners in (on) or out of the epoll set. */
static void listeners_watch(struct ps_responder *r, bool on)
{
	for (size_t i = 0; i < r->nsocks; i++) {
		struct epoll_event e = { .events = on ? EPOLLIN : 0, .data.u64 = i };

		if (r->socks[i].proto == IPPROTO_TCP)
			(void)epoll_ctl(r->ep, EPOLL_CTL_MOD, r->socks[i].fd, &e);
	}
	r->paused = !on;
	r->resume_at = ps_clock_ms() + PAUSE_MS;
}

static void conn_close(struct ps_responder *r, size_t i)
{
	/* A failed close of a finished connection loses nothing the client could see. */
	(void)close(r->conns[i].fd);
	r->conns[i] = r->conns[--r->nconns];
	if (r->paused)
		listeners_watch(r, true);
}

/* Keep fd until its client closes or LINGER_MS passes; false when it cannot be kept. */
static bool conn_keep(struct ps_responder *r, int fd)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP,
				 .data.u64 = (uint64_t)1 << 32 | (uint32_t)fd };

	if (r->nconns == r->max_conns || shutdown(fd, SHUT_WR) < 0 ||
	    epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &e) < 0)
		return false;
	r->conns[r->nconns++] = (struct ps_rconn){ fd, ps_clock_ms() + LINGER_MS };
	return true;
}

static void tcp_accept(struct ps_responder *r, struct ps_rsock *s, ps_responder_cb cb, void *ctx)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage peer = { 0 };
		socklen_t plen = sizeof(peer);
		struct ps_responder_event ev = { .kind = PS_RESP_TCP_PEER, .proto = IPPROTO_TCP };
		int fd = accept4(s->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		ssize_t n;

		if (fd < 0) {
			/* Out of descriptors: the pending connection stays queued and the
			 * listener readable; stop watching it for a while. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				listeners_watch(r, false);
			return;	/* EAGAIN, or a connection reset before we got to it */
		}
		n = send(fd, r->greeting, r->greeting_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		ev.answered = n == (ssize_t)r->greeting_len;
		ps_responder_addr_text(&peer, ev.peer, sizeof(ev.peer), &ev.peer_port);
		memcpy(ev.local, s->local, sizeof(ev.local));
		ev.local_port = s->port;
		cb(&ev, ctx);
		if (!ev.answered || !conn_keep(r, fd))
			(void)close(fd);
	}
}

/* Read what the client sends until it closes; then close our side. */
static void conn_readable(struct ps_responder *r, int fd)
{
	char buf[512];
	ssize_t n;

	for (int k = 0; k < 16 && (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0; k++)
		;
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	for (size_t i = 0; i < r->nconns; i++)
		if (r->conns[i].fd == fd) {
			conn_close(r, i);
			return;
		}
}

/* Close connections past their deadline; resume paused listeners when it is time. */
static void housekeeping(struct ps_responder *r, ps_responder_cb cb, void *ctx)
{
	double t = ps_clock_ms();

	for (size_t i = 0; i < r->nconns;)
		if (r->conns[i].deadline <= t)
			conn_close(r, i);
		else
			i++;
	if (r->paused && t >= r->resume_at)
		listeners_watch(r, true);
	ps_responder_report_dropped(r, cb, ctx, t);
}

static int add_sockets(struct ps_responder *r, int stop_fd, ps_responder_cb cb, void *ctx,
		       ps_err *err)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)2 << 32 };

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		return ps_err_system(err, "epoll: %s", strerror(errno));
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, stop_fd, &e) < 0)
		return ps_err_system(err, "epoll: %s", strerror(errno));
	for (size_t i = 0; i < r->nsocks; i++) {
		struct ps_responder_event ev = { .kind = PS_RESP_LISTENING, .proto = r->socks[i].proto,
						 .local_port = r->socks[i].port };

		e.events = EPOLLIN;
		e.data.u64 = i;
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->socks[i].fd, &e) < 0)
			return ps_err_system(err, "epoll: %s", strerror(errno));
		memcpy(ev.local, r->socks[i].local, sizeof(ev.local));
		cb(&ev, ctx);
	}
	return 0;
}

int ps_responder_run(struct ps_responder *r, int stop_fd, ps_responder_cb cb, void *ctx,
		     ps_err *err)
{
	if (add_sockets(r, stop_fd, cb, ctx, err) < 0)
		return -1;
	for (;;) {
		struct epoll_event evs[64];
		bool busy = r->nconns || r->paused || r->rate_limited;
		int n = epoll_wait(r->ep, evs, 64, busy ? (r->paused ? PAUSE_MS : 250) : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_err_system(err, "epoll_wait: %s", strerror(errno));
		}
		/* The stop signal first, whatever else is ready. */
		for (int k = 0; k < n; k++)
			if ((uint32_t)(evs[k].data.u64 >> 32) == 2)
				return 0;
		for (int k = 0; k < n; k++) {
			uint32_t kind = (uint32_t)(evs[k].data.u64 >> 32);
			uint32_t idx = (uint32_t)evs[k].data.u64;

			if (kind == 1)
				conn_readable(r, (int)idx);
			else if (r->socks[idx].proto == IPPROTO_TCP)
				tcp_accept(r, &r->socks[idx], cb, ctx);
			else
				ps_responder_udp(r, &r->socks[idx], cb, ctx);
		}
		housekeeping(r, cb, ctx);
	}
}

void ps_responder_free(struct ps_responder *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->conns && i < r->nconns; i++)
		(void)close(r->conns[i].fd);
	for (size_t i = 0; r->socks && i < r->nsocks; i++)
		(void)close_fd(r->socks[i].fd);
	(void)close_fd(r->ep);
	free(r->conns);
	free(r->socks);
	free(r);
}
