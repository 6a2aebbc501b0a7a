/* A job source for the probe engines over a target set's permuted walk (probe/addrspace.h):
 * hosts x ports streamed in the walk's seeded order, one shard of it, never materialised.
 * A job's tag is tag_base plus its host index, so the results of one host share a tag
 * and kept results sort in address order; a host judged unreachable or without a route
 * is not probed again. */
#ifndef PS_WALKSRC_H
#define PS_WALKSRC_H

#include <stdint.h>

#include "probe/addrspace.h"
#include "probe/hoststate.h"
#include "probe/jobs.h"

struct ps_walksrc {
	struct ps_addrwalk w;		/* ps_addrwalk_init'ed by the caller */
	uint32_t tag_base;
	const volatile int *stop;	/* nonzero: yield no more jobs; or NULL */
	/* Hosts already judged (indexed by tag), or NULL: a job of a host without a route
	 * is dropped (its one error was reported), one of an unreachable host goes to
	 * skipped(skip_ctx, job) instead of the engine. */
	const struct ps_hoststate *hosts;
	void (*skipped)(void *ctx, const struct ps_probe_job *job);
	void *skip_ctx;
	bool tls;			/* a TLS handshake after each connect (TCP) */
	/* Discovery ran: only hosts up in hosts are probed, the others' jobs dropped. */
	bool only_up;
};

/* The ps_job_next_fn: src is a struct ps_walksrc. */
int ps_walksrc_next(void *src, struct ps_probe_job *job);

#endif
