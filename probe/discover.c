/* Host discovery's loop (see probe/discover.h): slots of hosts in flight, the ICMP echo
 * sockets of both families, the connects, and the token bucket that paces every packet.
 * An echo request carries the slot in its sequence number and the host index in its
 * payload, so a reply finds its slot without a lookup and a late reply for a slot that
 * moved on to another host is ignored. */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/discover.h"
#include "probe/jobs.h"
#include "probe/source.h"
#include "probe/tbucket.h"

enum { TODO_ECHO = 1, TODO_C80 = 2, TODO_C443 = 4, TODO_ALL = 7 };
enum { EV_C80, EV_C443, EV_ICMP4, EV_ICMP6 };

struct slot {
	bool used;
	uint8_t todo;		/* packets of this attempt not sent yet (TODO_*) */
	int fd[2];		/* connects to 80 and 443, -1 when none */
	int sent;		/* echo requests sent */
	uint64_t host;
	union ps_sockaddr addr;
	char address[PS_ADDRTEXT_MAX];
	const char *target;
	const char *down_reason;	/* a connect's unreachable error, or NULL */
	double start, deadline;	/* ms; deadline 0 while packets are pending */
};

struct icmp_sock {
	int fd;
	bool raw;
};

struct disc {
	const struct ps_addrspace *set;
	const struct ps_discover_opts *o;
	ps_host_cb cb;
	void *ctx;
	int ep;
	struct icmp_sock icmp[2];	/* AF_INET, AF_INET6 */
	struct slot *slots;
	size_t nslots, busy;
	uint64_t next;		/* next host to start */
	uint16_t ident;		/* echo identifier on raw sockets */
	int src_rr;		/* the --source address the last connect left from */
	struct ps_tbucket bucket;
};

static int open_icmp(int family, bool *raw)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	*raw = false;
	if (fd < 0) {
		/* EACCES: our group is outside net.ipv4.ping_group_range; raw needs root. */
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		*raw = true;
	}
	return fd;
}

const char *ps_discover_icmp_kind(int family)
{
	bool raw;
	int fd = open_icmp(family, &raw);

	if (fd < 0)
		return "none";
	close(fd);
	return raw ? "raw" : "ping";
}

static uint16_t checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One echo request: type, code, checksum, identifier, sequence (the slot), the host index.
 * A ping socket sets the identifier and checksum itself; a raw ICMPv6 socket the checksum. */
static void send_echo(struct disc *d, struct slot *s, size_t idx)
{
	int fam = s->addr.sa.sa_family;
	const struct icmp_sock *is = &d->icmp[fam == AF_INET6];
	uint8_t pkt[16] = { 0 };
	uint16_t sum;

	if (is->fd < 0)
		return;
	pkt[0] = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	pkt[4] = (uint8_t)(d->ident >> 8);
	pkt[5] = (uint8_t)d->ident;
	pkt[6] = (uint8_t)(idx >> 8);
	pkt[7] = (uint8_t)idx;
	memcpy(pkt + 8, &s->host, sizeof(s->host));
	if (fam == AF_INET && is->raw) {
		sum = checksum(pkt, sizeof(pkt));
		pkt[2] = (uint8_t)(sum >> 8);
		pkt[3] = (uint8_t)sum;
	}
	{
		union ps_sockaddr to = s->addr;
		socklen_t len = fam == AF_INET ? sizeof(to.v4) : sizeof(to.v6);

		/* A ping socket takes the port field as nothing; a raw one as the protocol. */
		if (fam == AF_INET)
			to.v4.sin_port = 0;
		else
			to.v6.sin6_port = 0;
		/* A failed send (no buffer, no neighbour yet) is a lost packet: the retries
		 * and the connects cover it. */
		(void)sendto(is->fd, pkt, sizeof(pkt), MSG_DONTWAIT, &to.sa, len);
	}
}

