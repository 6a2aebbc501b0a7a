/* The TCP connect engine's event loops and its public entry, ps_tcp_probe_many. Each loop
 * is one epoll set of non-blocking connects (probe/tcp_conn.c) over slots of its own
 * (probe/tcp_slots.c): it takes jobs in batches from the shared source, launches
 * attempts up to its share of the concurrency (fewer after running out of descriptors,
 * at the --rate pace when one is given), waits for events or the first deadline, and
 * expires what timed out. Results go to the callback as they are decided.
 *
 * A loopback scan is bound by the kernel's own work inside connect() (SYN, reset and
 * socket bookkeeping all happen in the call), so the engine runs two such loops per CPU
 * it may use (at most MAX_LOOPS), each in its own thread; the loops share the job source
 * and the callback, each behind a mutex, and share nothing else. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/pwait.h"
#include "probe/tcp_engine.h"

#define NEVENTS 512		/* events taken per epoll_wait */
/* Without any descriptor for this long, the engine gives up instead of spinning. */
#define FD_STARVE_NS (5ull * 1000000000ull)
#define BACKOFF_MS 10		/* wait after EMFILE with nothing in flight */
#define MAX_LOOPS 8		/* event loops (threads) at most */
#define RATE_ONE_LOOP 20000	/* --rate one loop keeps up with (attempts a second) */
/* --rate's bucket holds this many seconds of attempts (at least 2), so a wake-up a
 * little late does not lose the time it was late by. */
#define RATE_BURST_S 0.02

/* Refill this loop's batch from the shared source; returns false when the source
 * has no job left (the batch may still hold some). */
static bool fill_batch(struct engine *e)
{
	e->ibatch = 0;
	e->nbatch = (uint32_t)ps_job_feed_take(&e->sh->feed, e->batch, JOB_BATCH,
					       ps_probe_stopped(e->o));
	return !e->sh->feed.exhausted;
}

/* The next job for this loop; false when every job has been taken. */
static bool take_job(struct engine *e, struct ps_probe_job *job)
{
	if (e->ibatch == e->nbatch)
		(void)fill_batch(e);
	if (e->ibatch == e->nbatch)
		return false;
	*job = e->batch[e->ibatch++];
	return true;
}

static uint64_t ns_until(uint64_t t, uint64_t now)
{
	return t <= now ? 0 : t - now > 60000000000ull ? 60000000000ull : t - now;
}

/* One --rate token for a launch at now, from the budget every loop shares; false (and
 * e->next_launch set to when one will be there) when the bucket is empty. */
static bool rate_take(struct engine *e, uint64_t now)
{
	struct shared *sh = e->sh;
	double t = (double)now / 1e6, wait = 0;
	bool ok;

	if (now < e->next_launch)
		return false;
	if (sh->feed.threaded)
		pthread_mutex_lock(&sh->rate_mu);
	ok = ps_tbucket_take(&sh->rate, t);
	if (!ok)
		wait = ps_tbucket_wait(&sh->rate, t);
	if (sh->feed.threaded)
		pthread_mutex_unlock(&sh->rate_mu);
	if (!ok)
		e->next_launch = now + (uint64_t)(wait * 1e6) + 1;
	return ok;
}

/* After a shortage, grow the in-flight cap back slowly while descriptors stay available. */
static void grow_cap(struct engine *e, uint64_t now)
{
	if (e->cap < e->maxslots && now - e->last_backoff > 100000000ull) {
		e->cap += e->cap / 4 + 1;
		if (e->cap > e->maxslots)
			e->cap = e->maxslots;
	}
}

enum launched { LAUNCHED, LAUNCH_BACKOFF, LAUNCH_FATAL };

/* Give back the token of a launch that did not happen. */
static void rate_untake(struct engine *e)
{
	if (!e->rated)
		return;
	if (e->sh->feed.threaded)
		pthread_mutex_lock(&e->sh->rate_mu);
	e->sh->rate.tokens += 1;
	if (e->sh->feed.threaded)
		pthread_mutex_unlock(&e->sh->rate_mu);
}

/* Start attempts, relaunches first, while the cap and --rate allow. LAUNCH_BACKOFF: out
 * of descriptors or local ports (the attempt is kept for later); LAUNCH_FATAL: the epoll
 * set failed (e->err filled). */
