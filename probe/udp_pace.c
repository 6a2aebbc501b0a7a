/* Pacing arithmetic of the UDP engine (no I/O). Careful mode is for a host whose ICMP
 * errors may be rate limited (Linux: a burst of 6, then one per net.ipv4.icmp_ratelimit
 * ms, 1000 by default): sends are paced; at each drop seen (a retry drew out an error the
 * first attempt did not get) the pace slows to the interval the host's errors actually
 * arrive at, and each error a first attempt draws speeds it up a little (x0.95); silence
 * changes nothing, since a port may really be silent. Once a drop is seen, silent ports get
 * PS_UDP_RATELIMIT_ATTEMPTS attempts. */
#include "probe/udp.h"
#include "probe/udp_pace.h"

void ps_udp_pace_init(struct ps_udp_pace *p, bool loopback)
{
	*p = (struct ps_udp_pace){ .srtt = -1, .err_gap = -1, .loopback = loopback };
}

double ps_udp_pace_wait(const struct ps_udp_pace *p, int timeout_ms, int attempt)
{
	double w, cap = timeout_ms > 0 ? timeout_ms : 1000;
	double low = p->loopback ? PS_UDP_MIN_WAIT_LOOPBACK_MS : PS_UDP_MIN_WAIT_MS;

	if (p->srtt >= 0)
		w = p->srtt + 4 * p->rttvar;
	else
		w = p->loopback ? 2 * low : cap;
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

static void limit(struct ps_udp_pace *p, double t)
{
	p->limited = true;
	p->limited_since = t;
	p->pace_ms = PS_UDP_CAREFUL_START_MS;
}

static void icmp_error(struct ps_udp_pace *p, int attempts, double t)
{
	if (p->icmps++) {
		double gap = t - p->last_icmp;

		p->err_gap = p->err_gap < 0 ? gap : 0.7 * p->err_gap + 0.3 * gap;
	}
	p->last_icmp = t;
	/* An error that only a retry drew out: the first one was dropped. */
	if (attempts > 1 && !p->loopback) {
		/* A drop: the first attempt went out faster than the budget. */
		if (!p->limited)
			limit(p, t);
		p->confirmed = true;
		/* Saturated, the errors come at the budget's own rate. */
		if (p->pace_ms < 1.1 * p->err_gap)
			p->pace_ms = 1.1 * p->err_gap;
		if (p->pace_ms < PS_UDP_CAREFUL_MIN_MS)
			p->pace_ms = PS_UDP_CAREFUL_MIN_MS;
		if (p->pace_ms > PS_UDP_CAREFUL_MAX_MS)
			p->pace_ms = PS_UDP_CAREFUL_MAX_MS;
	} else if (p->limited) {
		/* Answered at the first try: the budget allows a little faster. */
		p->pace_ms = p->pace_ms * 0.95 < 0.1 ? 0.1 : p->pace_ms * 0.95;
	}
}

bool ps_udp_pace_evidence(struct ps_udp_pace *p, int attempts, double sent, double t, bool icmp)
{
	bool first = false;

	if (attempts == 1) {
		first = p->srtt < 0;
		rtt_sample(p, t - sent);
	}
	if (icmp)
		icmp_error(p, attempts, t);
	return first;
}

void ps_udp_pace_silence(struct ps_udp_pace *p, int attempts, double t)
{
	if (attempts >= 1 && p->icmps > 0 && !p->limited && !p->loopback)
		limit(p, t);
}

bool ps_udp_pace_done(const struct ps_udp_pace *p, int retries, int attempts, double t)
{
	int n = 1 + (retries >= 0 ? retries : PS_UDP_DEFAULT_RETRIES);

	if (attempts < n)
		return false;
	if (!p->limited || attempts >= PS_UDP_RATELIMIT_ATTEMPTS)
		return true;
	return !p->confirmed && t - p->limited_since >= PS_UDP_CAREFUL_WATCH_MS;
}

bool ps_udp_pace_held(const struct ps_udp_pace *p, double t)
{
	return p->pace_ms > 0 && t < p->next_send;
}

void ps_udp_pace_sent(struct ps_udp_pace *p, double t)
{
	if (p->pace_ms > 0)
		p->next_send = t + p->pace_ms;
}