static void close_fd(struct disc *d, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(d->ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void decide(struct disc *d, struct slot *s, bool up, const char *reason, double now)
{
	struct ps_host_result r;

	for (int i = 0; i < 2; i++)
		close_fd(d, &s->fd[i]);
	memset(&r, 0, sizeof(r));
	r.host = s->host;
	memcpy(r.address, s->address, sizeof(r.address));
	r.target = s->target;
	r.up = up;
	r.reason = reason;
	r.rtt_ms = up ? now - s->start : -1;
	s->used = false;
	d->busy--;
	d->cb(&r, d->ctx);
}

/* A connect's outcome: err 0 accepted, else the errno. Returns whether the host was
 * decided. */
static bool connect_outcome(struct disc *d, struct slot *s, int which, int err, double now)
{
	switch (err) {
	case 0:
		decide(d, s, true, "syn-ack", now);
		return true;
	case ECONNREFUSED:
		decide(d, s, true, "reset", now);
		return true;
	case ENETUNREACH:
	case EHOSTUNREACH:
		/* Wait for the echo all the same: a firewall may reject TCP and answer pings. */
		s->down_reason = err == ENETUNREACH ? "icmp-net-unreachable"
						    : "icmp-host-unreachable";
		break;
	default:
		break;
	}
	close_fd(d, &s->fd[which]);
	return false;
}

/* Start the connect to port 80 (which 0) or 443 (1). Returns whether the host was decided
 * (at once: refused, or no route). */
static bool start_connect(struct disc *d, struct slot *s, size_t idx, int which, double now)
{
	union ps_sockaddr to = s->addr;
	int fam = to.sa.sa_family;
	uint16_t port = which ? 443 : 80;
	struct linger lg = { 1, 0 };
	struct epoll_event ev = { .events = EPOLLOUT };
	int src = -1, fd;
	ps_err e;

	if (d->o->nsources) {
		src = ps_sources_pick(d->o->sources, d->o->nsources, fam, d->src_rr);
		if (src < 0) {
			decide(d, s, false, "no-route", now);	/* none of --source is of its family */
			return true;
		}
		d->src_rr = src;
	}
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;	/* out of descriptors: the echo and the other port remain */
	if (src >= 0 && ps_source_bind(fd, &d->o->sources[src], &e) < 0) {
		close(fd);
		return false;	/* as out of descriptors: the echo and the other port remain */
	}
	/* Closed with a reset, not a FIN: no TIME_WAIT left behind for every live host. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (fam == AF_INET)
		to.v4.sin_port = htons(port);
	else
		to.v6.sin6_port = htons(port);
	s->fd[which] = fd;
	if (connect(fd, &to.sa, fam == AF_INET ? sizeof(to.v4) : sizeof(to.v6)) == 0)
		return connect_outcome(d, s, which, 0, now);
	if (errno != EINPROGRESS) {
		/* At once, before a packet left: the routing table has no way there. */
		if (errno == ENETUNREACH || errno == EHOSTUNREACH) {
			decide(d, s, false, "no-route", now);
			return true;
		}
		return connect_outcome(d, s, which, errno, now);
	}
	ev.data.u64 = (uint64_t)idx << 2 | (uint64_t)which;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		close_fd(d, &s->fd[which]);
	return false;
}

/* Send what the slot's attempt still has to send, a token each. Returns whether the host
 * was decided meanwhile. */
static bool pump(struct disc *d, struct slot *s, size_t idx, double now)
{
	static const uint8_t order[] = { TODO_ECHO, TODO_C80, TODO_C443 };

	for (size_t i = 0; i < sizeof(order) && s->todo; i++) {
		if (!(s->todo & order[i]))
			continue;
		if (!ps_tbucket_take(&d->bucket, now))
			return false;
		if (s->todo == TODO_ALL)
			s->start = now;	/* the round trip counts from the first packet out */
		s->todo &= (uint8_t)~order[i];
		if (order[i] == TODO_ECHO) {
			send_echo(d, s, idx);
			s->sent++;
		} else if (start_connect(d, s, idx, order[i] == TODO_C443, now)) {
			return true;
		}
	}
	if (!s->todo && !s->deadline)
		s->deadline = now + d->o->timeout_ms;
	return false;
}

/* Take the next host into a free slot. */
static void launch(struct disc *d, size_t idx, double now)
{
	struct slot *s = &d->slots[idx];
	struct ps_addrjob aj;

	ps_addrspace_host(d->set, d->next, 0, &aj);
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->fd[0] = s->fd[1] = -1;
	s->host = d->next++;
	s->addr = aj.addr;
	memcpy(s->address, aj.address, sizeof(s->address));
	s->target = aj.target;
	s->todo = TODO_ALL;
	s->start = now;
	d->busy++;
}

/* Start hosts, send what is pending, resend or give up what timed out. Returns the ms
 * until the next thing to do (capped). */
static double step(struct disc *d, double now)
{
	double wait = 1000;

	for (size_t i = 0; d->slots && i < d->nslots; i++) {
		struct slot *s = &d->slots[i];

		if (!s->used) {
			if (d->next >= ps_addrspace_count(d->set))
				continue;
			launch(d, i, now);
		}
		if (s->deadline && now >= s->deadline) {
			/* Without an ICMP socket the connects get the same time. */
			if (s->sent > d->o->retries) {
				decide(d, s, false, s->down_reason ? s->down_reason
								   : "no-response", now);
				continue;
			}
			s->deadline = 0;
			s->todo = TODO_ECHO;
		}
		if (s->todo && pump(d, s, i, now))
			continue;
		if (s->todo)
			wait = 0.05;
		else if (s->deadline - now < wait)
			wait = s->deadline - now;
	}
	if (wait < 1000 && d->bucket.rate > 0) {
		double t = ps_tbucket_wait(&d->bucket, now);

		if (t > wait)
			wait = t;
	}
	return wait;
}

bool ps_discover_parse_reply(const uint8_t *buf, size_t len, bool v6, bool raw,
			     uint16_t ident, size_t *slot, uint64_t *host)
{
	const uint8_t *p = buf;

	if (!v6 && raw) {
		/* A raw IPv4 socket hands over the IP header too. */
		size_t ihl = len ? (size_t)(buf[0] & 0x0f) * 4 : 0;

		if (len < 20 || buf[0] >> 4 != 4 || ihl < 20 || len < ihl)
			return false;
		p += ihl;
		len -= ihl;
	}
	if (len < 16 || p[0] != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) || p[1] != 0)
		return false;
	/* A ping socket's replies are its own (the kernel matches the identifier); a raw
	 * socket sees every echo reply of the host. */
	if (raw && (uint16_t)(p[4] << 8 | p[5]) != ident)
		return false;
	*slot = (size_t)(p[6] << 8 | p[7]);
	memcpy(host, p + 8, sizeof(*host));
	return true;
}

