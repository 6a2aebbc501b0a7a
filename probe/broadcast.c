/* Broadcast discovery. One socket with SO_BROADCAST sends on every interface; IP_PKTINFO
 * picks the interface and source address of each datagram (no SO_BINDTODEVICE, so no
 * privilege), and tells on which interface each answer arrived. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/broadcast.h"
#include "probe/clock.h"

#define MAX_ANSWERS 4096	/* distinct responders remembered for deduplication */

void ps_bcast_ifaces_free(struct ps_bcast_ifaces *l)
{
	free(l->v);
	l->v = NULL;
	l->len = 0;
}

int ps_bcast_interfaces(const char *only, struct ps_bcast_ifaces *out, ps_err *err)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;
	bool seen = false, seen_up = false;

	out->v = NULL;
	out->len = 0;
	if (getifaddrs(&ifa) < 0)
		return ps_err_system(err, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next)
		n++;
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		freeifaddrs(ifa);
		return ps_err_nomem(err);
	}
	for (i = ifa; i; i = i->ifa_next) {
		struct ps_bcast_iface *f;

		if (only && strcmp(i->ifa_name, only) != 0)
			continue;
		seen = true;
		if (!(i->ifa_flags & IFF_UP))
			continue;
		seen_up = true;
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
		    !(i->ifa_flags & IFF_BROADCAST) || !i->ifa_broadaddr)
			continue;
		f = &out->v[out->len];
		if (strlen(i->ifa_name) >= sizeof(f->name))
			continue;
		memcpy(f->name, i->ifa_name, strlen(i->ifa_name) + 1);
		f->ifindex = if_nametoindex(i->ifa_name);
		f->addr = ((const struct sockaddr_in *)i->ifa_addr)->sin_addr;
		f->bcast = ((const struct sockaddr_in *)i->ifa_broadaddr)->sin_addr;
		if (i->ifa_netmask)
			f->mask = ((const struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		if (!f->ifindex || f->bcast.s_addr == 0)
			continue;
		inet_ntop(AF_INET, &f->bcast, f->bcast_text, sizeof(f->bcast_text));
		out->len++;
	}
	freeifaddrs(ifa);
	if (only && !seen) {
		ps_bcast_ifaces_free(out);
		return ps_err_input(err, "no interface '%s'", only);
	}
	if (only && !seen_up) {
		ps_bcast_ifaces_free(out);
		return ps_err_input(err, "interface '%s' is down", only);
	}
	if (only && !out->len) {
		ps_bcast_ifaces_free(out);
		return ps_err_input(err, "interface '%s' has no IPv4 broadcast address", only);
	}
	return 0;
}

static int send_on(int fd, const struct ps_bcast_iface *f, uint16_t port, const void *payload,
		   size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = f->bcast };
	struct in_pktinfo pi = { .ipi_ifindex = (int)f->ifindex, .ipi_spec_dst = f->addr };
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)payload, len };
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return sendmsg(fd, &m, 0) < 0 ? -1 : 0;
}

/* What one run keeps while answers come in. */
struct run {
	const struct ps_bcast_ifaces *ifs;
	uint16_t port;
	struct in_addr *seen;		/* responders so far, MAX_ANSWERS at most */
	size_t nseen;
	double *sent_at, start;		/* per interface; -1: the send failed */
	ps_bcast_cb cb;
	void *ctx;
	uint8_t buf[2048];		/* one answer */
};