static enum launched launch_some(struct engine *e)
{
	for (;;) {
		bool fresh = false;
		enum launch_rc lr;
		uint32_t i;

		if (e->used - e->nrelaunch >= e->cap)
			return LAUNCHED;
		if (e->relaunch.head == NIL && !e->have_pending)
			return LAUNCHED;
		if (e->rated && !rate_take(e, ps_clock_ns()))
			return LAUNCHED;
		if (e->relaunch.head != NIL) {
			i = e->relaunch.head;
			ps_tcp_list_del(e, &e->relaunch, i);
			e->nrelaunch--;
		} else if (e->have_pending) {
			i = ps_tcp_slot_get(e);
			if (i == NIL) {
				rate_untake(e);
				return LAUNCHED;
			}
			e->slots[i].job = e->pending;
			e->slots[i].attempt = 0;
			fresh = true;
		} else {
			return LAUNCHED;
		}
		lr = ps_tcp_launch(e, i);
		if (lr == L_FATAL) {
			ps_err_system(&e->err, "epoll_ctl: %s", strerror(errno));
			return LAUNCH_FATAL;
		}
		if (lr == L_BACKOFF) {
			rate_untake(e);
			if (fresh) {
				ps_tcp_slot_put(e, i);
			} else {
				e->slots[i].phase = PH_RELAUNCH;
				ps_tcp_list_push(e, &e->relaunch, i);
				e->nrelaunch++;
			}
			return LAUNCH_BACKOFF;
		}
		if (lr == L_DONE)
			ps_tcp_slot_put(e, i);
		if (fresh)
			e->have_pending = take_job(e, &e->pending);
		e->starve_since = 0;
	}
}

/* EMFILE/ENFILE: hold the number in flight where it is; the attempt that failed is made
 * again later, so no port is misreported. Returns how long to wait, or -1 with e->err
 * when no descriptor came free for FD_STARVE_NS. */
static int back_off(struct engine *e, uint32_t inflight)
{
	uint64_t now = ps_clock_ns();

	e->cap = inflight > 0 ? inflight : 1;
	e->last_backoff = now;
	/* Starved only when no loop holds a descriptor that could come free. */
	if (inflight == 0 && __atomic_load_n(&e->sh->busy, __ATOMIC_RELAXED) == 0) {
		if (!e->starve_since) {
			e->starve_since = now;
		} else if (now - e->starve_since > FD_STARVE_NS) {
			errno = EMFILE;
			return ps_err_system(&e->err, "no file descriptors available (%s)",
					     strerror(EMFILE));
		}
	} else {
		e->starve_since = 0;
	}
	return inflight > 0 ? 100 : BACKOFF_MS;
}

/* How long epoll may wait at now, in nanoseconds: until the first deadline or the next
 * launch --rate allows, and no longer than wait_ms when that is set (>= 0). */
static uint64_t wait_for(struct engine *e, int wait_ms, uint32_t inflight, uint64_t now)
{
	uint64_t w = wait_ms < 0 ? UINT64_MAX : (uint64_t)wait_ms * 1000000u;

	if (e->timers.head != NIL) {
		uint64_t t = ns_until(e->slots[e->timers.head].deadline, now);

		if (t < w)
			w = t;
	}
	if (e->rated && (e->have_pending || e->nrelaunch) && inflight < e->cap) {
		uint64_t t = ns_until(e->next_launch, now);

		if (t < w)
			w = t;
	}
	if (w == UINT64_MAX && inflight == 0)
		w = (uint64_t)BACKOFF_MS * 1000000u;	/* nothing to wait on: should not happen */
	return w;
}

/* One event loop: take jobs, launch, wait, expire, until no job is left anywhere and
 * nothing of this loop is in flight. Returns 0, or -1 with e->err. */
static int run(struct engine *e)
{
	struct epoll_event evs[NEVENTS];

	e->have_pending = take_job(e, &e->pending);
	for (;;) {
		uint64_t now = ps_clock_ns();
		enum launched lr;
		uint32_t inflight;
		int wait_ms = -1, n;

		ps_tcp_expire(e, now);
		grow_cap(e, now);
		lr = launch_some(e);
		if (lr == LAUNCH_FATAL)
			return -1;
		inflight = e->used - e->nrelaunch;
		if (lr == LAUNCH_BACKOFF && (wait_ms = back_off(e, inflight)) < 0)
			return -1;
		if ((!e->have_pending && e->used == 0) || ps_probe_stopped(e->o))
			return 0;	/* done, or stopped: what is in flight is abandoned */
		if (e->o->stop && (wait_ms < 0 || wait_ms > PS_STOP_POLL_MS))
			wait_ms = PS_STOP_POLL_MS;
		if (e->o->on_wait)
			e->o->on_wait(e->o->wait_ctx);
		now = ps_clock_ns();
		n = ps_epoll_wait_ns(e->epfd, evs, NEVENTS, wait_for(e, wait_ms, inflight, now));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_err_system(&e->err, "epoll_wait: %s", strerror(errno));
		}
		now = n > 0 ? ps_clock_ns() : now;
		for (int k = 0; k < n; k++)
			ps_tcp_on_event(e, evs[k].data.u32, evs[k].events, now);
	}
}

