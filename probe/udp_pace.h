/* The UDP engine's arithmetic per host, with no I/O: round-trip estimates, the wait for
 * each attempt, the host's ICMP error budget learned from when its errors arrive (a token
 * bucket: a burst, then a rate), the pace that follows from it, and when a silent port has
 * had all its attempts. Times are milliseconds on one monotonic clock, passed in by the
 * caller, so tests drive it with made-up timestamps. */
#ifndef PS_UDP_PACE_H
#define PS_UDP_PACE_H

#include <stdbool.h>

/* Recent error arrivals kept per host to measure its rate. */
#define PS_UDP_ERR_LOG 256
/* Errors arriving within this long of the host's first (or 4 round trips when longer)
 * are its burst. */
#define PS_UDP_BURST_WIN_MS 5
/* The rate is cut by this factor when an attempt the budget covered was dropped. */
#define PS_UDP_BUDGET_CUT 0.95
/* Linux's per-peer ICMP burst (XRLIM_BURST_FACTOR). */
#define PS_UDP_PEER_BURST 6
/* The wait while a limited host's rate is measured. */
#define PS_UDP_MEASURE_WAIT_MS 25
/* A limited host with no error after its burst for this long is taken to refill one
 * error a second (Linux's default per-peer limit). */
#define PS_UDP_RATE_GUESS_MS 1500
/* Canaries: while a limited host's suspects draw no error at all (they may all be silent
 * ports, on a host that does not limit), a port it answered closed is probed
 * PS_UDP_CANARY_BATCH at a time every PS_UDP_MEASURE_WAIT_MS, at most PS_UDP_CANARY_MAX
 * in all: their errors measure the rate that the silent suspects cannot. */
#define PS_UDP_CANARY_BATCH 4
#define PS_UDP_CANARY_MAX 48
/* Canaries also go out once nothing has arrived for PS_UDP_RATE_GUESS_MS, and the
 * one-a-second guess then waits this much longer for them. */
#define PS_UDP_CANARY_WINDOW_MS 400

struct ps_udp_pace {
	double srtt, rttvar;	/* ms; srtt < 0: no sample yet */
	bool loopback;		/* loopback is exempt from ICMP rate limits */
	bool limited;		/* a silence beside errors: it may drop errors; paced by budget */
	double limited_since;
	/* Its errors as they arrived. */
	unsigned n_err, burst_n;
	double first_err;
	double log[PS_UDP_ERR_LOG];	/* arrivals while measuring the rate */
	unsigned log_n;
	/* The learned budget: a burst of `burst` errors, then `rate` errors a ms (0: not
	 * measured yet), and the tokens it should hold now by our own sends. */
	double rate, burst, tok, tok_t;
	unsigned cuts;		/* covered attempts found dropped (the budget was cut) */
	unsigned canaries;	/* canaries sent while measuring */
	unsigned canary_err;	/* errors they drew */
	unsigned canary_from;	/* suspects' errors logged when the first batch went out */
	double canary_t, canary_t0;	/* when the last batch and the first were sent */
};

/* A host with no sample yet. */
void ps_udp_pace_init(struct ps_udp_pace *p, bool loopback);

/* How long attempt n (1-based) waits for evidence. timeout_set (--timeout given): exactly
 * timeout_ms. Else srtt + 4 * rttvar, at least PS_UDP_MIN_WAIT_MS
 * (PS_UDP_MIN_WAIT_LOOPBACK_MS over loopback), doubling per attempt, at most timeout_ms
 * (1000 when <= 0); before any sample the full timeout, except over loopback: twice the
 * loopback floor. */
double ps_udp_pace_wait(const struct ps_udp_pace *p, int timeout_ms, bool timeout_set,
			int attempt);

/* Evidence (an answer or an ICMP error) at time t for a probe after `attempts` sends,
 * the last at `sent`; lost_covered: an earlier attempt of it was sent within the learned
 * budget (and stayed unanswered).
 * Only first attempts are RTT samples (Karn), smoothed as RFC 6298. An ICMP error feeds
 * the budget: the burst, then the rate of arrivals after it; an error that only a retry
 * drew out proves a drop (the host is limited), and when the budget covered the dropped
 * attempt (lost_covered) the budget was too generous and is cut. Returns true when this was the host's
 * first RTT sample (every wait in flight may shrink). */
bool ps_udp_pace_evidence(struct ps_udp_pace *p, int attempts, double sent, double t, bool icmp,
			  bool lost_covered);

/* A probe stayed silent until t: silence from a host that does send errors may be an error
 * it was not allowed to send, so the host turns limited (its bucket taken as empty). */
void ps_udp_pace_silence(struct ps_udp_pace *p, double t);

/* The tokens the learned budget holds at t (refilled at rate, at most burst). */
double ps_udp_pace_tokens(const struct ps_udp_pace *p, double t);

/* True when a send at t must wait: the host is limited, its rate is known and the budget
 * holds less than one error. */
bool ps_udp_pace_held(const struct ps_udp_pace *p, double t);

/* When a held host may be sent to again (t when not held). */
double ps_udp_pace_next(const struct ps_udp_pace *p, double t);

/* A datagram went to the host at t. Returns true when the learned budget covers it: had
 * its port drawn an error, the host could have sent it (the send takes one token). */
bool ps_udp_pace_sent(struct ps_udp_pace *p, double t);

/* How many canaries to send at t (0: none): the host is limited, its rate unmeasured, and
 * either every error since it turned limited was a canary's or nothing has arrived for
 * PS_UDP_RATE_GUESS_MS; once they have begun, a batch every PS_UDP_MEASURE_WAIT_MS for
 * as long as no suspect's error arrives. */
unsigned ps_udp_pace_canaries_due(const struct ps_udp_pace *p, double t);

/* When canaries are next due (INFINITY: not while nothing changes), for the engine's
 * sleep. */
double ps_udp_pace_canaries_at(const struct ps_udp_pace *p);

/* n canaries went to the host at t. */
void ps_udp_pace_canaries_sent(struct ps_udp_pace *p, unsigned n, double t);

/* A canary's error arrived at t: an arrival for the rate, like any error. Once half of
 * PS_UDP_CANARY_MAX have drawn errors while the suspects stayed silent, the host's rate is
 * at least the rate they arrived at: that is the rate believed (with the margin). */
void ps_udp_pace_canary_error(struct ps_udp_pace *p, double t);

/* True when a silent probe after `attempts` sends has had all it gets. retries >= 0
 * (--retries given): exactly 1 + retries attempts. Else 1 + PS_UDP_DEFAULT_RETRIES, and on
 * a limited host also `covered` attempts the budget covered: one, or two when its burst is
 * bigger than Linux's per-peer one or once a covered attempt was found dropped (Linux's
 * global limit spends a random 0-2 tokens an error). */
bool ps_udp_pace_done(const struct ps_udp_pace *p, int retries, int attempts, int covered);

#endif
