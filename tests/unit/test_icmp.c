/* The ICMP reason table: one name per code for both engines, the state each protocol
 * gives it, and the messages that are no verdict at all. */
#include <criterion/criterion.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/icmp.h"

struct want {
	int family, type, code;
	const char *reason;
	enum ps_probe_state tcp, udp;
};

static const struct want table[] = {
	{ AF_INET, 3, 0, "icmp-net-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
	{ AF_INET, 3, 1, "icmp-host-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
	{ AF_INET, 3, 2, "icmp-protocol-unreachable", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET, 3, 3, "icmp-port-unreachable", PS_PROBE_FILTERED, PS_PROBE_CLOSED },
	{ AF_INET, 3, 9, "icmp-net-prohibited", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET, 3, 10, "icmp-host-prohibited", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET, 3, 13, "icmp-admin-prohibited", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET, 3, 15, "icmp-precedence-cutoff", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET, 3, 16, "icmp-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
	{ AF_INET6, 1, 0, "icmp-net-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
	{ AF_INET6, 1, 1, "icmp-admin-prohibited", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET6, 1, 3, "icmp-host-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
	{ AF_INET6, 1, 4, "icmp-port-unreachable", PS_PROBE_FILTERED, PS_PROBE_CLOSED },
	{ AF_INET6, 1, 6, "icmp6-reject-route", PS_PROBE_FILTERED, PS_PROBE_FILTERED },
	{ AF_INET6, 1, 7, "icmp6-unreachable", PS_PROBE_UNREACHABLE, PS_PROBE_FILTERED },
};

Test(icmp, table_states_and_reasons)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct want *w = &table[i];
		enum ps_probe_state st;
		const char *reason;

		cr_assert(ps_icmp_verdict(w->family, w->type, w->code, IPPROTO_TCP, &st, &reason));
		cr_assert_str_eq(reason, w->reason);
		cr_assert_eq(st, w->tcp, "tcp, code %d", w->code);
		cr_assert(ps_icmp_verdict(w->family, w->type, w->code, IPPROTO_UDP, &st, &reason));
		cr_assert_str_eq(reason, w->reason, "one name for both protocols");
		cr_assert_eq(st, w->udp, "udp, code %d", w->code);
	}
}

/* One name per code: no two codes of a family share a reason. */
Test(icmp, names_are_distinct)
{
	for (int fam = 0; fam < 2; fam++) {
		/* Codes 0-15 of ICMP, 0-6 of ICMPv6 (RFC 792/1812, RFC 4443). */
		int family = fam ? AF_INET6 : AF_INET, type = fam ? 1 : 3, n = fam ? 7 : 16;
		const char *names[16] = { 0 };

		for (int c = 0; c < n; c++) {
			enum ps_probe_state st;

			if (!ps_icmp_verdict(family, type, c, IPPROTO_TCP, &st, &names[c]))
				continue;
			for (int k = 0; k < c; k++)
				cr_assert(!names[k] || strcmp(names[k], names[c]) != 0,
					  "codes %d and %d share %s", k, c, names[c]);
		}
	}
}

Test(icmp, no_verdict)
{
	enum ps_probe_state st;
	const char *reason;

	cr_assert_not(ps_icmp_verdict(AF_INET, 3, 4, IPPROTO_UDP, &st, &reason), "frag needed");
	cr_assert_not(ps_icmp_verdict(AF_INET, 3, 4, IPPROTO_TCP, &st, &reason), "frag needed");
	cr_assert_not(ps_icmp_verdict(AF_INET, 11, 0, IPPROTO_UDP, &st, &reason), "time exceeded");
	cr_assert_not(ps_icmp_verdict(AF_INET6, 2, 0, IPPROTO_TCP, &st, &reason), "too big");
	cr_assert_not(ps_icmp_verdict(AF_INET6, 3, 0, IPPROTO_UDP, &st, &reason), "time exceeded");
}

Test(icmp, error_queue_entries)
{
	struct sock_extended_err ee = { 0 };
	enum ps_probe_state st;
	const char *reason;

	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 3;
	ee.ee_code = 3;
	cr_assert(ps_icmp_errqueue_verdict(&ee, IPPROTO_UDP, &st, &reason));
	cr_assert_eq(st, PS_PROBE_CLOSED);
	ee.ee_origin = SO_EE_ORIGIN_ICMP6;
	ee.ee_type = 1;
	ee.ee_code = 1;
	cr_assert(ps_icmp_errqueue_verdict(&ee, IPPROTO_TCP, &st, &reason));
	cr_assert_str_eq(reason, "icmp-admin-prohibited");
	ee.ee_origin = SO_EE_ORIGIN_LOCAL;
	cr_assert_not(ps_icmp_errqueue_verdict(&ee, IPPROTO_TCP, &st, &reason), "local error");
}
