/* The exporter's allow list applied (the parsing is probe/exporter_cfg.c): a target is
 * checked on its text before any name is resolved, and again on each address it resolved
 * to, so a refused target costs no packet, not even a DNS query. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe/exporter_cfg.h"

static bool prefix_match(const struct ps_xallow *a, int family, const uint8_t *addr)
{
	unsigned full = a->prefix / 8, rest = a->prefix % 8;

	if (a->family != family)
		return false;
	if (memcmp(a->addr, addr, full) != 0)
		return false;
	return !rest || ((a->addr[full] ^ addr[full]) & (0xff00 >> rest)) == 0;
}

static bool name_match(const char *pattern, const char *host)
{
	size_t hl = strlen(host), pl;

	if (pattern[0] != '*')
		return strcasecmp(pattern, host) == 0;
	pl = strlen(pattern + 1);	/* ".suffix" */
	return hl > pl && strcasecmp(host + hl - pl, pattern + 1) == 0;
}

static bool loopback_literal(int family, const uint8_t *addr)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	return family == AF_INET ? addr[0] == 127 : memcmp(addr, v6lo, 16) == 0;
}

bool ps_xconfig_allows(const struct ps_xconfig *c, const char *host, uint16_t port,
		       char *why, size_t whylen)
{
	uint8_t addr[16];
	int family = 0;

	if (inet_pton(AF_INET, host, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		family = AF_INET6;
	if (!c->allow_given) {
		if (family ? loopback_literal(family, addr) : strcasecmp(host, "localhost") == 0)
			return true;
		snprintf(why, whylen, "target not allowed: without allow_targets only loopback");
		return false;
	}
	for (size_t i = 0; i < c->nallow; i++) {
		const struct ps_xallow *a = &c->allow[i];

		if (a->ports && !ps_portset_has(a->ports, port))
			continue;
		if (family ? (!a->is_name && prefix_match(a, family, addr))
			   : (a->is_name && name_match(a->name, host)))
			return true;
	}
	snprintf(why, whylen, "target not allowed by allow_targets");
	return false;
}

bool ps_xconfig_allows_addr(const struct ps_xconfig *c, const union ps_sockaddr *sa)
{
	return c->allow_given || ps_sockaddr_is_loopback(sa);
}
