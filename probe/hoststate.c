/* The two-bit host table (see probe/hoststate.h). A state only moves from unknown, so a
 * compare-and-swap on the byte that holds it settles any race between engine threads. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probe/hoststate.h"

int ps_hoststate_init(struct ps_hoststate *h, uint64_t n, ps_err *err)
{
	h->v = NULL;
	h->n = n;
	if (n == 0 || n > PS_HOSTSTATE_MAX)
		return 0;
	h->v = calloc((size_t)((n + 3) / 4), 1);
	return h->v ? 0 : ps_err_nomem(err);
}

void ps_hoststate_free(struct ps_hoststate *h)
{
	free(h->v);
	h->v = NULL;
}

enum ps_host_state ps_hoststate_get(const struct ps_hoststate *h, uint64_t host)
{
	if (!h->v || host >= h->n)
		return PS_HOST_UNKNOWN;
	return (enum ps_host_state)((__atomic_load_n(&h->v[host / 4], __ATOMIC_RELAXED) >>
				     (host % 4 * 2)) & 3);
}

uint64_t ps_hoststate_count(const struct ps_hoststate *h, enum ps_host_state st)
{
	uint64_t n = 0;

	for (uint64_t i = 0; h->v && i < h->n; i++)
		n += ps_hoststate_get(h, i) == st;
	return n;
}

/* What r says of its host, PS_HOST_UNKNOWN when nothing (a timeout, a filter). */
static enum ps_host_state verdict(const struct probe_result *r)
{
	switch (r->state) {
	case PS_PROBE_OPEN:
	case PS_PROBE_CLOSED:
		return PS_HOST_UP;
	case PS_PROBE_UNREACHABLE:
		return PS_HOST_UNREACHABLE;
	case PS_PROBE_ERROR:
		return r->reason && strcmp(r->reason, "no-route") == 0 ? PS_HOST_NOROUTE
								       : PS_HOST_UNKNOWN;
	default:
		return PS_HOST_UNKNOWN;
	}
}

enum ps_host_state ps_hoststate_learn(struct ps_hoststate *h, uint64_t host,
				      const struct probe_result *r)
{
	enum ps_host_state st = verdict(r), old;
	unsigned shift = (unsigned)(host % 4 * 2);
	uint8_t cur, next;

	if (!h->v || host >= h->n)
		return PS_HOST_UNKNOWN;
	cur = __atomic_load_n(&h->v[host / 4], __ATOMIC_RELAXED);
	if (st == PS_HOST_UNKNOWN)
		return (enum ps_host_state)((cur >> shift) & 3);
	do {
		old = (enum ps_host_state)((cur >> shift) & 3);
		/* Up is final; an unknown host takes any verdict, a judged one only up. */
		if (old == PS_HOST_UP || (old != PS_HOST_UNKNOWN && st != PS_HOST_UP))
			return old;
		next = (uint8_t)((cur & ~(3u << shift)) | ((unsigned)st << shift));
	} while (!__atomic_compare_exchange_n(&h->v[host / 4], &cur, next, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return old;
}
