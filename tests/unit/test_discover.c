/* Host discovery's reply parser (probe/discover.c): echo replies on ping and raw sockets of
 * both families, with the slot and host index they carry; what is not ours is refused.
 * Nothing here sends a packet (the loop itself: tests/sh/test_scan_discover.sh). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "probe/discover.h"

/* An echo reply of type, identifier 0x1234, sequence 5, host 77. */
static size_t reply(uint8_t *buf, uint8_t type)
{
	uint64_t host = 77;

	memset(buf, 0, 16);
	buf[0] = type;
	buf[4] = 0x12;
	buf[5] = 0x34;
	buf[7] = 5;
	memcpy(buf + 8, &host, 8);
	return 16;
}

Test(discover, ping_socket_replies)
{
	uint8_t b[64];
	size_t slot = 0;
	uint64_t host = 0;

	reply(b, 0);
	cr_assert(ps_discover_parse_reply(b, 16, false, false, 0x9999, &slot, &host),
		  "a ping socket's identifier is the kernel's");
	cr_assert_eq(slot, 5);
	cr_assert_eq(host, 77);
	reply(b, 129);
	cr_assert(ps_discover_parse_reply(b, 16, true, false, 0, &slot, &host));
	reply(b, 8);
	cr_assert_not(ps_discover_parse_reply(b, 16, false, false, 0, &slot, &host), "a request");
	reply(b, 0);
	cr_assert_not(ps_discover_parse_reply(b, 15, false, false, 0, &slot, &host), "short");
	cr_assert_not(ps_discover_parse_reply(b, 16, true, false, 0, &slot, &host),
		      "an ICMPv4 type on ICMPv6");
}

Test(discover, raw_sockets_check_the_header_and_identifier)
{
	uint8_t b[64] = { 0x45 };
	size_t slot = 0;
	uint64_t host = 0;

	reply(b + 20, 0);
	b[0] = 0x45;
	cr_assert(ps_discover_parse_reply(b, 36, false, true, 0x1234, &slot, &host));
	cr_assert_eq(slot, 5);
	cr_assert_eq(host, 77);
	cr_assert_not(ps_discover_parse_reply(b, 36, false, true, 0x4321, &slot, &host),
		      "another process's identifier");
	cr_assert_not(ps_discover_parse_reply(b, 30, false, true, 0x1234, &slot, &host),
		      "cut short");
	b[0] = 0x4f;	/* a 60-byte header longer than the datagram */
	cr_assert_not(ps_discover_parse_reply(b, 36, false, true, 0x1234, &slot, &host));
	b[0] = 0x44;
	cr_assert_not(ps_discover_parse_reply(b, 36, false, true, 0x1234, &slot, &host),
		      "a header under 20 bytes");
	reply(b, 129);
	cr_assert(ps_discover_parse_reply(b, 16, true, true, 0x1234, &slot, &host),
		  "raw ICMPv6 has no IP header");
}

static struct ps_ifaddr ifa(int family, const char *text, uint8_t prefixlen, uint8_t scope)
{
	struct ps_ifaddr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	a.prefixlen = prefixlen;
	a.scope = scope;
	cr_assert_eq(inet_pton(family, text, &a.addr), 1);
	return a;
}

static bool onlink(const char *target, const struct ps_ifaddr *a, size_t n)
{
	struct ps_addrspace set;
	ps_err err;
	bool on;

	ps_addrspace_init(&set);
	cr_assert_eq(ps_addrspace_add(&set, target, false, &err), 0);
	cr_assert_eq(ps_addrspace_finalize(&set, false, &err), 0);
	on = ps_discover_onlink(&set, a, n);
	ps_addrspace_free(&set);
	return on;
}

Test(discover, onlink_when_a_subnet_of_ours_is_met)
{
	struct ps_ifaddr a[] = {
		ifa(AF_INET, "127.0.0.1", 8, RT_SCOPE_HOST),
		ifa(AF_INET, "198.19.255.249", 29, RT_SCOPE_UNIVERSE),
		ifa(AF_INET, "198.18.8.1", 24, RT_SCOPE_UNIVERSE),
		ifa(AF_INET, "198.18.9.1", 32, RT_SCOPE_UNIVERSE),
		ifa(AF_INET6, "2001:db8::1", 64, RT_SCOPE_UNIVERSE),
		ifa(AF_INET6, "::1", 128, RT_SCOPE_HOST),
	};

	cr_assert(onlink("198.18.8.0/24", a, 6));
	cr_assert(onlink("198.18.0.0/16", a, 6), "a larger set around the subnet");
	cr_assert(onlink("198.18.8.250-255", a, 6), "a range reaching into it");
	cr_assert_not(onlink("198.18.16.0/20", a, 6), "routed elsewhere");
	cr_assert_not(onlink("127.0.0.0/24", a, 6), "loopback has no neighbours");
	cr_assert_not(onlink("198.18.9.0/30", a, 6), "a /32 has no subnet");
	cr_assert(onlink("2001:db8::5", a, 6));
	cr_assert_not(onlink("2001:db8:1::/120", a, 6));
	cr_assert_not(onlink("198.18.8.0/24", a, 2), "without that address");
}
