/* The inet_diag dump: a parser from netlink bytes to struct sock_rec, and the loop that
 * asks the kernel for one (protocol, family) dump at a time. Filtering by state happens in
 * the kernel (idiag_states); everything else is left to the caller. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <pwd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "probe/grow.h"
#include "probe/nlmsg.h"
#include "probe/names.h"
#include "probe/proto.h"
#include "probe/sockdiag.h"

/* Big enough for the largest chunk the kernel builds for a dump (32 KiB skbs). */
#define DUMP_BUF_SIZE ((size_t)64 * 1024)
/* Kernels before 5.9 lack it in their headers; the value is part of the ABI. */
#ifndef INET_DIAG_CGROUP_ID
#define INET_DIAG_CGROUP_ID 21
#endif
/* Socket churn can interrupt a dump again and again; past this we say so. */
#define DUMP_MAX_TRIES 16

void ps_sockvec_free(struct ps_sockvec *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->len = sv->cap = 0;
}

int ps_sockvec_dedup(struct ps_sockvec *sv, size_t from)
{
	size_t n = sv->len - from, cap = 16, kept = from;
	uint64_t *seen;

	while (cap < 2 * n)
		cap *= 2;
	seen = calloc(cap, sizeof(*seen));	/* open addressing; 0 is empty */
	if (!seen)
		return -1;
	for (size_t i = from; i < sv->len; i++) {
		const struct sock_rec *r = &sv->v[i];
		uint64_t key = (uint64_t)r->inode << 16 | r->local_port;
		size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
		bool dup = false;

		if (r->inode) {
			while (seen[h] && !(dup = (seen[h] == key)))
				h = (h + 1) & (cap - 1);
			if (!dup)
				seen[h] = key;
		}
		if (!dup)
			sv->v[kept++] = *r;
	}
	sv->len = kept;
	free(seen);
	return 0;
}

struct dump_ctx {
	uint8_t proto;
	struct ps_sockvec *out;
};

static struct sock_rec *sockvec_push(struct ps_sockvec *sv)
{
	struct sock_rec *n = ps_grow(sv->v, &sv->cap, sv->len, sizeof(*n), 256);

	if (!n)
		return NULL;
	sv->v = n;
	return &sv->v[sv->len++];
}

/* The attributes after the inet_diag_msg, from off to the end of the message (whose length
 * the walk has checked against the bytes). Unknown attributes are skipped; a known one too
 * short for its value is ignored rather than trusted, so an odd kernel costs a field, never
 * a bad read. Walked inline: this runs for every socket of a dump, and libmnl's calls per
 * attribute were a visible part of a large listing's time. */
static void parse_attrs(const struct nlmsghdr *nlh, size_t off, struct sock_rec *r)
{
	const char *base = (const char *)nlh;

	for (off = NLMSG_ALIGN(off); off + sizeof(struct nlattr) <= nlh->nlmsg_len;) {
		struct nlattr a;
		size_t plen;

		memcpy(&a, base + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > nlh->nlmsg_len - off)
			return;		/* malformed: the rest cannot be trusted */
		plen = a.nla_len - NLA_HDRLEN;
		switch (a.nla_type & NLA_TYPE_MASK) {
		case INET_DIAG_SKV6ONLY:
			if (plen >= 1)
				r->v6only = base[off + NLA_HDRLEN] ? 1 : 0;
			break;
		case INET_DIAG_CGROUP_ID:
			if (plen >= sizeof(uint64_t))
				memcpy(&r->cgroup_id, base + off + NLA_HDRLEN, sizeof(uint64_t));
			break;
		default:
			break;
		}
		off += NLA_ALIGN(a.nla_len);
	}
}

static int parse_one(const struct nlmsghdr *nlh, uint8_t proto, struct ps_sockvec *out,
		     ps_err *err)
{
	const struct inet_diag_msg *m;
	struct sock_rec *r;

	m = ps_nlmsg_payload(nlh, sizeof(*m), "inet_diag", err);
	if (!m)
		return -1;
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return 0;
	r = sockvec_push(out);
	if (!r)
		return ps_err_nomem(err);
	memset(r, 0, sizeof(*r));
	r->proto = proto;
	r->family = m->idiag_family;
	r->state = m->idiag_state;
	r->v6only = -1;
	r->local_port = ntohs(m->id.idiag_sport);
	r->remote_port = ntohs(m->id.idiag_dport);
	r->ifindex = m->id.idiag_if;
	r->uid = m->idiag_uid;
	r->inode = m->idiag_inode;
	r->recv_q = m->idiag_rqueue;
	r->send_q = m->idiag_wqueue;
	memcpy(&r->local, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(&r->remote, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);

	parse_attrs(nlh, NLMSG_LENGTH(sizeof(*m)), r);
	return 0;
}

/* sock_diag's own answer to a protocol it has no handler for: say which, not just ENOENT. */
static bool no_handler(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) &&
	       e->error == -ENOENT;
}

