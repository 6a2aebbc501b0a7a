/* Pacing arithmetic of the UDP engine (no I/O). A host that sends ICMP errors for some
 * ports and is silent on others may be dropping errors: Linux allows a burst (6 per peer,
 * 50 in total by default), then one per net.ipv4.icmp_ratelimit ms per peer (1000) and
 * icmp_msgs_per_sec in total (1000). Such a host turns `limited`, and its budget is
 * learned from its own errors: the burst is what arrived within the first few ms, the rate
 * is how fast errors arrive once it is limited and every suspect port is sent again at
 * each wait (saturated, its errors come as fast as its bucket refills), both with a
 * margin. Sends to a limited
 * host then spend the budget's tokens: a send is held until a token is there, and a silent
 * port whose attempt was covered by a token is believed silent. While the rate is not yet
 * measured, sends are not held (they are what measures it) and cover nothing; a host that
 * sends no error after its burst for PS_UDP_RATE_GUESS_MS is taken to refill one error a
 * second (the Linux default). A limited host whose suspects draw no error at all may not
 * be limited: its suspects may all be silent ports. Canaries (ports it answered closed)
 * then measure its rate instead, so a host that never limits is not paced as if it did.
 * An error for an attempt after a covered one proves the budget too generous: it is cut. */
#include <math.h>

#include "probe/udp.h"
#include "probe/udp_pace.h"

/* The rate believed is this share of the rate measured: Linux's per-peer bucket (a burst
 * of 6) is exact, its global one spends a random 0-2 tokens an error. */
#define RATE_MARGIN_PEER 0.95
#define RATE_MARGIN 0.85
/* The burst believed is this share of the burst measured. */
#define BURST_MARGIN 0.3

void ps_udp_pace_init(struct ps_udp_pace *p, bool loopback)
{
	*p = (struct ps_udp_pace){ .srtt = -1, .loopback = loopback };
}

double ps_udp_pace_wait(const struct ps_udp_pace *p, int timeout_ms, bool timeout_set,
			int attempt)
{
	double w, cap = timeout_ms > 0 ? timeout_ms : 1000;
	double low = p->loopback ? PS_UDP_MIN_WAIT_LOOPBACK_MS : PS_UDP_MIN_WAIT_MS;

	if (timeout_set)
		return cap;
	if (p->srtt >= 0)
		w = p->srtt + 4 * p->rttvar;
	else
		w = p->loopback ? 2 * low : cap;
	/* Measuring a limited host's rate: every suspect again, soon enough that its bucket
	 * never fills up in between (50 errors at 1,000 a second take 50 ms). */
	if (p->limited && p->rate <= 0) {
		w = w > PS_UDP_MEASURE_WAIT_MS ? w : PS_UDP_MEASURE_WAIT_MS;
		return w < cap ? w : cap;
	}
	if (w < low)
		w = low;
	for (int i = 1; i < attempt && w < cap; i++)
		w *= 2;
	return w < cap ? w : cap;
}

static void rtt_sample(struct ps_udp_pace *p, double rtt)
{
	if (p->srtt < 0) {
		p->srtt = rtt;
		p->rttvar = rtt / 2;
		return;
	}
	p->rttvar = 0.75 * p->rttvar + 0.25 * (p->srtt > rtt ? p->srtt - rtt : rtt - p->srtt);
	p->srtt = 0.875 * p->srtt + 0.125 * rtt;
}

static double burst_window(const struct ps_udp_pace *p)
{
	double w = p->srtt > 0 ? 4 * p->srtt : 0;

	return w > PS_UDP_BURST_WIN_MS ? w : PS_UDP_BURST_WIN_MS;
}

/* Arrivals while the host is limited and kept busy (every suspect sent again at each
 * wait): its errors come as fast as its bucket refills. The first half of them may
 * include what the bucket had saved up, so the rate is the slope of the second half, over
 * at least twice the burst. */
static void measure_rate(struct ps_udp_pace *p, double t)
{
	unsigned m = 4 * p->burst_n + 2 > 16 ? 4 * p->burst_n + 2 : 16, h;

	if (m > PS_UDP_ERR_LOG)
		m = PS_UDP_ERR_LOG;
	if (!p->limited || p->rate > 0 || p->log_n >= m)
		return;
	p->log[p->log_n++] = t;
	if (p->log_n < m)
		return;
	h = m / 2;
	if (t > p->log[h])
		p->rate = (p->burst_n > PS_UDP_PEER_BURST ? RATE_MARGIN : RATE_MARGIN_PEER) *
			  (m - 1 - h) / (t - p->log[h]);
	p->tok = 0;
	p->tok_t = t;
}

static void icmp_error(struct ps_udp_pace *p, double t)
{
	if (p->n_err++ == 0)
		p->first_err = t;
	if (t - p->first_err <= burst_window(p)) {
		p->burst_n++;
		p->burst = BURST_MARGIN * p->burst_n;
		if (p->burst < 1)
			p->burst = 1;
		return;
	}
	measure_rate(p, t);
}

static void limit(struct ps_udp_pace *p, double t)
{
	if (p->limited || p->loopback)
		return;
	p->limited = true;
	p->limited_since = t;
	p->tok = 0;
	p->tok_t = t;
	p->log_n = 0;
}

