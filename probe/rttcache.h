/* Round trips per host for the TCP engine's timeouts: what a host's answers (a SYN-ACK or
 * a reset to a first attempt) took, smoothed as RFC 6298 (srtt, rttvar), in a small
 * direct-mapped table keyed by address (a host that shares a slot with another simply
 * starts over). No I/O: times are passed in, so tests drive it. */
#ifndef PS_RTTCACHE_H
#define PS_RTTCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/targets.h"

#define PS_RTTCACHE_SLOTS 1024	/* a power of two */

struct ps_rtt_entry {
	uint8_t addr[16];	/* IPv4 in the first 4 bytes */
	uint8_t family;		/* 0: empty */
	float srtt, rttvar;	/* ms */
};

struct ps_rttcache {
	struct ps_rtt_entry e[PS_RTTCACHE_SLOTS];
};

/* An answer from a's host took rtt_ms (a first attempt's: Karn's rule is the caller's).
 * Returns true when it was the host's first sample. */
bool ps_rttcache_sample(struct ps_rttcache *c, const union ps_sockaddr *a, double rtt_ms);

/* How long attempt n (1-based) to a's host may wait for an answer: srtt + 4 rttvar, at
 * least min_ms, doubled for each attempt after the first, at most max_ms; max_ms while
 * the host has no sample. */
double ps_rttcache_wait(const struct ps_rttcache *c, const union ps_sockaddr *a, int attempt,
			double min_ms, double max_ms);

#endif
