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
#include <time.h>
#include <unistd.h>

#include "probe/broadcast.h"

#define MAX_ANSWERS 4096	/* distinct responders remembered for deduplication */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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
		return ps_err_set(err, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next)
		n++;
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		freeifaddrs(ifa);
		return ps_err_set(err, "out of memory");
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
		return ps_err_set(err, "no interface '%s'", only);
	}
	if (only && !seen_up) {
		ps_bcast_ifaces_free(out);
		return ps_err_set(err, "interface '%s' is down", only);
	}
	if (only && !out->len) {
		ps_bcast_ifaces_free(out);
		return ps_err_set(err, "interface '%s' has no IPv4 broadcast address", only);
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

int ps_bcast_run(const struct ps_bcast_ifaces *ifs, uint16_t port, const void *payload,
		 size_t len, int wait_ms, ps_bcast_cb cb, void *ctx, ps_err *err)
{
	struct in_addr *seen = NULL;
	double *sent_at = NULL, start, end;
	size_t nseen = 0, nsent = 0;
	int one = 1, fd, rc = -1, last_errno = 0;
	struct sockaddr_in any = { .sin_family = AF_INET };

	if (!ifs->len)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ps_err_set(err, "udp socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		ps_err_set(err, "udp socket: %s", strerror(errno));
		goto end;
	}
	seen = calloc(MAX_ANSWERS, sizeof(*seen));
	sent_at = calloc(ifs->len, sizeof(*sent_at));
	if (!seen || !sent_at) {
		ps_err_set(err, "out of memory");
		goto end;
	}
	start = now_ms();
	for (size_t i = 0; i < ifs->len; i++) {
		sent_at[i] = now_ms();
		if (send_on(fd, &ifs->v[i], port, payload, len) < 0) {
			sent_at[i] = -1;
			last_errno = errno;
			continue;
		}
		nsent++;
	}
	if (!nsent) {
		ps_err_set(err, "could not send to %s: %s", ifs->v[0].bcast_text, strerror(last_errno));
		goto end;
	}
	end = start + wait_ms;
	for (;;) {
		double t = now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int prc;

		if (t >= end)
			break;
		prc = poll(&p, 1, (int)(end - t) + 1);
		if (prc < 0 && errno != EINTR) {
			ps_err_set(err, "poll: %s", strerror(errno));
			goto end;
		}
		for (;;) {
			struct sockaddr_in from;
			uint8_t buf[2048];
			union {
				char buf[256];
				struct cmsghdr align;
			} ctl;
			struct iovec iov = { buf, sizeof(buf) };
			struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from),
					    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
					    .msg_controllen = sizeof(ctl.buf) };
			struct ps_bcast_answer a = { 0 };
			ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
			unsigned ifindex = 0;
			size_t k, fi = 0;

			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				/* ICMP errors from hosts without a responder surface here. */
				if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
				    errno == ENETUNREACH)
					continue;
				ps_err_set(err, "recvmsg: %s", strerror(errno));
				goto end;
			}
			if (ntohs(from.sin_port) != port)
				continue;
			for (k = 0; k < nseen; k++)
				if (seen[k].s_addr == from.sin_addr.s_addr)
					break;
			if (k < nseen)
				continue;
			if (nseen < MAX_ANSWERS)
				seen[nseen++] = from.sin_addr;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					ifindex = (unsigned)pi.ipi_ifindex;
				}
			/* The interface it came in on; several addresses on one interface: the
			 * one whose subnet holds the responder. */
			for (size_t i = 0; i < ifs->len; i++) {
				if (ifs->v[i].ifindex != ifindex)
					continue;
				fi = i;
				if ((ifs->v[i].addr.s_addr ^ from.sin_addr.s_addr) & ifs->v[i].mask.s_addr)
					continue;
				break;
			}
			inet_ntop(AF_INET, &from.sin_addr, a.address, sizeof(a.address));
			a.ifname = ifs->v[fi].name;
			a.bcast = ifs->v[fi].bcast_text;
			a.rtt_ms = now_ms() - (sent_at[fi] >= 0 ? sent_at[fi] : start);
			a.bytes = (size_t)n;
			a.data = buf;
			cb(&a, ctx);
		}
	}
	rc = (int)nseen;
end:
	free(seen);
	free(sent_at);
	if (close(fd) < 0 && rc >= 0)
		rc = ps_err_set(err, "close: %s", strerror(errno));
	return rc;
}