int ps_sockdiag_parse(const void *buf, size_t len, uint8_t proto, struct ps_sockvec *out,
		      ps_err *err)
{
	struct ps_nlwalk w;
	const struct nlmsghdr *nlh;

	ps_nlwalk_init(&w, buf, len);
	while ((nlh = ps_nlwalk_next(&w))) {
		int rc;

		if (no_handler(nlh)) {
			errno = ENOENT;
			return ps_err_system(err,
					     "netlink: sock_diag for %s is not available in this kernel",
					     ps_proto_name(proto));
		}
		rc = ps_nlmsg_control(nlh, "sock_diag", err);
		if (rc == 1)
			return w.intr ? -2 : 1;
		if (rc < 0)
			return -1;
		if (rc == 2 &&
		    (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY || nlh->nlmsg_type == TCPDIAG_GETSOCK) &&
		    parse_one(nlh, proto, out, err) < 0)
			return -1;
	}
	return ps_nlwalk_end(&w, "sock_diag", err);
}

static int parse_cb(const void *buf, size_t len, void *data, ps_err *err)
{
	const struct dump_ctx *cx = data;

	return ps_sockdiag_parse(buf, len, cx->proto, cx->out, err);
}

/* One dump for (proto, family); seq differs between tries, so the rest of an interrupted
 * dump is never taken for the next one. family AF_UNSPEC (TCP only) is the legacy
 * TCPDIAG_GETSOCK request, which the kernel answers with both families from one walk of
 * its socket tables: each walk visits every socket of every namespace, so one walk instead
 * of two halves the cost of a dump. Returns 0, -1 with err, or -2 when interrupted. */
static int dump_one(struct mnl_socket *nl, char *buf, uint8_t proto, uint8_t family,
		    uint32_t states, uint32_t seq, struct ps_sockvec *out, ps_err *err)
{
	union {
		struct {
			struct nlmsghdr nlh;
			struct inet_diag_req_v2 req;
		} v2;
		struct {
			struct nlmsghdr nlh;
			struct inet_diag_req req;
		} legacy;
	} msg;
	struct dump_ctx cx = { proto, out };

	memset(&msg, 0, sizeof(msg));
	if (family == AF_UNSPEC) {
		msg.legacy.nlh.nlmsg_len = sizeof(msg.legacy);
		msg.legacy.nlh.nlmsg_type = TCPDIAG_GETSOCK;
		msg.legacy.req.idiag_states = states;
	} else {
		msg.v2.nlh.nlmsg_len = sizeof(msg.v2);
		msg.v2.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		msg.v2.req.sdiag_family = family;
		msg.v2.req.sdiag_protocol = proto;
		msg.v2.req.idiag_states = states;
	}
	msg.v2.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.v2.nlh.nlmsg_seq = seq;
	return ps_nl_dump(nl, &msg.v2.nlh, buf, DUMP_BUF_SIZE, parse_cb, &cx, err);
}

/* dump_one until a dump is not interrupted, at most DUMP_MAX_TRIES times; what an
 * interrupted or failed dump added is dropped. Returns 0 or -1 with err. */
static int dump_retry(struct mnl_socket *nl, char *buf, uint8_t proto, uint8_t family,
		      uint32_t states, uint32_t *seq, struct ps_sockvec *out, ps_err *err)
{
	size_t mark = out->len;
	int rc = -2, tries;

	for (tries = 0; tries < DUMP_MAX_TRIES && rc == -2; tries++) {
		out->len = mark;	/* never half-report an interrupted dump */
		rc = dump_one(nl, buf, proto, family, states, (*seq)++, out, err);
	}
	if (rc == -2) {
		errno = EAGAIN;
		ps_err_system(err, "netlink: dump interrupted %d times by socket churn", tries);
	}
	/* A dump that races socket churn can return a socket twice: once is kept. */
	if (rc == 0 && ps_sockvec_dedup(out, mark) < 0)
		rc = ps_err_nomem(err);
	if (rc < 0)
		out->len = mark;
	return rc < 0 ? -1 : 0;
}

int ps_sockdiag_dump(const struct ps_sockdiag_query *q, struct ps_sockvec *out, ps_err *err)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct mnl_socket *nl;
	char *buf;
	uint32_t seq = (uint32_t)time(NULL);
	int ret = -1;

	nl = ps_nl_open(NETLINK_SOCK_DIAG, "sock_diag", &buf, DUMP_BUF_SIZE, err);
	if (!nl)
		return -1;
	for (size_t p = 0; p < 2; p++) {
		uint32_t states = p == 0 ? q->tcp_states : q->udp_states;

		if (!(q->protos & (1u << p)) || !states)
			continue;
		/* Both TCP families in one walk; a kernel without the legacy request gets two. */
		if (protos[p] == IPPROTO_TCP && q->families == (PS_Q_V4 | PS_Q_V6) &&
		    dump_retry(nl, buf, IPPROTO_TCP, AF_UNSPEC, states, &seq, out, err) == 0)
			continue;
		for (size_t f = 0; f < 2; f++)
			if ((q->families & (1u << f)) &&
			    dump_retry(nl, buf, protos[p], families[f], states, &seq, out, err) < 0)
				goto end;
	}
	ret = 0;
