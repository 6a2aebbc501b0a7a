/* The responder: listeners and UDP sockets in one epoll loop. A TCP client is greeted
 * with a line that always fits the fresh socket's send buffer, so the write never
 * waits; the connection is then half-closed and kept only until the client closes its
 * side (or LINGER_MS passes), because closing with unread client data would send a reset
 * that can destroy the greeting before the client reads it. A UDP datagram is answered
 * from the address it was sent to (IP_PKTINFO / IPV6_PKTINFO), so that a prober matching
 * answers by address, and a broadcaster on a LAN without a default route, both get it. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/payloads.h"
#include "probe/proto.h"
#include "probe/responder.h"

#define LINGER_MS 2000
#define MAX_CONNS 1024
#define UDP_BURST 64		/* datagrams per socket per wake, so no socket starves */

struct rsock {
	int fd;
	uint8_t proto;
	int family;
	char local[INET6_ADDRSTRLEN];
	uint16_t port;
};

struct conn {
	int fd;
	double deadline;
};

struct ps_responder {
	struct rsock *socks;
	size_t nsocks;
	struct conn conns[MAX_CONNS];
	size_t nconns;
	char greeting[320];
	size_t greeting_len;
	char reply[320];
	size_t reply_len;
	int ep;
};

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len, uint16_t *port)
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
	struct rsock *s = &r->socks[r->nsocks];
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
	addr_text(&ss, s->local, sizeof(s->local), &s->port);
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

struct ps_responder *ps_responder_open(const uint16_t *tcp, size_t ntcp, const uint16_t *udp,
				       size_t nudp, const char *bind_addr, const char *ident,
				       ps_err *err)
{
	struct ps_responder *r = calloc(1, sizeof(*r));
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	struct in_addr a4 = { htonl(INADDR_ANY) };
	bool want4 = true, want6 = true;
	ps_err ignored;
	int n;

	if (!err)
		err = &ignored;	/* bind_one reads back the failing call's errno */
	if (!r) {
		ps_err_nomem(err);
		return NULL;
	}
	r->ep = -1;
	if (bind_addr) {
		want4 = inet_pton(AF_INET, bind_addr, &a4) == 1;
		want6 = !want4 && inet_pton(AF_INET6, bind_addr, &a6) == 1;
		if (!want4 && !want6) {
			ps_err_input(err, "invalid address '%s' in --bind (an IPv4 or IPv6 literal)",
				     bind_addr);
			goto fail;
		}
	}
	r->socks = calloc(2 * (ntcp + nudp), sizeof(*r->socks));
	if (!r->socks) {
		ps_err_nomem(err);
		goto fail;
	}
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const void *addr = fam ? (const void *)&a6 : (const void *)&a4;

		if (!(fam ? want6 : want4))
			continue;
		for (size_t pi = 0; pi < ntcp + nudp; pi++) {
			uint8_t proto = pi < ntcp ? IPPROTO_TCP : IPPROTO_UDP;
			uint16_t port = pi < ntcp ? tcp[pi] : udp[pi - ntcp];

			if (bind_one(r, proto, family, addr, port, err) == 0)
				continue;
			/* No IPv6 on this host: serve IPv4 alone, unless IPv6 was asked for. */
			if (fam && !bind_addr && (err->sys_errno == EAFNOSUPPORT ||
						  err->sys_errno == EADDRNOTAVAIL)) {
				want6 = false;
				break;
			}
			goto fail;
		}
	}
	n = snprintf(r->greeting, sizeof(r->greeting), "portscope %s\n", ident);
	r->greeting_len = n < 0 ? 0 : (size_t)n < sizeof(r->greeting) ? (size_t)n
									: sizeof(r->greeting) - 1;
	{
		const char *sp = strchr(ident, ' ');
		char version[32];
		size_t vl = sp ? (size_t)(sp - ident) : strlen(ident);

		if (vl >= sizeof(version))
			vl = sizeof(version) - 1;
		memcpy(version, ident, vl);
		version[vl] = '\0';
		r->reply_len = ps_payload_reply_build(r->reply, sizeof(r->reply), version,
						      sp ? sp + 1 : "");
	}
	return r;
fail:
	ps_responder_free(r);
	return NULL;
}

static void conn_close(struct ps_responder *r, size_t i)
{
	/* A failed close of a finished connection loses nothing the client could see. */
	(void)close(r->conns[i].fd);
	r->conns[i] = r->conns[--r->nconns];
}

