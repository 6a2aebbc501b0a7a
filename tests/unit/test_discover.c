/* Host discovery's reply parser (probe/discover.c): echo replies on ping and raw sockets of
 * both families, with the slot and host index they carry; what is not ours is refused.
 * Nothing here sends a packet (the loop itself: tests/sh/test_scan_discover.sh). */
#include <criterion/criterion.h>
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
