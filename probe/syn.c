/* The SYN scan engine (scan --syn, nmap's -sS): half-open probes over raw IPv4 sockets.
 * Each SYN leaves from one source port that a bound, unconnected TCP socket reserves, so
 * the kernel answers a SYN-ACK with a reset and no connection is ever made. A SYN-ACK is
 * open (syn-ack), a reset closed (reset), an ICMP destination unreachable is judged by
 * probe/icmp.c, and silence after the attempts is filtered (timeout). The sequence number
 * is a keyed hash of the address and port: a segment counts only when its acknowledgement
 * proves it answers our SYN. A loop per usable CPU, each with its own sockets and source
 * port; no descriptor per probe, memory bounded by the concurrency. Needs CAP_NET_RAW;
 * IPv6 jobs are errors (the SYN scan is IPv4 only). */
#include <errno.h>
#include <linux/filter.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/icmp.h"
#include "probe/rttcache.h"
#include "probe/syn.h"
#include "probe/syn_pkt.h"
#include "probe/tbucket.h"
#include "probe/tcp.h"

#define SRC_CACHE 65536	/* source addresses looked up, by destination (512 KiB) */
#define SWEEP_MS 5.0		/* how often the slots are checked for expiry */
#define BATCH 256		/* launches between two reads of the replies */
#define JOB_BATCH 32		/* jobs taken from the shared source at a time */
#define MAX_LOOPS 4		/* threads at most, one per usable CPU */
#define ONE_LOOP_RATE 2000	/* a --rate this low needs no second thread */

struct sslot {
	struct ps_probe_job job;
	uint32_t daddr, saddr;	/* network order */
	uint16_t dport;
	int attempt;
	bool live;		/* in the table, waiting for its verdict */
	double sent, deadline;
};

