/* The UDP engine's pacing arithmetic with made-up timestamps: RTT smoothing, the bounds of
 * each wait, careful mode slowing down at a drop and speeding up on first-try errors, and
 * when a silent port has had all its attempts. */
#include <criterion/criterion.h>
#include <math.h>

#include "probe/udp.h"
#include "probe/tbucket.h"
#include "probe/udp_pace.h"

#define NEAR(a, b) \
	cr_assert(fabs((double)(a) - (double)(b)) < 1e-9, "%g != %g", (double)(a), (double)(b))

Test(udp_pace, rtt_smoothing_rfc6298)
{
	struct ps_udp_pace p;

	ps_udp_pace_init(&p, false);
	cr_assert_lt(p.srtt, 0, "no sample yet");
	cr_assert(ps_udp_pace_evidence(&p, 1, 1000, 1010, false), "the first sample");
	NEAR(p.srtt, 10);
	NEAR(p.rttvar, 5);
	cr_assert_not(ps_udp_pace_evidence(&p, 1, 2000, 2020, false), "not the first");
	NEAR(p.rttvar, 0.75 * 5 + 0.25 * 10);
	NEAR(p.srtt, 0.875 * 10 + 0.125 * 20);
	/* Karn: the answer to a retried probe is no sample. */
	ps_udp_pace_evidence(&p, 2, 3000, 3900, false);
	NEAR(p.srtt, 11.25);
}

Test(udp_pace, wait_bounds)
{
	struct ps_udp_pace p, lo;

	ps_udp_pace_init(&p, false);
	ps_udp_pace_init(&lo, true);
	NEAR(ps_udp_pace_wait(&p, 2000, 1), 2000);	/* no sample: the full timeout */
	NEAR(ps_udp_pace_wait(&p, 0, 1), 1000);		/* no timeout given: 1 s */
	NEAR(ps_udp_pace_wait(&lo, 2000, 1), 2 * PS_UDP_MIN_WAIT_LOOPBACK_MS);
	/* A fast path never waits less than the floor... */
	ps_udp_pace_evidence(&p, 1, 0, 1, false);
	ps_udp_pace_evidence(&lo, 1, 0, 1, false);
	NEAR(ps_udp_pace_wait(&p, 2000, 1), PS_UDP_MIN_WAIT_MS);
	NEAR(ps_udp_pace_wait(&lo, 2000, 1), PS_UDP_MIN_WAIT_LOOPBACK_MS);
	/* ...doubles per attempt, and never passes the timeout. */
	NEAR(ps_udp_pace_wait(&p, 2000, 2), 2 * PS_UDP_MIN_WAIT_MS);
	NEAR(ps_udp_pace_wait(&p, 2000, 3), 4 * PS_UDP_MIN_WAIT_MS);
	NEAR(ps_udp_pace_wait(&p, 250, 3), 250);
	/* A slow path: srtt + 4 rttvar. */
	ps_udp_pace_init(&p, false);
	ps_udp_pace_evidence(&p, 1, 0, 300, false);
	NEAR(ps_udp_pace_wait(&p, 5000, 1), 300 + 4 * 150);
}

Test(udp_pace, attempts_without_careful_mode)
{
	struct ps_udp_pace p;

	ps_udp_pace_init(&p, false);
	cr_assert_not(ps_udp_pace_done(&p, -1, 1, 0), "the default gives one retry");
	cr_assert(ps_udp_pace_done(&p, -1, 1 + PS_UDP_DEFAULT_RETRIES, 0));
	cr_assert(ps_udp_pace_done(&p, 0, 1, 0));
	cr_assert_not(ps_udp_pace_done(&p, 3, 3, 0));
	cr_assert_not(ps_udp_pace_held(&p, 0), "an unpaced host is never held");
}

/* Silence from a host that sends errors turns it careful; silence is then believed only
 * after the watch, unless a drop was confirmed. */