static void tcp_accept(struct ps_responder *r, struct rsock *s, ps_responder_cb cb, void *ctx)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage peer = { 0 };
		socklen_t plen = sizeof(peer);
		struct ps_responder_event ev = { .kind = PS_RESP_TCP_PEER, .proto = IPPROTO_TCP };
		int fd = accept4(s->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return;	/* EAGAIN, or a connection reset before we got to it */
		n = send(fd, r->greeting, r->greeting_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		ev.answered = n == (ssize_t)r->greeting_len;
		addr_text(&peer, ev.peer, sizeof(ev.peer), &ev.peer_port);
		memcpy(ev.local, s->local, sizeof(ev.local));
		ev.local_port = s->port;
		cb(&ev, ctx);
		if (!ev.answered || shutdown(fd, SHUT_WR) < 0 || r->nconns == MAX_CONNS) {
			(void)close(fd);
			continue;
		}
		{
			struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP,
						 .data.u64 = (uint64_t)1 << 32 | (uint32_t)fd };

			if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
				(void)close(fd);
				continue;
			}
		}
		r->conns[r->nconns++] = (struct conn){ fd, ps_clock_ms() + LINGER_MS };
	}
}

/* Read what the client sends until it closes; then close our side. */
static void conn_readable(struct ps_responder *r, int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (size_t i = 0; i < r->nconns; i++)
		if (r->conns[i].fd == fd) {
			conn_close(r, i);
			return;
		}
}

/* Make data the one control message of m (level, type), in buf (CMSG_SPACE(len) bytes,
 * zeroed). */
static void put_cmsg(struct msghdr *m, char *buf, int level, int type, const void *data,
		     size_t len)
{
	struct cmsghdr *c;

	m->msg_control = buf;
	m->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

static void udp_answer(struct ps_responder *r, struct rsock *s, ps_responder_cb cb, void *ctx)
{
	for (int k = 0; k < UDP_BURST; k++) {
		struct sockaddr_storage peer = { 0 };
		uint8_t buf[2048];
		union {
			char buf[256];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		struct ps_responder_event ev = { .kind = PS_RESP_UDP_PEER, .proto = IPPROTO_UDP };
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} out;
		struct iovec oiov = { r->reply, r->reply_len };
		struct msghdr om = { .msg_name = &peer, .msg_namelen = 0, .msg_iov = &oiov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(s->fd, &m, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		om.msg_namelen = m.msg_namelen;
		ev.bytes = (size_t)n;
		memcpy(ev.local, s->local, sizeof(ev.local));
		ev.local_port = s->port;
		addr_text(&peer, ev.peer, sizeof(ev.peer), &ev.peer_port);
		memset(&out, 0, sizeof(out));
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ev.broadcast = pi.ipi_addr.s_addr != pi.ipi_spec_dst.s_addr;
				/* Answer from the address the request reached (for a broadcast:
				 * the receiving interface's own address), out of that interface. */
				pi.ipi_addr.s_addr = 0;
				put_cmsg(&om, out.buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
			} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
					continue;
				put_cmsg(&om, out.buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
			}
		}
		/* Never answer another responder's reply (two responders would echo each
		 * other forever), nor port 0 (not a real sender). */
		if (ev.peer_port != 0 && !ps_payload_is_reply(buf, (size_t)n, NULL, NULL))
			ev.answered = sendmsg(s->fd, &om, MSG_DONTWAIT) == (ssize_t)r->reply_len;
		cb(&ev, ctx);
	}
}

int ps_responder_run(struct ps_responder *r, int stop_fd, ps_responder_cb cb, void *ctx,
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
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(r->ep, evs, 64, r->nconns ? 250 : -1);
		double t;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_err_system(err, "epoll_wait: %s", strerror(errno));
		}
		for (int k = 0; k < n; k++) {
			uint32_t kind = (uint32_t)(evs[k].data.u64 >> 32);
			uint32_t idx = (uint32_t)evs[k].data.u64;

			if (kind == 2)
				return 0;
			if (kind == 1)
				conn_readable(r, (int)idx);
			else if (r->socks[idx].proto == IPPROTO_TCP)
				tcp_accept(r, &r->socks[idx], cb, ctx);
			else
				udp_answer(r, &r->socks[idx], cb, ctx);
		}
		t = ps_clock_ms();
		for (size_t i = 0; i < r->nconns;)
			if (r->conns[i].deadline <= t)
				conn_close(r, i);
			else
				i++;
	}
}

void ps_responder_free(struct ps_responder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nconns; i++)
		(void)close(r->conns[i].fd);
	for (size_t i = 0; i < r->nsocks; i++)
		(void)close_fd(r->socks[i].fd);
	(void)close_fd(r->ep);
	free(r->socks);
	free(r);
}
