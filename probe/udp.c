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
 *   get) turns limited: its budget (burst and rate) is learned from its own errors,
 *   sends to it spend that budget's tokens, and a silent port is called open|filtered
 *   only after an attempt the budget covered (probe/udp_pace.c). --retries and --timeout
 *   given on the command line are obeyed as given instead.
 * - The budget is per source address: with --source, ports are spread over the sources'
 *   sockets, each host entry being a host as seen from one source.
 *
 * --max-time ends the run: what is undecided then is open|filtered, reason no-time.
 *
 * Each socket holds one port; probing that port on a local address would reach
 * ourselves, so such jobs are held back and probed at the end from a fresh socket after
 * the first one is closed. */
#include <errno.h>
#include <math.h>
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
	 * measured one (a probe held for the host's budget keeps its deadline). */
	if (s->attempts > 0 && !s->held) {
		double dl = s->sent + ps_udp_pace_wait(p, e->o->timeout_ms, e->o->timeout_set,
						       ps_udp_slot_backoff(s));

		if (dl < s->deadline)
			s->deadline = dl;
	}
	if (s->deadline > t)
		return true;
	if (s->attempts > 0)
		ps_udp_pace_silence(p, t);
	if (s->attempts > 0 && ps_udp_pace_done(p, e->o->retries, s->attempts, s->nbudget)) {
		ps_udp_report(e, &s->job, PS_PROBE_OPEN_FILTERED, "timeout", -1, NULL, NULL, 0);
		ps_udp_slot_release(e, i);
		return false;
	}
	if (ps_udp_pace_held(p, t)) {
		s->deadline = ps_udp_pace_next(p, t);
		s->held = true;
		return true;
	}
	/* --rate: every datagram, retries included, waits for a token of the bucket. */
	if (e->o->rate > 0 && !ps_tbucket_take(&e->rate, t)) {
		s->deadline = t + ps_tbucket_wait(&e->rate, t);
		s->held = true;
		return true;
	}
	s->cov_next = ps_udp_pace_sent(p, t);
	if (ps_udp_transmit(e, i, t) != 0) {
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
	int batch[PS_UDP_MAX_SOCKS][PS_UDP_BATCH];	/* per socket */
	int nb[PS_UDP_MAX_SOCKS], nbatch;		/* per socket, and in all */
	bool full;					/* a socket's batch is full */
};

/* Open the sockets of family index fi (one per source of that family) not yet open.
 * Returns 0, or -1 with err. */
static int open_family(struct ps_udp_engine *e, int fi, ps_err *err)
{
	int family = fi ? AF_INET6 : AF_INET;

	for (int k = fi; k < e->nsocks; k += 2) {
		if (e->fd[k] >= 0 ||
		    (e->o->nsources && e->o->sources[k / 2].sa.sa_family != family))
			continue;
		if (ps_udp_open_socket(e, k, err) < 0)
			return -1;
	}
	return 0;
}

/* Whether port is one of our own sockets' ports in family index fi. */
static bool own_port(const struct ps_udp_engine *e, int fi, uint16_t port)
{
	for (int k = fi; k < e->nsocks; k += 2)
		if (e->fd[k] >= 0 && e->own_port[k] == port)
			return true;
	return false;
}

/* The socket job goes out from at t: the first source, from the round robin's place,
 * whose budget for the host is not spent. Returns it (*d its host entry), -1 when no
 * socket of the family is open (no source address of it), -2 when every budget is spent
 * (*next: when the first one may send again). */
static int pick_sock(struct ps_udp_engine *e, const struct ps_probe_job *job, double t,
		     struct ps_udp_dest **d, double *next)
{
	int fi = ps_udp_fam_index(job->addr.sa.sa_family), nsrc = e->nsocks / 2, rc = -1;

	*next = 1e18;
	for (int j = 0; j < nsrc; j++) {
		int k = 2 * ((e->rr + j) % nsrc) + fi;

		if (e->fd[k] < 0)
			continue;
		*d = ps_udp_dest_for(e, &job->addr, k);
		if (!ps_udp_pace_held(&(*d)->pace, t))
			return k;
		if (ps_udp_pace_next(&(*d)->pace, t) < *next)
			*next = ps_udp_pace_next(&(*d)->pace, t);
		rc = -2;
	}
	return rc;
}

/* Take jobs and start them at time t, until one socket's batch is full. Returns 0, or -1 with
 * err when a socket cannot be opened or a job not held. */
static int start_jobs(struct ps_udp_engine *e, struct pass *ps, double t, ps_err *err)
{
	ps->nbatch = 0;
	ps->full = false;
	memset(ps->nb, 0, sizeof(ps->nb));
	while ((ps->have_job || ps->more) && e->inflight < e->cap && !ps->full) {
		struct ps_udp_dest *d;
		double next;
		int fi, i, k;

		if (!ps->have_job) {
			if (!ps->next(ps->src, &ps->job)) {
				ps->more = false;
				break;
			}
			ps->have_job = true;
		}
		fi = ps_udp_fam_index(ps->job.addr.sa.sa_family);
		if (open_family(e, fi, err) < 0)
			return -1;
		if (ps->hold_own && own_port(e, fi, ps_sockaddr_port(&ps->job.addr))) {
			if (hold(e, &ps->job, err) < 0)
				return -1;
			ps->have_job = false;
			continue;
		}
		if (e->o->rate > 0 && ps_tbucket_wait(&e->rate, t) > 0)
			break;
		k = pick_sock(e, &ps->job, t, &d, &next);
		if (k == -1) {
			ps_udp_report(e, &ps->job, PS_PROBE_ERROR, "send-error", -1,
				      "no --source address of its family", NULL, 0);
			ps->have_job = false;
			continue;
		}
		if (k < 0)
			break;
		e->rr++;	/* the next port from the next source */
		i = ps_udp_slot_add(e, &ps->job, d);
		e->slots[i].cov_next = ps_udp_pace_sent(&d->pace, t);
		ps->batch[k][ps->nb[k]++] = i;
		ps->nbatch++;
		ps->full = ps->nb[k] == PS_UDP_BATCH;
		ps->have_job = false;
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
			struct ps_udp_dest *d;
			double next;

			if (pick_sock(e, &ps->job, t, &d, &next) == -2 && next > ns)
				ns = next;
		}
		if (ns < wake)
			wake = ns;
	}
	if (e->canary_wake < wake)
		wake = e->canary_wake;
	if (e->o->max_time_ms > 0 && e->start + e->o->max_time_ms < wake)
		wake = e->start + e->o->max_time_ms;
	if (ps->full)
		wake = t;
	return wake <= t ? 0 : wake - t;
}

