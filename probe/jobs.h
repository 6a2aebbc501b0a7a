/* What a probe engine (probe/tcp.c, probe/udp.c) is given: a stream of jobs (one address
 * and port each), the options every engine shares, and a job source that walks a list
 * of endpoints times a port set without holding one record per port. */
#ifndef PS_JOBS_H
#define PS_JOBS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/ports.h"
#include "probe/result.h"
#include "probe/targets.h"

struct ps_tls_ctx;

/* One probe to run: the address (port filled in) and what to echo into the result. */
struct ps_probe_job {
	union ps_sockaddr addr;
	const char *target;	/* the user's text; must outlive the engine call */
	char address[PS_ADDRTEXT_MAX];	/* numeric address text ("fe80::1%eth0"), a copy per job:
					 * a job source may reuse its own buffer */
	const char *host;	/* the name or address as written: TLS's SNI and name to verify */
	uint32_t tag;		/* caller's ordering key, echoed in probe_result.tag */
	bool tls;		/* a TLS handshake (o->tls) after the connect */
};

/* Fill *job with the next job. Returns 1, or 0 when there are no more. */
typedef int (*ps_job_next_fn)(void *src, struct ps_probe_job *job);

#define PS_PAYLOAD_MAX 1024	/* --send and --expect, after unescaping */

/* What bounds a run, filled in as the engine learns it (UDP: a host's ICMP error budget,
 * all source addresses together); errors_per_s 0 while unknown. */
struct ps_probe_bound {
	char host[64];
	double errors_per_s;
};

struct ps_probe_opts {
	int timeout_ms;		/* per attempt, from the start of the attempt to its verdict */
	bool timeout_set;	/* timeout_ms was given: UDP waits exactly that long */
	int retries;		/* further attempts after a timeout; -1: the engine's default */
	double max_time_ms;	/* UDP: the whole run at most (undecided: no-time); 0 none */
	const union ps_sockaddr *sources;	/* --source addresses (port 0), or NULL */
	int nsources;
	struct ps_probe_bound *bound;	/* filled in by the engine when known, or NULL */
	int concurrency;	/* probes in flight at most; 0: as the fd limit allows */
	double rate;		/* attempts started per second at most; 0: no limit */
	const char *send;	/* bytes to send once connected, or NULL */
	size_t send_len;
	const char *expect;	/* bytes to wait for in the answer, or NULL */
	size_t expect_len;
	bool banner;		/* capture what the service sends first (PS_BANNER_MAX bytes) */
	const uint8_t *udp_payload;	/* UDP datagram (--payload, --payload-hex), or NULL */
	size_t udp_payload_len;
	/* Set (by a signal handler, or a reader gone) to stop: no more probes are launched
	 * and what is in flight is abandoned unreported; the engine returns 0 soon after
	 * (waits are cut to PS_STOP_POLL_MS). NULL: never. */
	const volatile int *stop;
	/* Called when the engine is about to wait for events (flush a stream), or NULL. It
	 * may be called from several threads at once. */
	void (*on_wait)(void *ctx);
	void *wait_ctx;
	struct ps_tls_ctx *tls;	/* TCP: the one TLS context of the run, for jobs with tls set */
};

#define PS_STOP_POLL_MS 200

static inline bool ps_probe_stopped(const struct ps_probe_opts *o)
{
	return o->stop && *o->stop;
}

/* The job source and the result callback an engine's loops share, each behind its mutex
 * once more than one loop runs (`threaded`, set before the second loop starts). */
struct ps_job_feed {
	ps_job_next_fn next;
	void *src;
	ps_result_cb cb;
	void *ctx;
	pthread_mutex_t jobs_mu, cb_mu;
	bool threaded;
	bool exhausted;		/* the source has no job left, or the run was stopped */
};

void ps_job_feed_init(struct ps_job_feed *f, ps_job_next_fn next, void *src, ps_result_cb cb,
		      void *ctx);
void ps_job_feed_destroy(struct ps_job_feed *f);

/* Up to max jobs into batch, none once stop was true or the source ran out. Returns how
 * many; f->exhausted says whether any are left after them. */
int ps_job_feed_take(struct ps_job_feed *f, struct ps_probe_job *batch, int max, bool stop);

/* Hand a result to the callback, one loop at a time. */
void ps_job_feed_deliver(struct ps_job_feed *f, const struct probe_result *r);

/* Every engine has this signature: run every job from next(src), call cb with each result
 * as soon as it is decided (in any order), return 0 when all jobs were reported, or -1
 * with err when the engine could not run at all (no epoll, no descriptors at all). */
typedef int (*ps_probe_many_fn)(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
				ps_result_cb cb, void *ctx, ps_err *err);

/* An endpoint: one resolved address of one target. port 0 takes every port of the set. */
struct ps_endpoint {
	const char *target;
	const char *address;
	union ps_sockaddr addr;
	uint16_t port;
	uint32_t tag;
	const char *host;	/* the target's host text (SNI) */
	bool tls;
};

/* A job source over endpoints (in order), each with its own port or every port of ports
 * in ascending order. Zero it, set the three inputs, pass ps_jobsrc_next. */
struct ps_jobsrc {
	const struct ps_endpoint *eps;
	size_t neps;
	const struct ps_portset *ports;	/* for endpoints whose port is 0 */
	size_t cur;			/* state: endpoint index */
	int next_port;			/* state: next port to try in ports, 0 at start */
};

int ps_jobsrc_next(void *src, struct ps_probe_job *job);

/* Number of jobs a source will yield. */
size_t ps_jobsrc_count(const struct ps_jobsrc *s);

/* Fill r with what every result of job starts with (target, address, family, port, tag),
 * no verdict yet: state error, rtt none, no reason. */
void ps_result_from_job(struct probe_result *r, const struct ps_probe_job *job, uint8_t proto);

/* The same, with the verdict: state, reason, rtt (< 0: none), error text (NULL: none). */
void ps_result_verdict(struct probe_result *r, const struct ps_probe_job *job, uint8_t proto,
		       enum ps_probe_state st, const char *reason, double rtt_ms, const char *error);

/* Raise the soft RLIMIT_NOFILE to the hard limit (where permitted) and return how many
 * probes may be in flight, keeping a reserve of descriptors for everything else. */
int ps_probe_fd_budget(void);

/* How many CPUs this process may run on (its affinity mask), at least 1. */
int ps_probe_cpus(void);

#endif
