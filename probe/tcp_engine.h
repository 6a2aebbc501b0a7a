/* Inside the TCP engine (not for other modules): the state of one event loop and what
 * the loops share, used by probe/tcp.c (the loops, threads and public entry),
 * probe/tcp_slots.c (slot storage, timer lists, socket pool) and probe/tcp_conn.c (the
 * connect state machine of one attempt). */
#ifndef PS_TCP_ENGINE_H
#define PS_TCP_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "probe/rttcache.h"
#include "probe/tbucket.h"
#include "probe/tcp.h"
#include "probe/tls.h"

#define NIL UINT32_MAX
#define POOL_MAX 64		/* refused sockets kept for the next connect */
#define JOB_BATCH 64		/* jobs a loop takes from the shared source at once */

struct pooled {
	union ps_sockaddr addr;
	int fd;
};

enum phase { PH_FREE, PH_CONNECT, PH_SEND, PH_READ, PH_RELAUNCH, PH_TLS };

struct slot {
	struct ps_probe_job job;
	uint64_t start, deadline;	/* ps_clock_ns() of this attempt */
	uint32_t prev, next;		/* links in the timer or relaunch list */
	int fd;
	float rtt_ms;			/* connect verdict, kept while sending/reading */
	uint8_t phase, attempt;
	bool registered;		/* fd is in the epoll set */
	uint16_t sent, len, cap;
	char *buf;			/* reply buffer, only for --send/--expect/--banner */
	struct ps_tls *tls;		/* the TLS session of PH_TLS, else NULL */
};

struct list {
	uint32_t head, tail;
};

/* What the event loops share: the job source and the callback, each behind a lock
 * (taken only when more than one loop runs). */
struct shared {
	struct ps_job_feed feed;	/* the jobs and the callback */
	pthread_mutex_t rate_mu;
	struct ps_tbucket rate;		/* --rate, one budget for every loop (rate_mu) */
	uint32_t busy;			/* slots in use over every loop (atomic) */
};

/* One event loop (one thread). */
struct engine {
	struct shared *sh;
	const struct ps_probe_opts *o;
	ps_err err;
	int rc;
	int epfd;
	struct ps_probe_job batch[JOB_BATCH];	/* jobs taken from the source, not started */
	uint32_t nbatch, ibatch;
	struct slot *slots;
	uint32_t nslots, maxslots;	/* allocated, and the concurrency */
	uint32_t *freelist;
	uint32_t nfree;
	uint32_t used;			/* slots not free: in flight or waiting to relaunch */
	int src_rr;			/* --source: the last source address used */
	uint32_t cap;			/* current in-flight cap, lowered on EMFILE */
	struct list timers, relaunch;
	uint64_t timeout_ns, next_launch;	/* next_launch: no token before it (--rate) */
	bool rated;			/* --rate given */
	uint64_t last_backoff, starve_since;
	bool reading;			/* a reply is wanted after connect */
	struct pooled pool[POOL_MAX];
	uint32_t npool;
	struct ps_probe_job pending;	/* the next job to start, when have_pending */
	bool have_pending;
	uint32_t nrelaunch;		/* slots in the relaunch list */
	struct ps_rttcache rtt;		/* round trips per host, for the connect timeouts */
	uint32_t retimed;		/* hosts whose first round trip re-timed the list */
};

/* probe/tcp_slots.c */
void ps_tcp_list_push(struct engine *e, struct list *l, uint32_t i);
void ps_tcp_list_del(struct engine *e, struct list *l, uint32_t i);
/* Put slot i into the timer list, which is kept in the order of deadlines (a connect's
 * deadline follows its host's round trip, so a later attempt may end sooner). */
void ps_tcp_timer_add(struct engine *e, uint32_t i);
/* A free slot index, growing the array up to the concurrency; NIL when none is left. */
uint32_t ps_tcp_slot_get(struct engine *e);
void ps_tcp_slot_put(struct engine *e, uint32_t i);
/* Free slot i, first taking it out of the timer list when list_member. */
void ps_tcp_slot_finish(struct engine *e, uint32_t i, bool list_member);
/* A kept socket for a's address, or -1. */
int ps_tcp_pool_take(struct engine *e, const union ps_sockaddr *a);
/* Keep fd (refused, clean) for the next connect to a's address, or close it. */
void ps_tcp_pool_put(struct engine *e, int fd, const union ps_sockaddr *a);

/* probe/tcp_conn.c */
/* Hand r to the callback (under the lock when several loops run). */
void ps_tcp_deliver(struct engine *e, const struct probe_result *r);
/* Close an established connection with a reset. */
void ps_tcp_close_reset(int fd);
/* The reply phase (--send, --expect, --banner), shared by plain TCP and TLS: the reply
 * buffer (EXPECT_BUF bytes for --expect, else a banner's; false on OOM), whether what came
 * ends the read (--expect matched, a banner line complete, the buffer full), and the
 * result's banner and expect fields from it (the reason expect-matched or
 * expect-mismatch when r is open and --expect was given). */
bool ps_tcp_reply_buf(struct engine *e, struct slot *s);
bool ps_tcp_reply_complete(const struct engine *e, const struct slot *s);
void ps_tcp_fill_reply(const struct engine *e, const struct slot *s, struct probe_result *r);
/* Watch slot i's fd for events (added to the epoll set or modified). Returns 0 or -1. */
int ps_tcp_watch(struct engine *e, uint32_t i, uint32_t events);
enum launch_rc { L_DONE, L_FLIGHT, L_BACKOFF, L_FATAL };
/* Start one attempt for slot i (see the comment at its definition). */
enum launch_rc ps_tcp_launch(struct engine *e, uint32_t i);
/* The epoll event for slot i, at time now. */
void ps_tcp_on_event(struct engine *e, uint32_t i, uint32_t events, uint64_t now);
/* Attempts whose time is up at now: retry a connect that had no answer, report the rest. */
void ps_tcp_expire(struct engine *e, uint64_t now);

/* probe/tcp_tls.c: the TLS phase after a connect (slots whose job asks for TLS). */
/* Start the handshake on slot i, connected at now (rtt_ms set): L_FLIGHT while it runs
 * (the slot's deadline moved to now + the timeout; the caller puts it in its place in the
 * timer list), L_DONE when it ended at once (reported, fd closed). */
enum launch_rc ps_tcp_tls_start(struct engine *e, uint32_t i, uint64_t now);
/* Readiness for slot i in PH_TLS: true when the slot is finished (reported, fd closed). */
bool ps_tcp_tls_event(struct engine *e, uint32_t i);
/* Slot i's time ran out in PH_TLS: report what the session found (fd closed). */
void ps_tcp_tls_expire(struct engine *e, uint32_t i);

#endif
