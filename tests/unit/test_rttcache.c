/* Per-host round trips for the TCP engine's connect timeouts: RFC 6298 smoothing, the
 * wait's floor, doubling and cap, a host without samples waiting the full timeout, hosts
 * of both families kept apart; and the engine's timer list kept in deadline order. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe/rttcache.h"
#include "probe/tcp_engine.h"

#define NEAR(a, b) cr_assert(fabs((double)(a) - (double)(b)) < 1e-3, "%g != %g", \
			     (double)(a), (double)(b))

static union ps_sockaddr v4(const char *s)
{
	union ps_sockaddr a = { 0 };

	a.v4.sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, s, &a.v4.sin_addr), 1);
	return a;
}

Test(rttcache, smoothing_floor_doubling_cap)
{
	struct ps_rttcache *c = calloc(1, sizeof(*c));
	union ps_sockaddr a = v4("198.18.0.2"), b = v4("198.18.0.3"), six = { 0 };

	cr_assert_not_null(c);
	NEAR(ps_rttcache_wait(c, &a, 1, 100, 2000), 2000);	/* no sample: the timeout */
	ps_rttcache_sample(c, &a, 200);				/* srtt 200, rttvar 100 */
	NEAR(ps_rttcache_wait(c, &a, 1, 100, 2000), 600);
	NEAR(ps_rttcache_wait(c, &a, 2, 100, 2000), 1200);
	NEAR(ps_rttcache_wait(c, &a, 3, 100, 2000), 2000);	/* never past the cap */
	ps_rttcache_sample(c, &a, 100);
	NEAR(ps_rttcache_wait(c, &a, 1, 100, 2000), 187.5 + 4 * 100);
	/* A fast path waits the floor; another host knows nothing of it. */
	ps_rttcache_sample(c, &b, 0.1);
	NEAR(ps_rttcache_wait(c, &b, 1, 100, 2000), 100);
	NEAR(ps_rttcache_wait(c, &b, 2, 100, 2000), 200);
	six.v6.sin6_family = AF_INET6;
	memcpy(&six.v6.sin6_addr, &b.v4.sin_addr, 4);		/* same first bytes, not b */
	NEAR(ps_rttcache_wait(c, &six, 1, 100, 2000), 2000);
	ps_rttcache_sample(c, &a, -1);				/* no rtt: ignored */
	NEAR(ps_rttcache_wait(c, &a, 1, 100, 2000), 587.5);
	free(c);
}

/* Slots added with deadlines out of start order come out of the timer list in deadline
 * order, deletions included. */
Test(rttcache, timer_list_in_deadline_order)
{
	static const uint64_t dl[] = { 50, 40, 60, 10, 60, 55, 5 };
	struct engine *e = calloc(1, sizeof(*e));
	uint64_t last = 0;
	unsigned n = 0;

	cr_assert_not_null(e);
	e->slots = calloc(8, sizeof(*e->slots));
	cr_assert_not_null(e->slots);
	e->timers.head = e->timers.tail = NIL;
	for (uint32_t i = 0; i < 7; i++) {
		e->slots[i].deadline = dl[i];
		ps_tcp_timer_add(e, i);
	}
	ps_tcp_list_del(e, &e->timers, 5);	/* 55 */
	for (uint32_t i = e->timers.head; i != NIL; i = e->slots[i].next, n++) {
		cr_assert_geq(e->slots[i].deadline, last);
		cr_assert_neq(i, 5);
		last = e->slots[i].deadline;
	}
	cr_assert_eq(n, 6);
	cr_assert_eq(e->slots[e->timers.tail].deadline, 60);
	cr_assert_eq(e->slots[e->timers.head].deadline, 5);
	free(e->slots);
	free(e);
}