end:
	ps_nl_close(nl, buf);
	return ret;
}

static const char *const state_names[PS_SS_MAX] = {
	[PS_SS_ESTABLISHED] = "established", [PS_SS_SYN_SENT] = "syn-sent",
	[PS_SS_SYN_RECV] = "syn-recv", [PS_SS_FIN_WAIT1] = "fin-wait-1",
	[PS_SS_FIN_WAIT2] = "fin-wait-2", [PS_SS_TIME_WAIT] = "time-wait",
	[PS_SS_CLOSE] = "close", [PS_SS_CLOSE_WAIT] = "close-wait",
	[PS_SS_LAST_ACK] = "last-ack", [PS_SS_LISTEN] = "listen",
	[PS_SS_CLOSING] = "closing",
};

const char *ps_sock_state_name(const struct sock_rec *r)
{
	if (r->nat)
		return "dnat";
	if (r->proto == IPPROTO_UDP && r->state == PS_SS_CLOSE)
		return "unconn";
	if (r->state > 0 && r->state < PS_SS_MAX)
		return state_names[r->state];
	return "unknown";
}

int ps_sock_state_parse(const char *name, unsigned *state)
{
	if (strcmp(name, "unconn") == 0) {
		*state = PS_SS_CLOSE;
		return 0;
	}
	for (unsigned i = 1; i < PS_SS_MAX; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*state = i;
			return 0;
		}
	}
	return -1;
}

/* The kernel gives lo this index in every network namespace (LOOPBACK_IFINDEX). */
#define LOOPBACK_IFINDEX 1

enum ps_exposure ps_sock_exposure(const struct sock_rec *r)
{
	const uint8_t *a = r->local.s6_addr;

	/* Bound to the lo device (SO_BINDTODEVICE, "0.0.0.0%lo"): only this host reaches it,
	 * whatever the address. */
	if (r->ifindex == LOOPBACK_IFINDEX)
		return PS_EXPOSE_LOOPBACK;
	if (r->family == AF_INET) {
		if (a[0] == 127)
			return PS_EXPOSE_LOOPBACK;
		if (!a[0] && !a[1] && !a[2] && !a[3])
			return PS_EXPOSE_ALL;
		return PS_EXPOSE_SPECIFIC;
	}
	if (IN6_IS_ADDR_LOOPBACK(&r->local))
		return PS_EXPOSE_LOOPBACK;
	if (IN6_IS_ADDR_V4MAPPED(&r->local) && a[12] == 127)
		return PS_EXPOSE_LOOPBACK;
	if (IN6_IS_ADDR_UNSPECIFIED(&r->local))
		return PS_EXPOSE_ALL;
	return PS_EXPOSE_SPECIFIC;
}

unsigned ps_sock_accepts(const struct sock_rec *r)
{
	if (r->family == AF_INET || IN6_IS_ADDR_V4MAPPED(&r->local))
		return PS_Q_V4;
	if (IN6_IS_ADDR_UNSPECIFIED(&r->local) && r->v6only == 0)
		return PS_Q_V4 | PS_Q_V6;
	return PS_Q_V6;
}

static const char *const exposure_names[] = {
	[PS_EXPOSE_LOOPBACK] = "loopback", [PS_EXPOSE_ALL] = "all",
	[PS_EXPOSE_SPECIFIC] = "specific",
};

PS_NAMES_FUNCS(enum ps_exposure, exposure_names, ps_exposure_name, ps_exposure_parse)

/* Most hosts have a handful of socket owners and devices: a short list is enough. */
#define NAME_CACHE 32

struct name_cache {
	uint32_t key[NAME_CACHE];
	char *name[NAME_CACHE];	/* NULL: looked up, not found */
	size_t len;
};

static const char *cache_find(struct name_cache *c, uint32_t key, bool *found)
{
	for (size_t i = 0; i < c->len; i++) {
		if (c->key[i] == key) {
			*found = true;
			return c->name[i];
		}
	}
	*found = false;
	return NULL;
}

static const char *cache_put(struct name_cache *c, uint32_t key, const char *name)
{
	char *copy = name ? strdup(name) : NULL;

	if (c->len < NAME_CACHE) {
		c->key[c->len] = key;
		c->name[c->len++] = copy;
	}
	/* A full cache still answers, from a copy it keeps until exit. */
	return copy;
}

const char *ps_sock_user(uint32_t uid)
{
	static struct name_cache cache;
	struct passwd pw, *res = NULL;
	char buf[1024];
	bool found;
	const char *name = cache_find(&cache, uid, &found);

	if (found)
		return name;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return cache_put(&cache, uid, NULL);
	return cache_put(&cache, uid, res->pw_name);
}

const char *ps_sock_ifname(uint32_t ifindex)
{
	static struct name_cache cache;
	char buf[IF_NAMESIZE];
	bool found;
	const char *name;

	if (ifindex == 0)
		return NULL;
	name = cache_find(&cache, ifindex, &found);
	if (found)
		return name;
	return cache_put(&cache, ifindex, if_indextoname(ifindex, buf));
}
