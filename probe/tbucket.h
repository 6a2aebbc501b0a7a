/* A token bucket: `rate` tokens a second, at most `burst` saved up. Time is the
 * monotonic clock in milliseconds with its fraction (probe/clock.h), so the bucket holds
 * to the microsecond rather than to the millisecond a poll timeout rounds to. */
#ifndef PS_TBUCKET_H
#define PS_TBUCKET_H

#include <stdbool.h>

/* A token is there from this much short of a whole one: float rounding of the clock
 * must not make a step of exactly 1/rate come up short. */
#define PS_TBUCKET_SLACK 1e-6

struct ps_tbucket {
	double rate;	/* tokens a second; <= 0: unlimited */
	double burst;	/* the most tokens saved up (>= 1) */
	double tokens;
	double last;	/* ms of the last refill */
};

/* A full bucket at now. */
static inline void ps_tbucket_init(struct ps_tbucket *b, double rate, double burst, double now)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->tokens = b->burst;
	b->last = now;
}

static inline void ps_tbucket_refill(struct ps_tbucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->rate / 1e3;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last = now;
}

/* Take one token at now; false (and nothing taken) when the bucket is empty. */
static inline bool ps_tbucket_take(struct ps_tbucket *b, double now)
{
	if (b->rate <= 0)
		return true;
	ps_tbucket_refill(b, now);
	if (b->tokens < 1 - PS_TBUCKET_SLACK)
		return false;
	b->tokens -= 1;
	return true;
}

/* Milliseconds from now until a token is there (0 when one is). */
static inline double ps_tbucket_wait(struct ps_tbucket *b, double now)
{
	if (b->rate <= 0)
		return 0;
	ps_tbucket_refill(b, now);
	return b->tokens >= 1 - PS_TBUCKET_SLACK ? 0 : (1 - b->tokens) * 1e3 / b->rate;
}

#endif