/* --max-time has passed: everything undecided is open|filtered for want of time. */
static void out_of_time(struct ps_udp_engine *e, struct pass *ps)
{
	e->out_of_time = true;
	for (int i = 0; i < e->cap; i++) {
		if (!e->slots[i].used)
			continue;
		ps_udp_report(e, &e->slots[i].job, PS_PROBE_OPEN_FILTERED, "no-time", -1, NULL,
			      NULL, 0);
		ps_udp_slot_release(e, i);
	}
	while (ps->have_job || (ps->more && ps->next(ps->src, &ps->job))) {
		ps_udp_report(e, &ps->job, PS_PROBE_OPEN_FILTERED, "no-time", -1, NULL, NULL, 0);
		ps->have_job = false;
	}
	ps->more = false;
}

/* Run jobs from next(src) until all are decided. hold_own: hold back jobs for our own
 * port (first pass); the second pass probes them from fresh sockets. */
static int run(struct ps_udp_engine *e, ps_job_next_fn next, void *src, bool hold_own,
	       ps_err *err)
{
	struct pass ps = { .next = next, .src = src, .hold_own = hold_own, .more = true };

	while ((ps.more || ps.have_job || e->inflight > 0) && !ps_probe_stopped(e->o)) {
		double t = ps_clock_ms();
		struct pollfd pfd[PS_UDP_MAX_SOCKS];
		nfds_t np = 0;
		double timeout_ms;

		if (e->o->max_time_ms > 0 && t - e->start >= e->o->max_time_ms) {
			out_of_time(e, &ps);
			break;
		}
		if (start_jobs(e, &ps, t, err) < 0)
			return -1;
		for (int k = 0; ps.nbatch && k < e->nsocks; k++)
			if (ps.nb[k])
				ps_udp_send_batch(e, k, ps.batch[k], ps.nb[k], t);
		ps_udp_drain(e);
		t = ps_clock_ms();
		expire(e, t);
		e->canary_wake = ps_udp_canaries(e, t);
		if (!ps.more && !ps.have_job && e->inflight == 0)
			break;
		timeout_ms = sleep_ms(e, &ps, t);
		if (e->o->stop && timeout_ms > PS_STOP_POLL_MS)
			timeout_ms = PS_STOP_POLL_MS;
		if (e->o->on_wait)
			e->o->on_wait(e->o->wait_ctx);
		for (int k = 0; k < e->nsocks; k++)
			if (e->fd[k] >= 0)
				pfd[np++] = (struct pollfd){ .fd = e->fd[k], .events = POLLIN };
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
	struct held_src h = { e->held, e->nheld, 0 };

	for (int k = 0; k < e->nsocks; k++) {
		int old = e->fd[k];

		if (old < 0)
			continue;
		e->fd[k] = -1;
		if (ps_udp_open_socket(e, k, err) < 0) {
			e->fd[k] = old;
			return -1;
		}
		if (close(old) < 0)
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
	e->nsocks = 2 * (o->nsources > 0 ? o->nsources : 1);
	for (int k = 0; k < PS_UDP_MAX_SOCKS; k++)
		e->fd[k] = -1;
	e->cap = o->concurrency > 0 ? o->concurrency : PS_UDP_AUTO_CONCURRENCY;
	e->min_deadline = 1e18;
	e->canary_wake = INFINITY;
	e->start = ps_clock_ms();
	if (o->rate > 0) {
		/* 20 ms of datagrams saved up at most, so a late wake-up loses no time; no
		 * burst at the start. */
		ps_tbucket_init(&e->rate, o->rate, o->rate * 0.02 < 2 ? 2 : o->rate * 0.02,
				e->start);
		e->rate.tokens = 1;
	}
	if (ps_udp_table_init(e, err) < 0 || run(e, next, src, true, err) < 0)
		goto end;
	if (e->nheld && !ps_probe_stopped(o) && run_held(e, err) < 0)
		goto end;
	rc = 0;
end:
	for (int k = 0; k < e->nsocks; k++)
		if (e->fd[k] >= 0 && close(e->fd[k]) < 0 && rc == 0)
			rc = ps_err_system(err, "close: %s", strerror(errno));
	free(e->held);
	ps_udp_table_free(e);
	free(e);
	return rc;
}