Test(udp_pace, careful_mode_starts_on_silence)
{
	struct ps_udp_pace p;

	ps_udp_pace_init(&p, false);
	ps_udp_pace_silence(&p, 1, 100);
	cr_assert_not(p.limited, "a host that never sent an error is not suspected");
	ps_udp_pace_evidence(&p, 1, 100, 110, true);
	ps_udp_pace_silence(&p, 1, 200);
	cr_assert(p.limited);
	NEAR(p.pace_ms, PS_UDP_CAREFUL_START_MS);
	cr_assert_not(ps_udp_pace_done(&p, 1, 2, 200 + PS_UDP_CAREFUL_WATCH_MS - 1));
	cr_assert(ps_udp_pace_done(&p, 1, 2, 200 + PS_UDP_CAREFUL_WATCH_MS));
	/* Paced: held until the pace has passed since the last send. */
	ps_udp_pace_sent(&p, 1000);
	cr_assert(ps_udp_pace_held(&p, 1000 + PS_UDP_CAREFUL_START_MS - 1));
	cr_assert_not(ps_udp_pace_held(&p, 1000 + PS_UDP_CAREFUL_START_MS));
}

/* A drop (an error only a retry drew out) slows the pace to the host's error interval;
 * each first-try error quickens it by 5%. */
Test(udp_pace, careful_mode_slows_down_and_speeds_up)
{
	struct ps_udp_pace p;
	double pace;

	ps_udp_pace_init(&p, false);
	ps_udp_pace_evidence(&p, 1, 0, 5, true);
	ps_udp_pace_evidence(&p, 1, 10, 505, true);	/* errors 500 ms apart */
	NEAR(p.err_gap, 500);
	ps_udp_pace_evidence(&p, 2, 900, 1005, true);	/* a retry drew this one out */
	cr_assert(p.limited && p.confirmed);
	NEAR(p.err_gap, 0.7 * 500 + 0.3 * 500);
	NEAR(p.pace_ms, 1.1 * 500);
	cr_assert_not(ps_udp_pace_done(&p, 1, 2, 1e6), "confirmed drops: more attempts");
	cr_assert(ps_udp_pace_done(&p, 1, PS_UDP_RATELIMIT_ATTEMPTS, 0));
	pace = p.pace_ms;
	ps_udp_pace_evidence(&p, 1, 2000, 2005, true);
	NEAR(p.pace_ms, pace * 0.95);
	/* Bounded above: errors 10 s apart still pace at most 1 s. */
	p.err_gap = 10000;
	ps_udp_pace_evidence(&p, 3, 3000, 13005, true);
	NEAR(p.pace_ms, PS_UDP_CAREFUL_MAX_MS);
}

Test(udp_pace, loopback_is_never_careful)
{
	struct ps_udp_pace p;

	ps_udp_pace_init(&p, true);
	ps_udp_pace_evidence(&p, 1, 0, 1, true);
	ps_udp_pace_silence(&p, 1, 10);
	ps_udp_pace_evidence(&p, 2, 20, 21, true);
	cr_assert_not(p.limited);
	NEAR(p.pace_ms, 0);
}

/* --rate's token bucket: sub-millisecond steps, a late wake-up catches up within the
 * burst, idle time beyond it is not saved up. */
Test(udp_pace, rate_budget)
{
	struct ps_tbucket b;
	int n = 0;

	ps_tbucket_init(&b, 100000, 4, 1000);	/* 100,000/s: every 10 us */
	b.tokens = 1;
	cr_assert(ps_tbucket_take(&b, 1000));
	cr_assert_not(ps_tbucket_take(&b, 1000));
	NEAR(ps_tbucket_wait(&b, 1000), 0.01);
	cr_assert(ps_tbucket_take(&b, 1000.01));
	/* 1 ms late: the burst (4) is there at once, not the 100 the time was worth. */
	while (ps_tbucket_take(&b, 1001.01))
		n++;
	cr_assert_eq(n, 4);
	/* Over a simulated second of 0.3 ms wake-ups, 100,000 within one token. */
	ps_tbucket_init(&b, 100000, 2000, 0);
	b.tokens = 1;
	n = 0;
	for (double t = 0; t < 1000; t += 0.3)
		while (ps_tbucket_take(&b, t))
			n++;
	cr_assert(n >= 99970 && n <= 100001, "%d", n);
	ps_tbucket_init(&b, 0, 1, 0);	/* no limit */
	cr_assert(ps_tbucket_take(&b, 0) && ps_tbucket_take(&b, 0));
}
