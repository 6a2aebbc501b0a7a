/* The UDP engine's arithmetic per host, with no I/O: round-trip estimates, the wait for
 * each attempt, careful mode for hosts whose ICMP errors may be rate limited, and when a
 * silent port has had all its attempts. Times are milliseconds on one monotonic clock,
 * passed in by the caller, so tests drive it with made-up timestamps. */
#ifndef PS_UDP_PACE_H
#define PS_UDP_PACE_H

#include <stdbool.h>

/* Linux refills a host's ICMP budget once a second by default: silence in careful mode
 * is believed only after watching the host for longer than that. */
#define PS_UDP_CAREFUL_WATCH_MS 1500
/* The pace careful mode starts at, and its bounds once a drop was seen. */
#define PS_UDP_CAREFUL_START_MS 100
#define PS_UDP_CAREFUL_MIN_MS 10
#define PS_UDP_CAREFUL_MAX_MS 1000

struct ps_udp_pace {
	double srtt, rttvar;	/* ms; srtt < 0: no sample yet */
	double next_send;	/* paced hosts: earliest next send (ms) */
	double pace_ms;		/* paced hosts: interval between sends, 0 unpaced */
	double last_icmp;
	double err_gap;		/* smoothed time between its ICMP errors (ms), < 0 none yet */
	unsigned icmps;
	bool limited;		/* its ICMP errors may be rate limited: careful mode */
	bool confirmed;		/* a retry drew out an error the first attempt did not */
	double limited_since;
	bool loopback;		/* loopback is exempt from ICMP rate limits */
};

/* A host with no sample yet. */
void ps_udp_pace_init(struct ps_udp_pace *p, bool loopback);

/* How long attempt n (1-based) waits for evidence: srtt + 4 * rttvar, at least
 * PS_UDP_MIN_WAIT_MS (PS_UDP_MIN_WAIT_LOOPBACK_MS over loopback), doubling per attempt,
 * at most timeout_ms (1000 when <= 0). Before any sample: the full timeout, except over
 * loopback where the path costs nothing: twice the loopback floor. */
double ps_udp_pace_wait(const struct ps_udp_pace *p, int timeout_ms, int attempt);

/* Evidence (an answer or an ICMP error) at time t for a probe after `attempts` sends,
 * the last at `sent`. Only first attempts are RTT samples (Karn: a retried probe's answer
 * cannot be matched to one send), smoothed as RFC 6298. icmp: the evidence was an ICMP
 * error, which feeds careful mode. Returns true when this was the host's first sample
 * (every wait in flight may shrink). */
bool ps_udp_pace_evidence(struct ps_udp_pace *p, int attempts, double sent, double t, bool icmp);

/* A probe after `attempts` sends stayed silent until t: silence from a host that does send
 * errors may be an error it was not allowed to send, so the host turns careful. */
void ps_udp_pace_silence(struct ps_udp_pace *p, int attempts, double t);

/* True when a probe after `attempts` sends has had all it gets at time t: 1 + retries
 * (PS_UDP_DEFAULT_RETRIES when < 0); a careful host's silent ports get up to
 * PS_UDP_RATELIMIT_ATTEMPTS once a drop was confirmed, and are watched for
 * PS_UDP_CAREFUL_WATCH_MS before their silence is believed. */
bool ps_udp_pace_done(const struct ps_udp_pace *p, int retries, int attempts, double t);

/* True when a paced host must not be sent to before p->next_send. */
bool ps_udp_pace_held(const struct ps_udp_pace *p, double t);

/* A datagram went to the host at t: the next one waits for the pace. */
void ps_udp_pace_sent(struct ps_udp_pace *p, double t);

#endif