/* One loop: its own sockets, source port, slots and share of --rate and --concurrency. */
struct syn {
	const struct ps_probe_opts *o;
	struct ps_job_feed *feed;	/* the jobs and the callback, shared by the loops */
	struct ps_probe_job batch[JOB_BATCH];
	int nbatch, ibatch;
	int raw, icmp, udp, reserve;	/* descriptors */
	uint16_t sport;		/* network order */
	uint64_t key;
	uint32_t bound_src;	/* --source (network order), or 0 */
	struct sslot *slots;
	int *free_idx, nfree, cap, busy;
	int32_t *table;		/* (daddr, dport) -> slot, linear probing; -1 empty */
	size_t tmask;
	struct { uint32_t dst, src; } srcs[SRC_CACHE];
	struct ps_rttcache rtt;	/* round trips per host, as the connect engine keeps them */
	double next_sweep;	/* no slot expires before this */
	int retries;
	struct ps_tbucket rate;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint32_t cookie(const struct syn *s, uint32_t daddr, uint16_t dport)
{
	return (uint32_t)mix(s->key ^ ((uint64_t)daddr << 16 | dport));
}

static size_t bucket(const struct syn *s, uint32_t daddr, uint16_t dport)
{
	return (size_t)mix((uint64_t)daddr << 16 | dport) & s->tmask;
}

static int32_t lookup(const struct syn *s, uint32_t daddr, uint16_t dport)
{
	for (size_t i = bucket(s, daddr, dport);; i = (i + 1) & s->tmask) {
		int32_t k = s->table[i];

		if (k < 0)
			return -1;
		if (s->slots[k].daddr == daddr && s->slots[k].dport == dport)
			return k;
	}
}

static void insert(struct syn *s, int32_t k)
{
	size_t i = bucket(s, s->slots[k].daddr, s->slots[k].dport);

	while (s->table[i] >= 0)
		i = (i + 1) & s->tmask;
	s->table[i] = k;
}

/* Remove slot k from the table (backward-shift deletion) and free it. */
static void release(struct syn *s, int32_t k)
{
	size_t i = bucket(s, s->slots[k].daddr, s->slots[k].dport), j;

	while (s->table[i] != k)
		i = (i + 1) & s->tmask;
	for (j = (i + 1) & s->tmask; s->table[j] >= 0; j = (j + 1) & s->tmask) {
		const struct sslot *o = &s->slots[s->table[j]];
		size_t h = bucket(s, o->daddr, o->dport);

		/* Move j back to the hole at i unless its home lies in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			s->table[i] = s->table[j];
			i = j;
		}
	}
	s->table[i] = -1;
	s->slots[k].live = false;
	s->free_idx[s->nfree++] = k;
	s->busy--;
}

static void emit(struct syn *s, const struct ps_probe_job *job, enum ps_probe_state st,
		 const char *reason, double rtt, const char *error)
{
	struct probe_result r;

	ps_result_verdict(&r, job, IPPROTO_TCP, st, reason, rtt, error);
	ps_job_feed_deliver(s->feed, &r);
}

/* The source address the kernel would use toward daddr: --source, or a route lookup
 * (a UDP connect), remembered per destination. 0 with errno when there is no route. */
static uint32_t source_for(struct syn *s, uint32_t daddr)
{
	size_t i = (size_t)mix(daddr) % SRC_CACHE;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) }, me = { 0 };
	socklen_t len = sizeof(me);

	if (s->bound_src)
		return s->bound_src;
	if (s->srcs[i].src && s->srcs[i].dst == daddr)
		return s->srcs[i].src;
	to.sin_addr.s_addr = daddr;
	if (connect(s->udp, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(s->udp, (struct sockaddr *)&me, &len) < 0)
		return 0;
	s->srcs[i].dst = daddr;
	s->srcs[i].src = me.sin_addr.s_addr;
	return me.sin_addr.s_addr;
}

/* Send attempt k->attempt + 1 of slot k. Returns 0, 1 when the send buffer is full (try
 * again later), or -1 with errno. */
static int send_syn(struct syn *s, struct sslot *k, double now)
{
	uint8_t pkt[PS_SYN_LEN];
	struct sockaddr_in to = { .sin_family = AF_INET };

	ps_syn_build(pkt, k->saddr, k->daddr, s->sport, k->dport, cookie(s, k->daddr, k->dport));
	to.sin_addr.s_addr = k->daddr;
	if (sendto(s->raw, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return errno == ENOBUFS || errno == EAGAIN || errno == EINTR ? 1 : -1;
	k->attempt++;
	k->sent = now;
	/* As a connect waits: its host's srtt + 4 rttvar, doubled per attempt, within
	 * PS_TCP_MIN_WAIT_MS and --timeout. */
	k->deadline = now + ps_rttcache_wait(&s->rtt, &k->job.addr, k->attempt, PS_TCP_MIN_WAIT_MS,
					     s->o->timeout_ms > 0 ? s->o->timeout_ms : 1000);
	if (k->deadline < s->next_sweep)
		s->next_sweep = k->deadline;
	return 0;
}

/* Start job j. Returns 0 (started or reported), or 1 when the send buffer is full. */
static int launch(struct syn *s, const struct ps_probe_job *j, double now)
{
	int32_t k;
	struct sslot *sl;
	int rc;

	if (j->addr.sa.sa_family != AF_INET) {
		emit(s, j, PS_PROBE_ERROR, "local-error", -1, "the SYN scan is IPv4 only");
		return 0;
	}
	k = s->free_idx[--s->nfree];
	sl = &s->slots[k];
	memset(sl, 0, sizeof(*sl));
	sl->job = *j;
	sl->daddr = j->addr.v4.sin_addr.s_addr;
	sl->dport = j->addr.v4.sin_port;
	sl->saddr = source_for(s, sl->daddr);
	rc = sl->saddr ? send_syn(s, sl, now) : -1;
	if (rc != 0) {
		int errnum = errno;

		s->free_idx[s->nfree++] = k;
		if (rc > 0)
			return 1;
		emit(s, j, PS_PROBE_ERROR,
		     errnum == ENETUNREACH || errnum == EHOSTUNREACH ? "no-route" : "local-error",
		     -1, strerror(errnum));
		return 0;
	}
	insert(s, k);
	sl->live = true;
	s->busy++;
	return 0;
}

/* A reply r: the verdict of the probe it answers, if any. */
static void on_reply(struct syn *s, const struct ps_syn_reply *r, double now)
{
	int32_t k;
	struct sslot *sl;
	enum ps_probe_state st;
	const char *reason;
	double rtt;

	if (r->our_port != s->sport || r->seq != cookie(s, r->addr, r->port) ||
	    (k = lookup(s, r->addr, r->port)) < 0)
		return;
	sl = &s->slots[k];
	if (r->icmp_type >= 0) {
		if (!ps_icmp_verdict(AF_INET, r->icmp_type, r->icmp_code, IPPROTO_TCP, &st, &reason))
			return;
	} else if ((r->flags & (PS_SYN_F_SYN | PS_SYN_F_ACK)) == (PS_SYN_F_SYN | PS_SYN_F_ACK)) {
		st = PS_PROBE_OPEN;
		reason = "syn-ack";
	} else if (r->flags & PS_SYN_F_RST) {
		st = PS_PROBE_CLOSED;
		reason = "reset";
	} else {
		return;
	}
	rtt = now - sl->sent;
	if (sl->attempt == 1)	/* Karn: only first attempts are samples */
		(void)ps_rttcache_sample(&s->rtt, &sl->job.addr, rtt);
	emit(s, &sl->job, st, reason, rtt, NULL);
	release(s, k);
}

static void drain(struct syn *s, int fd, bool icmp)
{
	uint8_t buf[1024];
	struct ps_syn_reply r;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if ((icmp ? ps_syn_parse_icmp : ps_syn_parse_tcp)(buf, (size_t)n, &r) == 0)
			on_reply(s, &r, ps_clock_ms());
	}
}

/* Retry or give up every slot past its deadline. Returns the next deadline. */
static double sweep(struct syn *s, double now)
{
	double next = now + 1e9;

	for (int32_t k = 0; k < s->cap; k++) {
		struct sslot *sl = &s->slots[k];

		if (!sl->live)
			continue;
		if (sl->deadline <= now) {
			if (sl->attempt > s->retries) {
				emit(s, &sl->job, PS_PROBE_FILTERED, "timeout", -1, NULL);
				release(s, k);
				continue;
			}
			/* A retry is an attempt: it takes a --rate token, or waits for one. */
			if (!ps_tbucket_take(&s->rate, now))
				sl->deadline = now + ps_tbucket_wait(&s->rate, now);
			else if (send_syn(s, sl, now) != 0)
				sl->deadline = now + 1;	/* buffer full: soon again */
		}
		if (sl->deadline < next)
			next = sl->deadline;
	}
	return next;
}

/* Keep only the segments to port (network order) in the raw socket's queue: every loop has
 * its own socket, and each would otherwise get a copy of every TCP segment the host
 * receives. The packet starts at the IPv4 header. */
static void filter_port(int fd, uint16_t port)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),		/* A = TCP destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohs(port), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	/* Without it (no BPF), the parser still checks the port. */
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_sockets(struct syn *s, ps_err *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int big = 8 << 20;

	s->raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s->raw < 0)
		return ps_err_system(err, "SYN scan: raw socket (needs root or CAP_NET_RAW): %s",
				     strerror(errno));
	s->icmp = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	s->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	s->reserve = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->icmp < 0 || s->udp < 0 || s->reserve < 0)
		return ps_err_system(err, "SYN scan: socket: %s", strerror(errno));
	(void)setsockopt(s->raw, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	(void)setsockopt(s->icmp, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	a.sin_addr.s_addr = s->bound_src;
	/* The source port: bound, never connected or listening, so the kernel resets the
	 * SYN-ACKs that come to it and no other program takes it meanwhile. */
	if (bind(s->reserve, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s->reserve, (struct sockaddr *)&a, &len) < 0)
		return ps_err_system(err, "SYN scan: source port: %s", strerror(errno));
	s->sport = a.sin_port;
	filter_port(s->raw, s->sport);
	if (s->bound_src && bind(s->raw, (struct sockaddr *)&a, sizeof(a)) < 0)
		return ps_err_system(err, "SYN scan: --source: %s", strerror(errno));
	return 0;
}

/* Loop k of n: its share of the concurrency and the rate, its slots and sockets. */
static int setup(struct syn *s, const struct ps_probe_opts *o, int conc, int n, ps_err *err)
{
	size_t tsize = 16;
	double rate = o->rate > 0 ? o->rate / n : 0;

	s->raw = s->icmp = s->udp = s->reserve = -1;
	s->retries = o->retries >= 0 ? o->retries : PS_TCP_DEFAULT_RETRIES;
	s->cap = conc / n > 0 ? conc / n : 1;
	for (int i = 0; i < o->nsources; i++)
		if (o->sources[i].sa.sa_family == AF_INET && !s->bound_src)
			s->bound_src = o->sources[i].v4.sin_addr.s_addr;
	if (getrandom(&s->key, sizeof(s->key), 0) != sizeof(s->key))
		s->key = mix(ps_clock_ns() ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)s);
	while (tsize < 2 * (size_t)s->cap)
		tsize *= 2;
	s->tmask = tsize - 1;
	s->slots = calloc((size_t)s->cap, sizeof(*s->slots));
	s->free_idx = malloc((size_t)s->cap * sizeof(*s->free_idx));
	s->table = malloc(tsize * sizeof(*s->table));
	if (!s->slots || !s->free_idx || !s->table)
		return ps_err_nomem(err);
	memset(s->table, 0xff, tsize * sizeof(*s->table));
	for (int i = 0; i < s->cap; i++)
		s->free_idx[s->nfree++] = s->cap - 1 - i;
	/* 20 ms of attempts saved up at most (as the connect engine), none at the start. */
	ps_tbucket_init(&s->rate, rate, rate * 0.02 < 2 ? 2 : rate * 0.02, ps_clock_ms());
	s->rate.tokens = 1;
	return open_sockets(s, err);
}

static void teardown(struct syn *s)
{
	int fds[] = { s->raw, s->icmp, s->udp, s->reserve };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(s->slots);
	free(s->free_idx);
	free(s->table);
}

/* Refill the loop's batch from the shared source. Returns false when it has no job left
 * (nor had the batch). */
static bool fill_batch(struct syn *s)
{
	s->ibatch = 0;
	s->nbatch = ps_job_feed_take(s->feed, s->batch, JOB_BATCH, false);
	return s->nbatch > 0;
}

/* Launch what the concurrency, the rate and the send buffer allow. Returns how long the
 * loop may wait for the next launch (0: now, < 0: nothing left to launch). */
static double launch_some(struct syn *s, bool *done, double now)
{
	for (int n = 0; !*done && s->nfree > 0; n++) {
		double w = ps_tbucket_wait(&s->rate, now);

		if (n == BATCH)
			return 0;	/* read the replies first */
		if (w > 0)
			return w;
		if (s->ibatch == s->nbatch && !fill_batch(s)) {
			*done = true;
			break;
		}
		if (launch(s, &s->batch[s->ibatch], now) == 1)
			return 1;	/* the send buffer is full: the job stays */
		ps_tbucket_take(&s->rate, now);
		s->ibatch++;
	}
	return *done ? -1 : 1e9;
}

/* One loop until its jobs are all reported, or the stop. */
static void *loop(void *arg)
{
	struct syn *s = arg;
	const struct ps_probe_opts *o = s->o;
	bool done = false;
	double flushed = ps_clock_ms();

	while (!ps_probe_stopped(o)) {
		double now = ps_clock_ms(), w = launch_some(s, &done, now);
		struct pollfd p[2] = { { s->raw, POLLIN, 0 }, { s->icmp, POLLIN, 0 } };

		drain(s, s->raw, false);
		drain(s, s->icmp, true);
		now = ps_clock_ms();
		if (now >= s->next_sweep) {
			double d = sweep(s, now);

			s->next_sweep = d < now + SWEEP_MS ? now + SWEEP_MS : d;
		}
		if (done && s->busy == 0)
			break;
		if (w < 0 || w > s->next_sweep - now)
			w = s->next_sweep - now;
		if (w > PS_STOP_POLL_MS)
			w = PS_STOP_POLL_MS;
		/* Before a wait, and at least once a second (an NDJSON stream is flushed). */
		if (o->on_wait && (w >= 1 || now - flushed >= 1000)) {
			o->on_wait(o->wait_ctx);
			flushed = now;
		}
		if (w > 0)
			(void)poll(p, 2, (int)(w + 0.999));
	}
	return NULL;
}

/* One loop per usable CPU (at most MAX_LOOPS): sending a SYN runs much of the network's
 * work in the sender's context, so the loops spread it over the CPUs. */
static int loops_wanted(const struct ps_probe_opts *o, int conc)
{
	int n = ps_probe_cpus();

	if (o->rate > 0 && o->rate <= ONE_LOOP_RATE)
		return 1;
	if (n > MAX_LOOPS)
		n = MAX_LOOPS;
	if (n > conc)
		n = conc;
	return n < 1 ? 1 : n;
}

int ps_syn_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err)
{
	struct ps_job_feed feed;
	int conc = o->concurrency > 0 ? o->concurrency : PS_SYN_AUTO_CONCURRENCY;
	int n = loops_wanted(o, conc), started = 0, rc = 0;
	struct syn *s = calloc((size_t)n, sizeof(*s));
	pthread_t tids[MAX_LOOPS];

	if (!s)
		return ps_err_nomem(err);
	ps_job_feed_init(&feed, next, src, cb, ctx);
	for (int k = 0; k < n && rc == 0; k++) {
		s[k].o = o;
		s[k].feed = &feed;
		rc = setup(&s[k], o, conc, n, err);
	}
	/* A handful of jobs (one host) needs no second loop. */
	if (rc == 0 && fill_batch(&s[0]) && !feed.exhausted) {
		feed.threaded = n > 1;
		for (int k = 1; k < n && pthread_create(&tids[k], NULL, loop, &s[k]) == 0; k++)
			started = k;
	}
	if (rc == 0)
		loop(&s[0]);
	for (int k = 1; k <= started; k++)
		pthread_join(tids[k], NULL);
	for (int k = 0; k < n; k++)
		teardown(&s[k]);
	free(s);
	ps_job_feed_destroy(&feed);
	return rc;
}
