/* The responder's UDP side. A datagram is answered when it carries portscope's request
 * (any datagram with answer_any), comes from a port >= 1024 (no well-known service that
 * answers everything, no port 0), is not itself a portscope reply, was not sent to a
 * broadcast or multicast address (unless answer_broadcast), and its source still has a
 * token in its bucket. The reply is never longer than the datagram. It goes out from the
 * address the request reached (IP_PKTINFO / IPV6_PKTINFO), so that a prober matching
 * answers by address, and a broadcaster on a LAN without a default route, both get it.
 * A datagram over its source's rate is neither answered nor logged, only counted. */
#include <errno.h>
#include <string.h>

#include "probe/clock.h"
#include "probe/responder_int.h"

#define UDP_BURST 64		/* datagrams per socket per wake, so no socket starves */

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

/* The answer's source from the request's packet info, into om; sets ev->broadcast. */
static void answer_from(struct msghdr *m, struct msghdr *om, char *obuf,
			struct ps_responder_event *ev)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ev->broadcast = pi.ipi_addr.s_addr != pi.ipi_spec_dst.s_addr ||
					IN_MULTICAST(ntohl(pi.ipi_addr.s_addr));
			/* Answer from the address the request reached (for a broadcast: the
			 * receiving interface's own address), out of that interface. */
			pi.ipi_addr.s_addr = 0;
			put_cmsg(om, obuf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr)) {
				/* The kernel picks a unicast source on that interface. */
				ev->broadcast = true;
				pi.ipi6_addr = in6addr_any;
			}
			put_cmsg(om, obuf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		}
	}
}

/* Why buf[0..n) from ev's peer must not be answered, or NULL. */
static const char *refusal(const struct ps_responder *r, const uint8_t *buf, size_t n,
			   const struct ps_responder_event *ev)
{
	size_t plen = strlen(PS_RESPONDER_REPLY_PREFIX);

	/* A reply, or a reply cut short (ours to a short request, echoed back). */
	if (ps_payload_is_reply(buf, n, NULL, NULL) ||
	    (n && n < plen && memcmp(buf, PS_RESPONDER_REPLY_PREFIX, n) == 0))
		return "reply";
	if (!r->answer_any && !ps_payload_is_request(buf, n))
		return "not-a-request";
	if (ev->peer_port < 1024)
		return "privileged-port";
	if (ev->broadcast && !r->answer_broadcast)
		return "broadcast";
	if (n == 0)
		return "empty";
	return NULL;
}

void ps_responder_report_dropped(struct ps_responder *r, ps_responder_cb cb, void *ctx,
				  double now)
{
	struct ps_responder_event ev = { .kind = PS_RESP_DROPPED, .proto = IPPROTO_UDP };

	if (!r->rate_limited || now - r->dropped_at < 1000)
		return;
	ev.rate_limited = r->rate_limited;
	r->rate_limited = 0;
	r->dropped_at = now;
	cb(&ev, ctx);
}

static void answer_one(struct ps_responder *r, struct ps_rsock *s, struct msghdr *m, size_t n,
		       ps_responder_cb cb, void *ctx)
{
	struct ps_responder_event ev = { .kind = PS_RESP_UDP_PEER, .proto = IPPROTO_UDP,
					 .bytes = n };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} out;
	struct iovec oiov = { r->reply, r->reply_len < n ? r->reply_len : n };
	struct msghdr om = { .msg_name = m->msg_name, .msg_namelen = m->msg_namelen,
			     .msg_iov = &oiov, .msg_iovlen = 1 };
	double now = ps_clock_ms();

	memset(&out, 0, sizeof(out));
	memcpy(ev.local, s->local, sizeof(ev.local));
	ev.local_port = s->port;
	ps_responder_addr_text(m->msg_name, ev.peer, sizeof(ev.peer), &ev.peer_port);
	answer_from(m, &om, out.buf, &ev);
	/* One token per datagram, answered or not: the log is rate-limited too. */
	if (!ps_srclimit_take(&r->limit, m->msg_name, now)) {
		r->rate_limited++;
		ps_responder_report_dropped(r, cb, ctx, now);
		return;
	}
	ev.why = refusal(r, m->msg_iov->iov_base, n < m->msg_iov->iov_len ? n
						: m->msg_iov->iov_len, &ev);
	if (!ev.why) {
		ev.answered = sendmsg(s->fd, &om, MSG_DONTWAIT) == (ssize_t)oiov.iov_len;
		if (!ev.answered)
			ev.why = "send-error";
	}
	cb(&ev, ctx);
	ps_responder_report_dropped(r, cb, ctx, now);
}

void ps_responder_udp(struct ps_responder *r, struct ps_rsock *s, ps_responder_cb cb,
		      void *ctx)
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
		/* MSG_TRUNC: the datagram's real size even when it is longer than buf. */
		ssize_t n = recvmsg(s->fd, &m, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		answer_one(r, s, &m, (size_t)n, cb, ctx);
	}
}