static void engine_free(struct engine *e)
{
	for (uint32_t i = 0; i < e->nslots; i++) {
		if (e->slots[i].fd >= 0)
			(void)close(e->slots[i].fd);
		free(e->slots[i].buf);
		ps_tls_free(e->slots[i].tls);
	}
	while (e->npool > 0)
		(void)close(e->pool[--e->npool].fd);
	free(e->slots);
	free(e->freelist);
	if (e->epfd >= 0)
		(void)close(e->epfd);
}

static void *worker(void *arg)
{
	struct engine *e = arg;

	e->rc = run(e);
	return NULL;
}

/* Event loops to run: two per CPU this process may use (at most MAX_LOOPS). A loopback
 * scan is bound by the kernel's work inside connect(), which spreads over cores; a
 * second loop per CPU keeps the core busy while the other is preempted. Under --rate
 * the loops draw from one token bucket; a rate one loop can keep up with gets one loop. */
static int loops_wanted(const struct ps_probe_opts *o, uint32_t conc)
{
	int n;

	if (o->rate > 0 && o->rate <= RATE_ONE_LOOP)
		return 1;
	n = 2 * ps_probe_cpus();
	if (n > MAX_LOOPS)
		n = MAX_LOOPS;
	if ((uint32_t)n > conc)
		n = (int)conc;
	return n < 1 ? 1 : n;
}

/* Set up loop k of nloops sharing sh and the concurrency conc. Returns 0, or -1 with
 * err when no epoll set could be made. */
static int engine_init(struct engine *e, struct shared *sh, const struct ps_probe_opts *o,
		       uint32_t conc, int k, int nloops, ps_err *err)
{
	e->sh = sh;
	e->o = o;
	e->timers.head = e->timers.tail = e->relaunch.head = e->relaunch.tail = NIL;
	e->reading = o->expect || o->banner;
	e->timeout_ns = (uint64_t)(o->timeout_ms > 0 ? o->timeout_ms : 1) * 1000000ull;
	e->rated = o->rate > 0;
	/* The concurrency is shared out; every loop gets at least one. */
	e->maxslots = conc / (uint32_t)nloops + (k < (int)(conc % (uint32_t)nloops));
	e->cap = e->maxslots;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		return ps_err_system(err, "epoll_create1: %s", strerror(errno));
	return 0;
}

int ps_tcp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err)
{
	struct shared sh = { 0 };
	struct engine *es;
	pthread_t tids[MAX_LOOPS];
	uint32_t conc;
	int budget = ps_probe_fd_budget(), nloops, started = 0, rc = 0;
	int autoc = o->tls ? PS_TCP_TLS_CONCURRENCY : PS_TCP_AUTO_CONCURRENCY;

	if (o->concurrency > 0)
		conc = (uint32_t)o->concurrency;
	else
		conc = (uint32_t)(budget < autoc ? budget : autoc);
	nloops = loops_wanted(o, conc);
	ps_job_feed_init(&sh.feed, next, src, cb, ctx);
	pthread_mutex_init(&sh.rate_mu, NULL);
	if (o->rate > 0) {
		double burst = o->rate * RATE_BURST_S;

		ps_tbucket_init(&sh.rate, o->rate, burst < 2 ? 2 : burst, ps_clock_ms());
		sh.rate.tokens = 1;	/* no burst at the start */
	}
	es = calloc((size_t)nloops, sizeof(*es));
	if (!es)
		return ps_err_nomem(err);
	for (int k = 0; k < nloops; k++) {
		if (engine_init(&es[k], &sh, o, conc, k, nloops, err) < 0) {
			rc = -1;
			nloops = k;
			goto end;
		}
	}
	/* A handful of jobs (check) needs no second loop: see whether the first batch
	 * already drains the source. */
	if (!fill_batch(&es[0]))
		nloops = 1;
	sh.feed.threaded = nloops > 1;
	for (int k = 1; k < nloops; k++) {
		if (pthread_create(&tids[k], NULL, worker, &es[k]) != 0)
			break;	/* fewer loops: the others take the jobs */
		started = k;
	}
	es[0].rc = run(&es[0]);
	for (int k = 1; k <= started; k++)
		pthread_join(tids[k], NULL);
	for (int k = 0; k <= started; k++) {
		if (es[k].rc < 0 && rc == 0) {
			*err = es[k].err;
			rc = -1;
		}
	}
end:
	for (int k = 0; k < nloops; k++)
		engine_free(&es[k]);
	free(es);
	ps_job_feed_destroy(&sh.feed);
	pthread_mutex_destroy(&sh.rate_mu);
	return rc;
}