/* Read every datagram waiting on an ICMP socket; an echo reply from the probed address
 * with our slot and host in it proves the host up. */
static void read_icmp(struct disc *d, int v6, double now)
{
	const struct icmp_sock *is = &d->icmp[v6];
	uint8_t buf[512];
	union ps_sockaddr from;

	for (int n = 0; n < 4096; n++) {
		socklen_t flen = sizeof(from);
		struct slot *s;
		uint64_t host;
		size_t idx;
		ssize_t len;

		memset(&from, 0, sizeof(from));
		len = recvfrom(is->fd, buf, sizeof(buf), MSG_DONTWAIT, &from.sa, &flen);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;	/* an ICMP error queued on a ping socket: no verdict */
		}
		if (!ps_discover_parse_reply(buf, (size_t)len, v6, is->raw, d->ident, &idx, &host))
			continue;
		if (!d->slots || idx >= d->nslots || !(s = &d->slots[idx])->used ||
		    s->host != host)
			continue;
		if (v6 ? memcmp(&from.v6.sin6_addr, &s->addr.v6.sin6_addr, 16) != 0
		       : from.v4.sin_addr.s_addr != s->addr.v4.sin_addr.s_addr)
			continue;
		decide(d, s, true, "echo-reply", now);
	}
}

static void on_event(struct disc *d, const struct epoll_event *ev, double now)
{
	unsigned kind = (unsigned)(ev->data.u64 & 3);
	struct slot *s;
	int err = 0;
	socklen_t len = sizeof(err);

	if (kind == EV_ICMP4 || kind == EV_ICMP6) {
		read_icmp(d, kind == EV_ICMP6, now);
		return;
	}
	if (!d->slots || (ev->data.u64 >> 2) >= d->nslots)
		return;
	s = &d->slots[ev->data.u64 >> 2];
	if (!s->used || s->fd[kind] < 0)
		return;
	if (getsockopt(s->fd[kind], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0 && !(ev->events & EPOLLOUT))
		return;
	(void)connect_outcome(d, s, (int)kind, err, now);
}

/* An address as the target sets count it (probe/addrspace.h): IPv4 host order, IPv6 the
 * 128 bits in network order. */
static ps_u128 addr_value(const struct ps_ifaddr *a)
{
	ps_u128 v = 0;

	for (int i = 0; i < (a->family == AF_INET ? 4 : 16); i++)
		v = (v << 8) | a->addr.s6_addr[i];
	return v;
}

bool ps_discover_onlink(const struct ps_addrspace *set, const struct ps_ifaddr *addrs,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ps_ifaddr *a = &addrs[i];
		unsigned bits = a->family == AF_INET ? 32 : 128;
		ps_u128 lo, hi;

		/* Host scope: loopback, no neighbours; a /32 or /128 has no subnet. */
		if (a->scope == RT_SCOPE_HOST || a->prefixlen >= bits)
			continue;
		hi = ((ps_u128)1 << (bits - a->prefixlen)) - 1;
		lo = addr_value(a) & ~hi;
		hi |= lo;
		for (size_t r = 0; r < set->len; r++)
			if (set->v[r].family == a->family && set->v[r].lo <= hi &&
			    set->v[r].hi >= lo)
				return true;
	}
	return false;
}

