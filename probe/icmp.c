/* ICMP destination-unreachable codes to probe verdicts, nmap's portreasons in small: the
 * reason names the code whatever the protocol, and the state says what the code means
 * for it. A port unreachable closes a UDP port (the host's stack itself said no), yet
 * filters a TCP one (a TCP stack answers with a reset; an ICMP error is a firewall). The
 * unreachable codes are "unreachable" for TCP, whose closed and filtered are told apart by
 * the reset, and "filtered" for UDP, where only an answer or a port unreachable decides. */
#include <time.h>	/* before errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "probe/icmp.h"

#define U PS_PROBE_UNREACHABLE
#define F PS_PROBE_FILTERED
#define C PS_PROBE_CLOSED

struct icmp_code {
	const char *reason;	/* NULL: no verdict */
	enum ps_probe_state tcp, udp;
};

/* ICMP type 3, by code (RFC 792, RFC 1812). */
static const struct icmp_code v4[] = {
	{ "icmp-net-unreachable", U, F },
	{ "icmp-host-unreachable", U, F },
	{ "icmp-protocol-unreachable", F, F },
	{ "icmp-port-unreachable", F, C },
	{ NULL, U, F },				/* fragmentation needed: path MTU */
	{ "icmp-source-route-failed", U, F },
	{ "icmp-net-unknown", U, F },
	{ "icmp-host-unknown", U, F },
	{ "icmp-host-isolated", U, F },
	{ "icmp-net-prohibited", F, F },
	{ "icmp-host-prohibited", F, F },
	{ "icmp-net-tos-unreachable", U, F },
	{ "icmp-host-tos-unreachable", U, F },
	{ "icmp-admin-prohibited", F, F },
	{ "icmp-host-precedence-violation", F, F },
	{ "icmp-precedence-cutoff", F, F },
};
static const struct icmp_code v4_other = { "icmp-unreachable", U, F };

/* ICMPv6 type 1, by code (RFC 4443). */
static const struct icmp_code v6[] = {
	{ "icmp-net-unreachable", U, F },	/* no route to destination */
	{ "icmp-admin-prohibited", F, F },
	{ "icmp6-beyond-scope", U, F },
	{ "icmp-host-unreachable", U, F },	/* address unreachable */
	{ "icmp-port-unreachable", F, C },
	{ "icmp6-source-policy-failed", F, F },
	{ "icmp6-reject-route", F, F },
};
static const struct icmp_code v6_other = { "icmp6-unreachable", U, F };

#define NCODES(a) ((int)(sizeof(a) / sizeof((a)[0])))

bool ps_icmp_verdict(int family, int type, int code, uint8_t proto, enum ps_probe_state *state,
		     const char **reason)
{
	const struct icmp_code *c;

	if (family == AF_INET6) {
		if (type != 1)
			return false;
		c = code >= 0 && code < NCODES(v6) ? &v6[code] : &v6_other;
	} else {
		if (type != 3)
			return false;
		c = code >= 0 && code < NCODES(v4) ? &v4[code] : &v4_other;
	}
	if (!c->reason)
		return false;
	*state = proto == IPPROTO_UDP ? c->udp : c->tcp;
	*reason = c->reason;
	return true;
}

bool ps_icmp_errqueue_verdict(const struct sock_extended_err *ee, uint8_t proto,
			      enum ps_probe_state *state, const char **reason)
{
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP)
		return ps_icmp_verdict(AF_INET, ee->ee_type, ee->ee_code, proto, state, reason);
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP6)
		return ps_icmp_verdict(AF_INET6, ee->ee_type, ee->ee_code, proto, state, reason);
	return false;
}