bool ps_udp_pace_evidence(struct ps_udp_pace *p, int attempts, double sent, double t, bool icmp,
			  bool lost_covered)
{
	bool first = false;

	if (attempts == 1) {
		first = p->srtt < 0;
		rtt_sample(p, t - sent);
	}
	if (!icmp)
		return first;
	icmp_error(p, t);
	/* An error that only a retry drew out: the earlier one was dropped. */
	if (attempts > 1)
		limit(p, t);
	if (lost_covered && p->limited) {
		p->rate *= PS_UDP_BUDGET_CUT;
		p->cuts++;
		p->tok = 0;
		p->tok_t = t;
	}
	return first;
}

void ps_udp_pace_silence(struct ps_udp_pace *p, double t)
{
	if (p->n_err > 0)
		limit(p, t);
}

/* A limited host whose rate is still unmeasured and that sent no error for the guess time
 * (its suspects may all be silent ports) refills one error a second. */
static double last_arrival(const struct ps_udp_pace *p)
{
	return p->log_n ? p->log[p->log_n - 1] : p->limited_since;
}

static double rate_of(const struct ps_udp_pace *p, double t)
{
	double last = last_arrival(p);

	double wait = PS_UDP_RATE_GUESS_MS;

	/* While canaries may still measure the rate, they get their time first. */
	if (p->canaries < PS_UDP_CANARY_MAX)
		wait += PS_UDP_CANARY_WINDOW_MS;
	if (p->rate > 0 || !p->limited || t - last < wait)
		return p->rate;
	return 1.0 / 1000;
}

double ps_udp_pace_tokens(const struct ps_udp_pace *p, double t)
{
	double tok = p->tok + rate_of(p, t) * (t - p->tok_t);

	return tok < p->burst ? tok : p->burst > 1 ? p->burst : 1;
}

bool ps_udp_pace_held(const struct ps_udp_pace *p, double t)
{
	return p->limited && rate_of(p, t) > 0 && ps_udp_pace_tokens(p, t) < 1;
}

double ps_udp_pace_next(const struct ps_udp_pace *p, double t)
{
	double r = rate_of(p, t);

	if (!ps_udp_pace_held(p, t))
		return t;
	return t + (1 - ps_udp_pace_tokens(p, t)) / r;
}

bool ps_udp_pace_sent(struct ps_udp_pace *p, double t)
{
	if (!p->limited)
		return false;
	if (rate_of(p, t) <= 0) {
		/* Measuring: the host's bucket is taken as empty after each send. */
		p->tok = 0;
		p->tok_t = t;
		return false;
	}
	if (p->rate <= 0) {
		/* The guess begins: nothing arrived since the last error, nothing was spent. */
		p->rate = rate_of(p, t);
		p->tok = 0;
		p->tok_t = last_arrival(p);
	}
	p->tok = ps_udp_pace_tokens(p, t);
	p->tok_t = t;
	if (p->tok < 1)
		return false;
	p->tok -= 1;
	return true;
}

bool ps_udp_pace_done(const struct ps_udp_pace *p, int retries, int attempts, int covered)
{
	if (retries >= 0)
		return attempts >= 1 + retries;
	if (attempts < 1 + PS_UDP_DEFAULT_RETRIES)
		return false;
	/* Linux's per-peer limit is an exact bucket with a burst of 6: one covered attempt
	 * is proof, two once a covered attempt was found dropped. Its global one (a bigger
	 * burst) spends a random 0-2 tokens an error and refills in steps (20 ms apart at
	 * the soonest), where the budget believed refills smoothly: two covered attempts,
	 * and three once one was found dropped (two could both fall in a step's gap: a few
	 * closed ports in a hundred scans of 1,000 came out open|filtered). */
	if (!p->limited)
		return true;
	if (p->burst_n > PS_UDP_PEER_BURST)
		return covered >= (p->cuts ? 3 : 2);
	return covered >= (p->cuts ? 2 : 1);
}

double ps_udp_pace_canaries_at(const struct ps_udp_pace *p)
{
	double at;

	if (!p->limited || p->rate > 0 || p->canaries >= PS_UDP_CANARY_MAX)
		return INFINITY;
	at = (p->canaries ? p->canary_t : p->limited_since) + PS_UDP_MEASURE_WAIT_MS;
	/* Canaries while no suspect's error has arrived since the host turned limited (or
	 * since the canaries began), or once nothing has arrived for the guess time (the
	 * last suspects left are silent). */
	if (p->log_n - p->canary_err != (p->canaries ? p->canary_from : 0) &&
	    at < last_arrival(p) + PS_UDP_RATE_GUESS_MS)
		at = last_arrival(p) + PS_UDP_RATE_GUESS_MS;
	return at;
}

unsigned ps_udp_pace_canaries_due(const struct ps_udp_pace *p, double t)
{
	unsigned left = PS_UDP_CANARY_MAX - p->canaries;

	if (t < ps_udp_pace_canaries_at(p))
		return 0;
	return left < PS_UDP_CANARY_BATCH ? left : PS_UDP_CANARY_BATCH;
}

void ps_udp_pace_canaries_sent(struct ps_udp_pace *p, unsigned n, double t)
{
	if (!p->canaries) {
		p->canary_t0 = t;
		p->canary_from = p->log_n - p->canary_err;
	}
	p->canaries += n;
	p->canary_t = t;
}

void ps_udp_pace_canary_error(struct ps_udp_pace *p, double t)
{
	unsigned before = p->log_n;

	icmp_error(p, t);
	if (p->log_n > before)
		p->canary_err++;
	if (p->rate <= 0 && p->canary_err >= PS_UDP_CANARY_MAX / 2 && t > p->canary_t0) {
		p->rate = RATE_MARGIN * p->canary_err / (t - p->canary_t0);
		p->tok = 0;
		p->tok_t = t;
	}
}