/* Hosts in flight: two descriptors each from the budget (or --concurrency), at most
 * PS_DISCOVER_MAX_HOSTS (PS_DISCOVER_ONLINK_HOSTS on a subnet of ours), at most the set. */
static size_t slot_count(const struct ps_discover_opts *o, ps_u128 hosts)
{
	long n = (o->concurrency > 0 ? o->concurrency : ps_probe_fd_budget()) / 2;
	long most = o->onlink ? PS_DISCOVER_ONLINK_HOSTS : PS_DISCOVER_MAX_HOSTS;

	if (n < 1)
		n = 1;
	if (n > most)
		n = most;
	return hosts < (ps_u128)n ? (size_t)hosts : (size_t)n;
}

static int open_all(struct disc *d, ps_err *err)
{
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0)
		return ps_err_system(err, "epoll_create1");
	for (int v6 = 0; v6 < 2; v6++) {
		struct epoll_event ev = { .events = EPOLLIN };

		int fam = v6 ? AF_INET6 : AF_INET, src = -1;

		if (d->o->nsources &&
		    (src = ps_sources_pick(d->o->sources, d->o->nsources, fam, d->o->nsources - 1)) < 0)
			continue;	/* no echo from a family none of --source has */
		d->icmp[v6].fd = open_icmp(fam, &d->icmp[v6].raw);
		if (d->icmp[v6].fd >= 0 && src >= 0 &&
		    ps_source_bind(d->icmp[v6].fd, &d->o->sources[src], err) < 0)
			return -1;
		ev.data.u64 = v6 ? EV_ICMP6 : EV_ICMP4;
		if (d->icmp[v6].fd >= 0 && epoll_ctl(d->ep, EPOLL_CTL_ADD, d->icmp[v6].fd, &ev) < 0)
			return ps_err_system(err, "epoll_ctl");
	}
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	return d->slots ? 0 : ps_err_nomem(err);
}

static void close_all(struct disc *d)
{
	for (size_t i = 0; d->slots && i < d->nslots; i++)
		for (int k = 0; k < 2; k++)
			if (d->slots[i].used && d->slots[i].fd[k] >= 0)
				close(d->slots[i].fd[k]);
	free(d->slots);
	for (int v6 = 0; v6 < 2; v6++)
		if (d->icmp[v6].fd >= 0)
			close(d->icmp[v6].fd);
	if (d->ep >= 0)
		close(d->ep);
}

int ps_discover_run(const struct ps_addrspace *set, const struct ps_discover_opts *o,
		    ps_host_cb cb, void *ctx, ps_err *err)
{
	struct disc d = { .set = set, .o = o, .cb = cb, .ctx = ctx, .ep = -1 };
	struct epoll_event evs[256];
	int rc = 0;

	d.icmp[0].fd = d.icmp[1].fd = -1;
	d.ident = (uint16_t)getpid();
	d.nslots = slot_count(o, ps_addrspace_count(set));
	ps_tbucket_init(&d.bucket, o->rate, o->rate * 0.02, ps_clock_ms());
	if (!d.nslots || open_all(&d, err) < 0) {
		rc = d.nslots ? -1 : 0;
		goto out;
	}
	while (!(o->stop && *o->stop)) {
		double wait = step(&d, ps_clock_ms());
		int n, ms;

		if (!d.busy && d.next >= ps_addrspace_count(set))
			break;
		if (o->on_wait)
			o->on_wait(o->wait_ctx);
		ms = (int)(wait + 0.999);
		if (o->stop && ms > PS_STOP_POLL_MS)
			ms = PS_STOP_POLL_MS;
		n = epoll_wait(d.ep, evs, 256, ms);
		if (n < 0 && errno != EINTR) {
			rc = ps_err_system(err, "epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++)
			on_event(&d, &evs[i], ps_clock_ms());
	}
out:
	close_all(&d);
	return rc;
}
