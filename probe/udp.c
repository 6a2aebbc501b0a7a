/* The UDP engine's loop and public entry. It takes jobs, sends them in batches, drains
 * the evidence (probe/udp_io.c), and retries or gives up on what stayed silent, each host
 * at the pace probe/udp_pace.c computes; probe/udp_table.c holds the probes in flight.
 *
 * Two kernel facts shape it:
 * - The error queue is charged to the receive buffer; errors beyond it are dropped
 *   silently, so it is drained after every batch of sends and the buffer is enlarged.
 * - ICMP errors are rate limited per peer (net.ipv4.icmp_ratelimit, 1 s with a burst of 6
 *   by default) and globally (icmp_msgs_per_sec), except towards loopback. A dropped
 *   error looks exactly like a silent port, so a host that sends errors for some ports
 *   and is silent on others (or answers a retry with an error the first attempt did not
 *   get) is probed carefully: its sends are paced, the pace following how often its
 *   errors come, and its silent ports get up to PS_UDP_RATELIMIT_ATTEMPTS attempts before
 *   being called open|filtered.
 *
 * Our own socket holds one port; probing that port on a local address would reach
 * ourselves, so such jobs are held back and probed at the end from a fresh socket after
 * the first one is closed. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/grow.h"
#include "probe/icmp.h"
#include "probe/pwait.h"
#include "probe/udp_engine.h"

const char *ps_udp_icmp_reason(int family, int type, int code, enum ps_probe_state *state)
{
	const char *reason;

	return ps_icmp_verdict(family, type, code, IPPROTO_UDP, state, &reason) ? reason : NULL;
}

/* The deadline of slot s at time t, after a resend when one is due. Returns false when the
 * slot was reported (all attempts done, or the resend failed). */
static bool expire_one(struct ps_udp_engine *e, int i, double t)
{
	struct ps_udp_slot *s = &e->slots[i];
	struct ps_udp_pace *p = &s->dest->pace;

	/* A wait set before the host's first round trip was measured shrinks to the
	 * measured one (paced hosts keep theirs: their deadline is the next slot). */
	if (s->attempts > 0 && p->pace_ms <= 0) {
		double dl = s->sent + ps_udp_pace_wait(p, e->o->timeout_ms, s->attempts);

		if (dl < s->deadline)
			s->deadline = dl;
	}
	if (s->deadline > t)
		return true;
	ps_udp_pace_silence(p, s->attempts, t);
	if (ps_udp_pace_done(p, e->o->retries, s->attempts, t)) {
		ps_udp_report(e, &s->job, PS_PROBE_OPEN_FILTERED, "timeout", -1, NULL, NULL, 0);
		ps_udp_slot_release(e, i);
		return false;
	}
	if (ps_udp_pace_held(p, t)) {
		s->deadline = p->next_send;
	} else if (e->o->rate > 0 && !ps_tbucket_take(&e->rate, t)) {
		s->deadline = t + ps_tbucket_wait(&e->rate, t);
	} else if (ps_udp_transmit(e, i, t) != 0) {
		if (!s->used)
			return false;
		s->deadline = t + 1;
	}
	return true;
}

/* Expired attempts: resend or report open|filtered. */
static void expire(struct ps_udp_engine *e, double t)
{
	double next = t + 1e9;

	if (t < e->min_deadline)
		return;
	for (int i = 0; i < e->cap; i++) {
		if (!e->slots[i].used || !expire_one(e, i, t))
			continue;
		if (e->slots[i].deadline < next)
			next = e->slots[i].deadline;
	}
	e->min_deadline = next;
}

static int hold(struct ps_udp_engine *e, const struct ps_probe_job *job, ps_err *err)
{
	struct ps_probe_job *v = ps_grow(e->held, &e->held_cap, e->nheld, sizeof(*v), 8);

	if (!v)
		return ps_err_nomem(err);
	e->held = v;
	e->held[e->nheld++] = *job;
	return 0;
}

/* One pass of the loop: where the jobs come from and what is taken but not yet sent. */
struct pass {
	ps_job_next_fn next;
	void *src;
	bool hold_own;		/* hold back jobs for our own port (first pass) */
	bool more;		/* next() may still have jobs */
	bool have_job;		/* job is taken, not yet sent */
	struct ps_probe_job job;
	int batch[PS_UDP_BATCH], nbatch, batch_fi;
};

/* Take jobs and start them at time t, up to a batch of one family. Returns 0, or -1 with
 * err when a socket cannot be opened or a job not held. */
static int start_jobs(struct ps_udp_engine *e, struct pass *ps, double t, ps_err *err)
{
	ps->nbatch = 0;
	while ((ps->have_job || ps->more) && e->inflight < e->cap && ps->nbatch < PS_UDP_BATCH) {
		struct ps_udp_dest *d;
		int fi;

		if (!ps->have_job) {
			if (!ps->next(ps->src, &ps->job)) {
				ps->more = false;
				break;
			}
			ps->have_job = true;
		}
		fi = ps_udp_fam_index(ps->job.addr.sa.sa_family);
		if (e->fd[fi] < 0 && ps_udp_open_socket(e, ps->job.addr.sa.sa_family, err) < 0)
			return -1;
		if (ps->hold_own && ps_udp_port(&ps->job.addr) == e->own_port[fi]) {
			if (hold(e, &ps->job, err) < 0)
				return -1;
			ps->have_job = false;
			continue;
		}
		if ((ps->nbatch && fi != ps->batch_fi) ||
		    (e->o->rate > 0 && ps_tbucket_wait(&e->rate, t) > 0))
			break;
		d = ps_udp_dest_for(e, &ps->job.addr);
		if (ps_udp_pace_held(&d->pace, t))
			break;
		ps->batch[ps->nbatch++] = ps_udp_slot_add(e, &ps->job, d);
		ps->batch_fi = fi;
		ps->have_job = false;
		ps_udp_pace_sent(&d->pace, t);
		if (e->o->rate > 0)
			(void)ps_tbucket_take(&e->rate, t);
	}
	return 0;
}

