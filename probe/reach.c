/* Reachability of a listener at an address: the kernel's own lookup (inet_lookup_listener)
 * takes a socket bound to the packet's destination or to the wildcard of its family (an
 * IPv6 wildcard takes IPv4 too unless IPV6_V6ONLY), and skips a socket bound to a device
 * other than the one the packet came in on. */
#include <arpa/inet.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/reach.h"

static bool is_wildcard(const struct sock_rec *r)
{
	if (r->family == AF_INET)
		return r->local.s6_addr32[0] == 0;
	return IN6_IS_ADDR_UNSPECIFIED(&r->local);
}

bool ps_reach_at(const struct sock_rec *r, const struct ps_ifaddr *a)
{
	unsigned fam = a->family == AF_INET ? PS_Q_V4 : PS_Q_V6;

	if (r->ifindex && r->ifindex != a->ifindex)
		return false;
	if (!(ps_sock_accepts(r) & fam))
		return false;
	if (is_wildcard(r))
		return true;
	if (a->family == AF_INET6)
		return memcmp(&r->local, &a->addr, 16) == 0;
	/* An IPv4 address: the socket's own IPv4 address, or its v4-mapped IPv6 one. */
	if (r->family == AF_INET)
		return memcmp(&r->local, &a->addr, 4) == 0;
	return memcmp(&r->local.s6_addr[12], &a->addr, 4) == 0;
}

bool ps_reach_any(const struct sock_rec *r, const struct ps_ifaddr *const *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ps_reach_at(r, addrs[i]))
			return true;
	return false;
}

int ps_reach_targets(const struct ps_rtaddr *rt, const char *spec,
		     const struct ps_ifaddr **out, size_t max, ps_err *err)
{
	struct in6_addr want;
	char shown[128];
	int fam = 0, n = 0;

	memset(&want, 0, sizeof(want));
	if (inet_pton(AF_INET, spec, &want) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, spec, &want) == 1)
		fam = AF_INET6;
	for (size_t i = 0; i < rt->naddrs && (size_t)n < max; i++) {
		const struct ps_ifaddr *a = &rt->addrs[i];
		const struct ps_link *l = ps_rtaddr_link(rt, a->ifindex);
		bool hit = fam ? a->family == fam &&
					 memcmp(&a->addr, &want, fam == AF_INET ? 4 : 16) == 0
			       : l && strcmp(l->name, spec) == 0;

		if (hit)
			out[n++] = a;
	}
	if (n == 0) {
		ps_escape(spec, strlen(spec), shown, sizeof(shown));
		return ps_err_input(err, "'%s' is no address or interface (with an address) of "
				    "this host", shown);
	}
	return n;
}
