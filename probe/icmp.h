/* The one table that turns an ICMP or ICMPv6 destination unreachable into a probe verdict,
 * shared by the TCP and UDP engines: one reason name per code, and the state that code
 * means for each protocol (README: "ICMP reasons"). */
#ifndef PS_ICMP_H
#define PS_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/result.h"

struct sock_extended_err;

/* The verdict of an ICMP (family AF_INET) or ICMPv6 (AF_INET6) message for a probe of
 * proto (IPPROTO_TCP or IPPROTO_UDP). Returns true and sets *state and *reason (a static
 * string) for a destination unreachable that speaks of the port; false for any other type
 * and for fragmentation needed, which say nothing about it. */
bool ps_icmp_verdict(int family, int type, int code, uint8_t proto, enum ps_probe_state *state,
		     const char **reason);

/* As ps_icmp_verdict, for an entry read from a socket's error queue (IP_RECVERR,
 * IPV6_RECVERR): false unless the entry came from an ICMP or ICMPv6 message. */
bool ps_icmp_errqueue_verdict(const struct sock_extended_err *ee, uint8_t proto,
			      enum ps_probe_state *state, const char **reason);

#endif