/* How long to sleep at t (ms, with its fraction): until evidence, a deadline, or the
 * next allowed send. */
static double sleep_ms(struct ps_udp_engine *e, const struct pass *ps, double t)
{
	double wake = e->min_deadline;

	if ((ps->have_job || ps->more) && e->inflight < e->cap) {
		double ns = t;

		if (e->o->rate > 0)
			ns = t + ps_tbucket_wait(&e->rate, t);
		if (ps->have_job) {
			struct ps_udp_dest *d = ps_udp_dest_for(e, &ps->job.addr);

			if (d->pace.pace_ms > 0 && d->pace.next_send > ns)
				ns = d->pace.next_send;
		}
		if (ns < wake)
			wake = ns;
	}
	if (ps->nbatch == PS_UDP_BATCH)
		wake = t;
	return wake <= t ? 0 : wake - t;
}

/* Run jobs from next(src) until all are decided. hold_own: hold back jobs for our own
 * port (first pass); the second pass probes them from fresh sockets. */
static int run(struct ps_udp_engine *e, ps_job_next_fn next, void *src, bool hold_own,
	       ps_err *err)
{
	struct pass ps = { .next = next, .src = src, .hold_own = hold_own, .more = true };

	while (ps.more || ps.have_job || e->inflight > 0) {
		double t = ps_clock_ms();
		struct pollfd pfd[2];
		nfds_t np = 0;
		double timeout_ms;

		if (start_jobs(e, &ps, t, err) < 0)
			return -1;
		if (ps.nbatch)
			ps_udp_send_batch(e, ps.batch_fi, ps.batch, ps.nbatch, t);
		ps_udp_drain(e);
		t = ps_clock_ms();
		expire(e, t);
		if (!ps.more && !ps.have_job && e->inflight == 0)
			break;
		timeout_ms = sleep_ms(e, &ps, t);
		for (int fi = 0; fi < 2; fi++)
			if (e->fd[fi] >= 0)
				pfd[np++] = (struct pollfd){ .fd = e->fd[fi], .events = POLLIN };
		if (np && ps_poll_ms(pfd, np, timeout_ms) < 0 && errno != EINTR)
			return ps_err_system(err, "poll: %s", strerror(errno));
	}
	return 0;
}

struct held_src {
	const struct ps_probe_job *v;
	size_t n, i;
};

static int held_next(void *src, struct ps_probe_job *job)
{
	struct held_src *h = src;

	if (h->i == h->n)
		return 0;
	*job = h->v[h->i++];
	return 1;
}

/* Our own port: open the replacement first so it cannot be given the same port, then free
 * the port and probe it as it really is. Returns 0, or -1 with err. */
static int run_held(struct ps_udp_engine *e, ps_err *err)
{
	int old[2] = { e->fd[0], e->fd[1] };
	struct held_src h = { e->held, e->nheld, 0 };

	for (int fi = 0; fi < 2; fi++) {
		if (old[fi] < 0)
			continue;
		e->fd[fi] = -1;
		if (ps_udp_open_socket(e, fi ? AF_INET6 : AF_INET, err) < 0) {
			e->fd[fi] = old[fi];
			return -1;
		}
		if (close(old[fi]) < 0)
			return ps_err_system(err, "close: %s", strerror(errno));
	}
	return run(e, held_next, &h, false, err);
}

int ps_udp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err)
{
	struct ps_udp_engine *e = calloc(1, sizeof(*e));
	int rc = -1;

	if (!e)
		return ps_err_nomem(err);
	e->o = o;
	e->cb = cb;
	e->ctx = ctx;
	e->fd[0] = e->fd[1] = -1;
	e->cap = o->concurrency > 0 ? o->concurrency : PS_UDP_AUTO_CONCURRENCY;
	e->min_deadline = 1e18;
	if (o->rate > 0) {
		/* 20 ms of datagrams saved up at most, so a late wake-up loses no time; no
		 * burst at the start. */
		ps_tbucket_init(&e->rate, o->rate, o->rate * 0.02 < 2 ? 2 : o->rate * 0.02,
				ps_clock_ms());
		e->rate.tokens = 1;
	}
	if (ps_udp_table_init(e, err) < 0 || run(e, next, src, true, err) < 0)
		goto end;
	if (e->nheld && run_held(e, err) < 0)
		goto end;
	rc = 0;
end:
	for (int fi = 0; fi < 2; fi++)
		if (e->fd[fi] >= 0 && close(e->fd[fi]) < 0 && rc == 0)
			rc = ps_err_system(err, "close: %s", strerror(errno));
	free(e->held);
	ps_udp_table_free(e);
	free(e);
	return rc;
}
