/* The rtnetlink dumps of links (RTM_GETLINK) and addresses (RTM_GETADDR): a parser from
 * netlink bytes to struct ps_link and struct ps_ifaddr, and the loop that asks the kernel
 * for both. Attributes of the wrong size are ignored rather than trusted, so an odd
 * kernel costs a field, never a bad read. */
#include <errno.h>
#include <net/if.h>	/* before linux/if.h, which then defers to it */
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "probe/nlmsg.h"
#include "probe/rtaddr.h"

/* A link message with every attribute is a few KiB; 64 KiB takes whole kernel chunks. */
#define DUMP_BUF_SIZE ((size_t)64 * 1024)
/* Links and addresses change under us on a busy host; past this we say so. */
#define DUMP_MAX_TRIES 16

void ps_rtaddr_free(struct ps_rtaddr *r)
{
	free(r->links);
	free(r->addrs);
	memset(r, 0, sizeof(*r));
}

/* Room for one more element of size sz in the array whose pointer is at parray (len
 * and cap beside it): the new element, or NULL on OOM. The pointer is copied, not cast,
 * so a struct pointer is never written through a void * lvalue. */
static void *grow(void *parray, size_t *len, size_t *cap, size_t sz)
{
	char *v;

	memcpy(&v, parray, sizeof(v));
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char *n = realloc(v, ncap * sz);

		if (!n)
			return NULL;
		v = n;
		*cap = ncap;
		memcpy(parray, &v, sizeof(v));
	}
	return v + (*len)++ * sz;
}

static void link_attr(const struct nlattr *a, struct ps_link *l)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		/* The kernel sends the name with its NUL; one that does not fit is dropped. */
		if (len > 1 && len <= sizeof(l->name) &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			memcpy(l->name, mnl_attr_get_str(a), len);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->operstate = mnl_attr_get_u8(a);
		break;
	case IFLA_ADDRESS:
		if (len > 0 && len <= PS_LINK_ADDR_MAX) {
			memcpy(l->addr, mnl_attr_get_payload(a), len);
			l->addr_len = (uint8_t)len;
		}
		break;
	}
}

static int parse_link(const struct nlmsghdr *nlh, struct ps_rtaddr *r, ps_err *err)
{
	const struct ifinfomsg *ifi = ps_nlmsg_payload(nlh, sizeof(*ifi), "link", err);
	const struct nlattr *a;
	struct ps_link *l;

	if (!ifi)
		return -1;
	l = grow(&r->links, &r->nlinks, &r->links_cap, sizeof(*l));
	if (!l)
		return ps_err_nomem(err);
	memset(l, 0, sizeof(*l));
	l->index = (uint32_t)ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	l->operstate = IF_OPER_UNKNOWN;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		link_attr(a, l);
	}
	return 0;
}

/* An address attribute of the family's size into *out; false otherwise. */
static bool addr_attr(const struct nlattr *a, uint8_t family, struct in6_addr *out)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(a) != want)
		return false;
	memset(out, 0, sizeof(*out));
	memcpy(out, mnl_attr_get_payload(a), want);
	return true;
}

static int parse_addr(const struct nlmsghdr *nlh, struct ps_rtaddr *r, ps_err *err)
{
	const struct ifaddrmsg *ifa = ps_nlmsg_payload(nlh, sizeof(*ifa), "address", err);
	const struct nlattr *a;
	struct in6_addr local, address;
	bool has_local = false, has_address = false;
	uint32_t flags;
	struct ps_ifaddr *out;

	if (!ifa)
		return -1;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			has_local |= addr_attr(a, ifa->ifa_family, &local);
			break;
		case IFA_ADDRESS:
			has_address |= addr_attr(a, ifa->ifa_family, &address);
			break;
		case IFA_FLAGS:	/* the full flags; ifa_flags holds only the low eight */
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				flags = mnl_attr_get_u32(a);
			break;
		}
	}
	/* On a point-to-point link IFA_ADDRESS is the peer's; IFA_LOCAL is ours. */
	if (!has_local && !has_address)
		return 0;
	out = grow(&r->addrs, &r->naddrs, &r->addrs_cap, sizeof(*out));
	if (!out)
		return ps_err_nomem(err);
	out->ifindex = ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = flags;
	out->addr = has_local ? local : address;
	return 0;
}