static int bcast_socket(ps_err *err)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ps_err_system(err, "udp socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		ps_err_system(err, "udp socket: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Send on every interface. Returns 0 when at least one send went out, else -1 with err. */
static int send_all(struct run *r, int fd, const void *payload, size_t len, ps_err *err)
{
	size_t nsent = 0;
	int last_errno = 0;

	r->start = ps_clock_ms();
	for (size_t i = 0; i < r->ifs->len; i++) {
		r->sent_at[i] = ps_clock_ms();
		if (send_on(fd, &r->ifs->v[i], r->port, payload, len) < 0) {
			r->sent_at[i] = -1;
			last_errno = errno;
			continue;
		}
		nsent++;
	}
	if (nsent)
		return 0;
	errno = last_errno;
	return ps_err_system(err, "could not send to %s: %s", r->ifs->v[0].bcast_text,
			     strerror(last_errno));
}

/* True when addr answered before; else remember it (while there is room). */
static bool seen_before(struct run *r, struct in_addr addr)
{
	for (size_t k = 0; k < r->nseen; k++)
		if (r->seen[k].s_addr == addr.s_addr)
			return true;
	if (r->nseen < MAX_ANSWERS)
		r->seen[r->nseen++] = addr;
	return false;
}

/* The interface an answer from `from` came in on (IP_PKTINFO in m); with several addresses
 * on one interface, the one whose subnet holds the responder. */
static size_t iface_of(const struct ps_bcast_ifaces *ifs, struct msghdr *m,
		       const struct sockaddr_in *from)
{
	unsigned ifindex = 0;
	size_t fi = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifindex = (unsigned)pi.ipi_ifindex;
		}
	for (size_t i = 0; i < ifs->len; i++) {
		if (ifs->v[i].ifindex != ifindex)
			continue;
		fi = i;
		if ((ifs->v[i].addr.s_addr ^ from->sin_addr.s_addr) & ifs->v[i].mask.s_addr)
			continue;
		break;
	}
	return fi;
}

/* Read every answer queued on fd, calling the callback once per new responder. Returns 0,
 * or -1 with err when reading fails. */
static int read_answers(struct run *r, int fd, ps_err *err)
{
	for (;;) {
		struct sockaddr_in from;
		union {
			char buf[256];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { r->buf, sizeof(r->buf) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		struct ps_bcast_answer a = { 0 };
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		size_t fi;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* ICMP errors from hosts without a responder surface here. */
			if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH)
				continue;
			return ps_err_system(err, "recvmsg: %s", strerror(errno));
		}
		if (ntohs(from.sin_port) != r->port || seen_before(r, from.sin_addr))
			continue;
		fi = iface_of(r->ifs, &m, &from);
		inet_ntop(AF_INET, &from.sin_addr, a.address, sizeof(a.address));
		a.ifname = r->ifs->v[fi].name;
		a.bcast = r->ifs->v[fi].bcast_text;
		a.rtt_ms = ps_clock_ms() - (r->sent_at[fi] >= 0 ? r->sent_at[fi] : r->start);
		a.bytes = (size_t)n;
		a.data = r->buf;
		r->cb(&a, r->ctx);
	}
}

int ps_bcast_run(const struct ps_bcast_ifaces *ifs, uint16_t port, const void *payload,
		 size_t len, int wait_ms, ps_bcast_cb cb, void *ctx, ps_err *err)
{
	struct run *r;
	double end;
	int fd, rc = -1;

	if (!ifs->len)
		return 0;
	if ((fd = bcast_socket(err)) < 0)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ps_err_nomem(err);
		goto end;
	}
	r->ifs = ifs;
	r->port = port;
	r->cb = cb;
	r->ctx = ctx;
	r->seen = calloc(MAX_ANSWERS, sizeof(*r->seen));
	r->sent_at = calloc(ifs->len, sizeof(*r->sent_at));
	if (!r->seen || !r->sent_at) {
		ps_err_nomem(err);
		goto end;
	}
	if (send_all(r, fd, payload, len, err) < 0)
		goto end;
	end = r->start + wait_ms;
	for (;;) {
		double t = ps_clock_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (t >= end)
			break;
		if (poll(&p, 1, (int)(end - t) + 1) < 0 && errno != EINTR) {
			ps_err_system(err, "poll: %s", strerror(errno));
			goto end;
		}
		if (read_answers(r, fd, err) < 0)
			goto end;
	}
	rc = (int)r->nseen;
end:
	if (r) {
		free(r->seen);
		free(r->sent_at);
		free(r);
	}
	if (close(fd) < 0 && rc >= 0)
		rc = ps_err_system(err, "close: %s", strerror(errno));
	return rc;
}
