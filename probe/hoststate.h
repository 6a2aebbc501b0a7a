/* What is known of each host of a scan, two bits per host index (a probe result's tag):
 * unknown, up (some port answered), no route (the local stack has none: one error stands
 * for the host) or unreachable (host or net unreachable, or no neighbour answer). The job
 * source reads it to skip a host already judged, the result sink writes it; both may run
 * in different threads, so every access is atomic. 2^24 hosts take 4 MiB; a larger set
 * (only with --force) goes without the table and every port is probed. */
#ifndef PS_HOSTSTATE_H
#define PS_HOSTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/result.h"

enum ps_host_state { PS_HOST_UNKNOWN, PS_HOST_UP, PS_HOST_NOROUTE, PS_HOST_UNREACHABLE };

#define PS_HOSTSTATE_MAX (1ull << 26)	/* hosts with a table (16 MiB) */

struct ps_hoststate {
	uint8_t *v;	/* NULL: no table */
	uint64_t n;
};

/* A table for hosts [0, n), all unknown; no table when n > PS_HOSTSTATE_MAX. Returns 0,
 * or -1 with err when out of memory. */
int ps_hoststate_init(struct ps_hoststate *h, uint64_t n, ps_err *err);
void ps_hoststate_free(struct ps_hoststate *h);

/* Hosts in state st. */
uint64_t ps_hoststate_count(const struct ps_hoststate *h, enum ps_host_state st);

enum ps_host_state ps_hoststate_get(const struct ps_hoststate *h, uint64_t host);

/* Learn from result r of host: an answer makes it up, a no-route error or an unreachable
 * verdict judges it (once: up is never undone). Returns the state before. */
enum ps_host_state ps_hoststate_learn(struct ps_hoststate *h, uint64_t host,
				      const struct probe_result *r);

#endif