int ps_rtaddr_parse(const void *buf, size_t len, struct ps_rtaddr *r, ps_err *err)
{
	struct ps_nlwalk w;
	const struct nlmsghdr *nlh;

	ps_nlwalk_init(&w, buf, len);
	while ((nlh = ps_nlwalk_next(&w))) {
		int rc = ps_nlmsg_control(nlh, "rtnetlink", err);

		if (rc == 1)
			return w.intr ? -2 : 1;
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (nlh->nlmsg_type == RTM_NEWLINK)
			rc = parse_link(nlh, r, err);
		else if (nlh->nlmsg_type == RTM_NEWADDR)
			rc = parse_addr(nlh, r, err);
		if (rc < 0)
			return -1;
	}
	return ps_nlwalk_end(&w, "rtnetlink", err);
}

static int parse_cb(const void *buf, size_t len, void *data, ps_err *err)
{
	return ps_rtaddr_parse(buf, len, data, err);
}

/* One dump of type (RTM_GETLINK or RTM_GETADDR), retried while interrupted; what it adds
 * to r is dropped on failure, so nothing half-done is reported. */
static int dump_type(struct mnl_socket *nl, char *buf, uint16_t type, struct ps_rtaddr *r,
		     ps_err *err)
{
	union {
		struct nlmsghdr h;
		char b[256];
	} req;
	size_t *len = type == RTM_GETLINK ? &r->nlinks : &r->naddrs;
	size_t mark = *len;
	int rc = -2;

	for (int tries = 0; tries < DUMP_MAX_TRIES && rc == -2; tries++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.b);

		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = (uint32_t)time(NULL) + (uint32_t)tries;
		if (type == RTM_GETLINK) {
			struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

			ifi->ifi_family = AF_UNSPEC;
			/* Statistics are most of a link message, and we show none. */
			mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		} else {
			struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

			ifa->ifa_family = AF_UNSPEC;
		}
		*len = mark;
		rc = ps_nl_dump(nl, nlh, buf, DUMP_BUF_SIZE, parse_cb, r, err);
	}
	if (rc == -2) {
		errno = EAGAIN;
		ps_err_system(err, "netlink: %s dump interrupted %d times by changes",
			      type == RTM_GETLINK ? "link" : "address", DUMP_MAX_TRIES);
	}
	if (rc < 0)
		*len = mark;
	return rc < 0 ? -1 : 0;
}

int ps_rtaddr_dump(struct ps_rtaddr *r, ps_err *err)
{
	char *buf;
	struct mnl_socket *nl = ps_nl_open(NETLINK_ROUTE, "rtnetlink", &buf, DUMP_BUF_SIZE, err);
	int ret = -1;

	if (!nl)
		return -1;
	if (dump_type(nl, buf, RTM_GETLINK, r, err) == 0 &&
	    dump_type(nl, buf, RTM_GETADDR, r, err) == 0)
		ret = 0;
	ps_nl_close(nl, buf);
	return ret;
}

const struct ps_link *ps_rtaddr_link(const struct ps_rtaddr *r, uint32_t index)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (r->links[i].index == index)
			return &r->links[i];
	return NULL;
}

const char *ps_rtaddr_operstate_name(uint8_t operstate)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "unknown", [IF_OPER_NOTPRESENT] = "notpresent",
		[IF_OPER_DOWN] = "down", [IF_OPER_LOWERLAYERDOWN] = "lowerlayerdown",
		[IF_OPER_TESTING] = "testing", [IF_OPER_DORMANT] = "dormant",
		[IF_OPER_UP] = "up",
	};

	return operstate < sizeof(names) / sizeof(names[0]) ? names[operstate] : "unknown";
}

const char *ps_rtaddr_scope_name(uint8_t scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE: return "site";
	case RT_SCOPE_LINK: return "link";
	case RT_SCOPE_HOST: return "host";
	case RT_SCOPE_NOWHERE: return "nowhere";
	default: return NULL;
	}
}

char *ps_rtaddr_mac(const struct ps_link *l, char *buf, size_t size)
{
	size_t o = 0;

	if (size)
		buf[0] = 0;
	for (size_t i = 0; i < l->addr_len; i++) {
		if (o + (i ? 4 : 3) > size)
			break;
		o += (size_t)snprintf(buf + o, size - o, i ? ":%02x" : "%02x", l->addr[i]);
	}
	return buf;
}
