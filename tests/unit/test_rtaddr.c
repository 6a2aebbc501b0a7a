/* The rtnetlink parser on recorded dumps (tests/fixtures/rtnl_*.bin, made by
 * make_rtnl_fixtures.sh in a scratch namespace with loopback and a veth pair), on damaged
 * and crafted messages, and, as root, the live dump in a fresh network namespace. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/rtaddr.h"
#include "tests/helpers.h"

static const struct ps_link *link_named(const struct ps_rtaddr *r, const char *name)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (strcmp(r->links[i].name, name) == 0)
			return &r->links[i];
	return NULL;
}

/* The address written as text on ifindex, or NULL. */
static const struct ps_ifaddr *addr_of(const struct ps_rtaddr *r, uint32_t ifindex,
				       const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < r->naddrs; i++) {
		const struct ps_ifaddr *a = &r->addrs[i];

		if (a->ifindex == ifindex && inet_ntop(a->family, &a->addr, buf, sizeof(buf)) &&
		    strcmp(buf, text) == 0)
			return a;
	}
	return NULL;
}

static void load_both(struct ps_rtaddr *r)
{
	size_t len;
	char *buf = t_fixture("rtnl_link.bin", &len);
	ps_err err;

	cr_assert_eq(ps_rtaddr_parse(buf, len, r, &err), 1, "%s", err.msg);
	free(buf);
	buf = t_fixture("rtnl_addr.bin", &len);
	cr_assert_eq(ps_rtaddr_parse(buf, len, r, &err), 1, "%s", err.msg);
	free(buf);
}

Test(rtaddr, recorded_links)
{
	struct ps_rtaddr r = { 0 };
	const struct ps_link *l;
	char mac[3 * PS_LINK_ADDR_MAX];

	load_both(&r);
	cr_assert_eq(r.nlinks, 3, "lo and the veth pair");
	l = link_named(&r, "lo");
	cr_assert(l);
	cr_assert_eq(l->index, 1);
	cr_assert_eq(l->type, ARPHRD_LOOPBACK);
	cr_assert(l->flags & IFF_LOOPBACK);
	cr_assert_str_eq(ps_rtaddr_operstate_name(l->operstate), "unknown");
	cr_assert_eq(l->mtu, 65536);
	l = link_named(&r, "psa0");
	cr_assert(l);
	cr_assert_eq(l->type, ARPHRD_ETHER);
	cr_assert_eq(l->mtu, 1400);
	cr_assert_eq(l->flags & (IFF_UP | IFF_LOWER_UP | IFF_LOOPBACK), IFF_UP | IFF_LOWER_UP);
	cr_assert_str_eq(ps_rtaddr_operstate_name(l->operstate), "up");
	cr_assert_str_eq(ps_rtaddr_mac(l, mac, sizeof(mac)), "02:00:5e:00:53:01");
	cr_assert_eq(ps_rtaddr_link(&r, l->index), l);
	l = link_named(&r, "psb0");
	cr_assert(l);
	cr_assert_eq(l->mtu, 1500);
	cr_assert_str_eq(ps_rtaddr_mac(l, mac, sizeof(mac)), "02:00:5e:00:53:02");
	cr_assert_null(ps_rtaddr_link(&r, 999));
	ps_rtaddr_free(&r);
}

Test(rtaddr, recorded_addresses)
{
	struct ps_rtaddr r = { 0 };
	const struct ps_ifaddr *a;
	uint32_t psa, psb;

	load_both(&r);
	psa = link_named(&r, "psa0")->index;
	psb = link_named(&r, "psb0")->index;
	cr_assert_eq(r.naddrs, 8, "lo: 2, psa0: 4, psb0: 2");
	a = addr_of(&r, 1, "127.0.0.1");
	cr_assert(a);
	cr_assert_eq(a->prefixlen, 8);
	cr_assert_str_eq(ps_rtaddr_scope_name(a->scope), "host");
	a = addr_of(&r, 1, "::1");
	cr_assert(a);
	cr_assert_eq(a->family, AF_INET6);
	cr_assert_eq(a->prefixlen, 128);
	a = addr_of(&r, psa, "198.18.0.1");
	cr_assert(a);
	cr_assert_eq(a->family, AF_INET);
	cr_assert_eq(a->prefixlen, 24);
	cr_assert_str_eq(ps_rtaddr_scope_name(a->scope), "global");
	cr_assert_eq(a->flags & IFA_F_SECONDARY, 0);
	a = addr_of(&r, psa, "198.18.0.2");
	cr_assert(a);
	cr_assert(a->flags & IFA_F_SECONDARY, "the second address in a subnet");
	a = addr_of(&r, psa, "2001:db8::1");
	cr_assert(a);
	cr_assert_eq(a->prefixlen, 64);
	cr_assert_str_eq(ps_rtaddr_scope_name(a->scope), "global");
	cr_assert_eq(a->flags & IFA_F_TENTATIVE, 0);
	cr_assert(a->flags & IFA_F_PERMANENT, "IFA_FLAGS is read: the full flag word");
	a = addr_of(&r, psa, "fe80::5eff:fe00:5301");
	cr_assert(a);
	cr_assert_str_eq(ps_rtaddr_scope_name(a->scope), "link");
	cr_assert(addr_of(&r, psb, "198.18.1.1"));
	cr_assert(addr_of(&r, psb, "fe80::5eff:fe00:5302"));
	cr_assert_null(addr_of(&r, psb, "198.18.0.1"));
	ps_rtaddr_free(&r);
}

