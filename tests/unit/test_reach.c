/* Which listeners answer at an address: bound to it, a wildcard of its family (an IPv6
 * wildcard without IPV6_V6ONLY takes IPv4 too), never one bound to another device. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "probe/reach.h"

static struct sock_rec sock(const char *addr, int v6only, uint32_t ifindex)
{
	struct sock_rec r = { 0 };

	r.proto = IPPROTO_TCP;
	r.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	r.state = PS_SS_LISTEN;
	r.v6only = (int8_t)v6only;
	r.ifindex = ifindex;
	cr_assert(inet_pton(r.family, addr, &r.local) == 1);
	return r;
}

static struct ps_ifaddr ifaddr(const char *addr, uint32_t ifindex)
{
	struct ps_ifaddr a = { 0 };

	a.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	a.ifindex = ifindex;
	cr_assert(inet_pton(a.family, addr, &a.addr) == 1);
	return a;
}

Test(reach, bound_wildcard_dual_stack_and_device)
{
	struct ps_ifaddr a4 = ifaddr("198.18.9.1", 2), b4 = ifaddr("198.18.10.1", 3);
	struct ps_ifaddr a6 = ifaddr("2001:db8::1", 2);
	struct sock_rec any4 = sock("0.0.0.0", -1, 0), on_a = sock("198.18.9.1", -1, 0);
	struct sock_rec dual = sock("::", 0, 0), only6 = sock("::", 1, 0);
	struct sock_rec dev3 = sock("0.0.0.0", -1, 3), mapped = sock("::ffff:198.18.9.1", 0, 0);

	cr_assert(ps_reach_at(&any4, &a4) && ps_reach_at(&any4, &b4) && !ps_reach_at(&any4, &a6));
	cr_assert(ps_reach_at(&on_a, &a4) && !ps_reach_at(&on_a, &b4));
	cr_assert(ps_reach_at(&dual, &a4) && ps_reach_at(&dual, &a6), "dual-stack takes both");
	cr_assert(!ps_reach_at(&only6, &a4) && ps_reach_at(&only6, &a6));
	cr_assert(!ps_reach_at(&dev3, &a4) && ps_reach_at(&dev3, &b4), "bound to device 3");
	cr_assert(ps_reach_at(&mapped, &a4) && !ps_reach_at(&mapped, &b4) &&
		  !ps_reach_at(&mapped, &a6));
}

Test(reach, targets_by_address_and_name)
{
	struct ps_link links[2] = { { .index = 2, .name = "d1" }, { .index = 3, .name = "d2" } };
	struct ps_ifaddr addrs[3] = { ifaddr("198.18.9.1", 2), ifaddr("2001:db8::1", 2),
				      ifaddr("198.18.10.1", 3) };
	struct ps_rtaddr rt = { links, 2, 2, addrs, 3, 3 };
	const struct ps_ifaddr *out[4];
	ps_err err;

	cr_assert_eq(ps_reach_targets(&rt, "d1", out, 4, &err), 2);
	cr_assert_eq(ps_reach_targets(&rt, "198.18.10.1", out, 4, &err), 1);
	cr_assert_eq(out[0], &addrs[2]);
	cr_assert_eq(ps_reach_targets(&rt, "198.18.99.1", out, 4, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert_eq(ps_reach_targets(&rt, "d9\x1b", out, 4, &err), -1);
	cr_assert(strstr(err.msg, "d9\\x1b"), "%s", err.msg);
}