Test(rtaddr, dump_in_two_reads)
{
	struct ps_rtaddr r = { 0 };
	size_t len, cut = 0;
	char *buf = t_fixture("rtnl_addr.bin", &len);
	ps_err err;

	/* cut after the third message, as if the kernel had sent two chunks */
	for (int i = 0; i < 3; i++)
		cut += NLMSG_ALIGN(((struct nlmsghdr *)(buf + cut))->nlmsg_len);
	cr_assert_eq(ps_rtaddr_parse(buf, cut, &r, &err), 0);
	cr_assert_eq(r.naddrs, 3);
	cr_assert_eq(ps_rtaddr_parse(buf + cut, len - cut, &r, &err), 1);
	cr_assert_eq(r.naddrs, 8);
	ps_rtaddr_free(&r);
	free(buf);
}

Test(rtaddr, truncated_dump_is_malformed)
{
	struct ps_rtaddr r = { 0 };
	size_t len;
	char *buf = t_fixture("rtnl_link.bin", &len);
	ps_err err = { 0 };

	cr_assert_eq(ps_rtaddr_parse(buf, len / 2, &r, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_SYSTEM);
	cr_assert(strstr(err.msg, "malformed"), "%s", err.msg);
	ps_rtaddr_free(&r);
	free(buf);
}

/* Crafted messages, built with libmnl into an aligned buffer. */
static uint32_t craft[4096];

static struct nlmsghdr *put(size_t *off, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header((char *)craft + *off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static void done(size_t *off, struct nlmsghdr *nlh)
{
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int put_done(size_t *off, int code)
{
	struct nlmsghdr *nlh = put(off, NLMSG_DONE, NLM_F_MULTI);
	struct ps_rtaddr r = { 0 };
	ps_err err = { 0 };
	int rc;

	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = code;
	done(off, nlh);
	rc = ps_rtaddr_parse(craft, *off, &r, &err);
	ps_rtaddr_free(&r);
	return rc;
}

Test(rtaddr, control_messages)
{
	struct ps_rtaddr r = { 0 };
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t off = 0;
	ps_err err = { 0 };

	cr_assert_eq(put_done(&off, 0), 1);
	off = 0;
	cr_assert_eq(put_done(&off, -EBUSY), -1, "a DONE that carries an error");
	off = 0;
	nlh = put(&off, NLMSG_ERROR, 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EPERM;
	done(&off, nlh);
	cr_assert_eq(ps_rtaddr_parse(craft, off, &r, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_SYSTEM);
	cr_assert_eq(err.sys_errno, EPERM);
	e->error = 0;	/* an ack is not an error */
	cr_assert_eq(put_done(&off, 0), 1);
	off = 0;
	nlh = put(&off, RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	done(&off, nlh);
	cr_assert_eq(put_done(&off, 0), -2, "an interrupted dump");
	ps_rtaddr_free(&r);
}

Test(rtaddr, odd_attributes_cost_a_field)
{
	struct ps_rtaddr r = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	uint8_t v4[4] = { 198, 18, 0, 9 }, peer[4] = { 198, 18, 0, 10 }, shortaddr[3] = { 1 };
	size_t off = 0;
	char buf[INET6_ADDRSTRLEN];
	ps_err err;

	nlh = put(&off, RTM_NEWLINK, NLM_F_MULTI);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);	/* wrong size: ignored */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-far-too-long-for-ifnamsiz");
	mnl_attr_put(nlh, IFLA_ADDRESS, 40, craft + 1000);	/* longer than MAX_ADDR_LEN */
	mnl_attr_put_u32(nlh, 999, 1);	/* unknown: skipped */
	done(&off, nlh);
	nlh = put(&off, RTM_NEWADDR, NLM_F_MULTI);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = 7;
	ifa->ifa_prefixlen = 32;
	mnl_attr_put(nlh, IFA_ADDRESS, 4, peer);	/* point-to-point: the peer */
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4);
	done(&off, nlh);
	nlh = put(&off, RTM_NEWADDR, NLM_F_MULTI);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	mnl_attr_put(nlh, IFA_ADDRESS, 3, shortaddr);	/* no usable address: no record */
	done(&off, nlh);
	nlh = put(&off, RTM_NEWADDR, NLM_F_MULTI);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_PACKET;	/* not an IP address: skipped */
	done(&off, nlh);
	cr_assert_eq(ps_rtaddr_parse(craft, off, &r, &err), 0);
	cr_assert_eq(r.nlinks, 1);
	cr_assert_eq(r.links[0].index, 7);
	cr_assert_eq(r.links[0].mtu, 0);
	cr_assert_str_eq(r.links[0].name, "");
	cr_assert_eq(r.links[0].addr_len, 0);
	cr_assert_str_eq(ps_rtaddr_operstate_name(r.links[0].operstate), "unknown");
	cr_assert_eq(r.naddrs, 1);
	cr_assert_str_eq(inet_ntop(AF_INET, &r.addrs[0].addr, buf, sizeof(buf)), "198.18.0.9");
	ps_rtaddr_free(&r);
}

Test(rtaddr, names)
{
	struct ps_link l = { .addr_len = 6, .addr = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } };
	char small[9];

	cr_assert_str_eq(ps_rtaddr_scope_name(RT_SCOPE_UNIVERSE), "global");
	cr_assert_str_eq(ps_rtaddr_scope_name(RT_SCOPE_SITE), "site");
	cr_assert_str_eq(ps_rtaddr_scope_name(RT_SCOPE_NOWHERE), "nowhere");
	cr_assert_null(ps_rtaddr_scope_name(100));
	cr_assert_str_eq(ps_rtaddr_operstate_name(IF_OPER_DOWN), "down");
	cr_assert_str_eq(ps_rtaddr_operstate_name(IF_OPER_LOWERLAYERDOWN), "lowerlayerdown");
	cr_assert_str_eq(ps_rtaddr_operstate_name(IF_OPER_DORMANT), "dormant");
	cr_assert_str_eq(ps_rtaddr_operstate_name(200), "unknown");
	cr_assert_str_eq(ps_rtaddr_mac(&l, small, sizeof(small)), "aa:bb:cc", "cut, never overrun");
	l.addr_len = 0;
	cr_assert_str_eq(ps_rtaddr_mac(&l, small, sizeof(small)), "");
}

/* As root: a fresh network namespace with a veth pair, one end up and one down. */
Test(rtaddr, live_dump_in_a_fresh_namespace)
{
	struct ps_rtaddr r = { 0 };
	const struct ps_link *a, *b;
	const struct ps_ifaddr *ad;
	ps_err err;

	if (!t_is_root())
		cr_skip_test("needs root for a private network namespace (unshare CLONE_NEWNET)");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET) not permitted here");
	if (system("ip link add pslive0 type veth peer name pslive1 2>/dev/null") != 0)
		cr_skip_test("cannot make a veth pair (iproute2 or the veth driver missing)");
	cr_assert_eq(system("ip link set lo up && ip link set pslive0 mtu 1280 up && "
			    "ip addr add 198.18.2.1/24 dev pslive0 && "
			    "ip addr add 2001:db8:2::1/64 dev pslive0 nodad"), 0);
	cr_assert_eq(ps_rtaddr_dump(&r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nlinks, 3, "lo, pslive0, pslive1");
	a = link_named(&r, "pslive0");
	b = link_named(&r, "pslive1");
	cr_assert(a && b);
	cr_assert_eq(a->index, if_nametoindex("pslive0"));
	cr_assert_eq(a->mtu, 1280);
	cr_assert(a->flags & IFF_UP);
	cr_assert_eq(b->flags & IFF_UP, 0);
	cr_assert_str_eq(ps_rtaddr_operstate_name(b->operstate), "down");
	cr_assert_eq(a->addr_len, 6);
	ad = addr_of(&r, a->index, "198.18.2.1");
	cr_assert(ad);
	cr_assert_eq(ad->prefixlen, 24);
	ad = addr_of(&r, a->index, "2001:db8:2::1");
	cr_assert(ad);
	cr_assert_eq(ad->prefixlen, 64);
	cr_assert(addr_of(&r, 1, "127.0.0.1"));
	cr_assert_null(addr_of(&r, b->index, "198.18.2.1"));
	ps_rtaddr_free(&r);
}
