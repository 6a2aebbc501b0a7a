/* Inside the UDP engine (not for other modules): the state of one run, shared by
 * probe/udp.c (the loop), probe/udp_table.c (probes in flight and hosts) and
 * probe/udp_io.c (sockets, sends, and the evidence read back). */
#ifndef PS_UDP_ENGINE_H
#define PS_UDP_ENGINE_H

#include <sys/socket.h>

#include "probe/source.h"
#include "probe/udp.h"
#include "probe/tbucket.h"
#include "probe/udp_pace.h"

#define PS_UDP_BATCH 64		/* sends between two drains of the queues */
#define PS_UDP_MAX_DESTS 256	/* hosts with their own RTT estimate; more share the last */
#define PS_UDP_ERR_BATCH 64	/* error-queue entries read per recvmmsg */
/* Sockets: one per source address (or one unbound) and family; socket k sends from
 * source k / 2 in family k % 2 (0 IPv4, 1 IPv6). */
#define PS_UDP_MAX_SOCKS (2 * PS_SOURCES_MAX)

/* A host as seen from one socket: each source address has its own ICMP budget there. */
struct ps_udp_dest {
	union ps_sockaddr addr;	/* port 0 */
	int sock;
	struct ps_udp_pace pace;
	uint16_t canary_port;	/* a port it answered closed (0: none yet) */
};

struct ps_udp_slot {
	struct ps_probe_job job;
	struct ps_udp_dest *dest;
	int sock;		/* the socket it is sent from */
	double sent;		/* time of the last attempt (ms) */
	double deadline;	/* when the last attempt counts as unanswered */
	int attempts;
	int nbudget;		/* attempts sent with a token of the host's learned budget */
	bool last_budget;	/* the last attempt was one of them */
	bool cov_next;		/* the attempt about to be sent is covered */
	bool held;		/* waiting for the host's budget, not for evidence */
	int next;		/* hash chain, -1 ends */
	bool used;
};

/* Which attempt slot s's wait is for, as ps_udp_pace_wait counts them for doubling: on a
 * host that limits its errors only the attempts its budget covered count (the silence of
 * an uncovered one is the limit's, not a lost datagram, so its retry need not back off);
 * elsewhere every attempt. */
static inline int ps_udp_slot_backoff(const struct ps_udp_slot *s)
{
	if (!s->dest->pace.limited)
		return s->attempts;
	return 1 + s->nbudget - (s->last_budget ? 1 : 0);
}

/* Buffers of one recvmmsg on the error queue. */
struct ps_udp_errq {
	union ps_sockaddr from[PS_UDP_ERR_BATCH];
	union {
		char buf[128];
		struct cmsghdr align;
	} ctl[PS_UDP_ERR_BATCH];
	uint8_t data[PS_UDP_ERR_BATCH][64];
	struct mmsghdr mm[PS_UDP_ERR_BATCH];
	struct iovec iov[PS_UDP_ERR_BATCH];
};

struct ps_udp_engine {
	const struct ps_probe_opts *o;
	ps_result_cb cb;
	void *ctx;
	int fd[PS_UDP_MAX_SOCKS];	/* -1 until needed */
	uint16_t own_port[PS_UDP_MAX_SOCKS];
	int nsocks;		/* 2 * number of sources (at least one: unbound) */
	int rr;			/* round robin over the sources */
	struct ps_udp_slot *slots;
	int *free_list, nfree, cap, inflight;
	int *heads;
	unsigned hmask;
	struct ps_udp_dest dests[PS_UDP_MAX_DESTS];
	int ndests;
	struct ps_probe_job *held;	/* jobs for our own port, probed last */
	size_t nheld, held_cap;
	struct ps_tbucket rate;	/* --rate: every datagram, first attempts and retries */
	double start;		/* when the run began (--max-time) */
	bool out_of_time;
	double min_deadline;
	double canary_wake;	/* when canaries are next due (ps_udp_canaries) */
	struct ps_udp_errq errq;
	uint8_t buf[2048];	/* one answer */
};

/* probe/udp_table.c */
static inline int ps_udp_fam_index(int family)
{
	return family == AF_INET6;
}
/* Allocate the slot table for e->cap probes in flight. Returns 0, or -1 with err. */
int ps_udp_table_init(struct ps_udp_engine *e, ps_err *err);
void ps_udp_table_free(struct ps_udp_engine *e);
/* The host entry of addr (any port) from socket sock, made on first use. */
struct ps_udp_dest *ps_udp_dest_for(struct ps_udp_engine *e, const union ps_sockaddr *addr,
				    int sock);
/* Take a free slot for job to d (one must be free) and enter it in the hash. */
int ps_udp_slot_add(struct ps_udp_engine *e, const struct ps_probe_job *job,
		    struct ps_udp_dest *d);
/* A slot in flight to endpoint sa, or -1. */
int ps_udp_slot_find(const struct ps_udp_engine *e, const union ps_sockaddr *sa);
void ps_udp_slot_release(struct ps_udp_engine *e, int i);

/* probe/udp_io.c */
/* Open e's socket k (IP_RECVERR, a large receive buffer, a port of its own, bound to its
 * source address when there is one). Returns 0, or -1 with err. */
int ps_udp_open_socket(struct ps_udp_engine *e, int k, ps_err *err);
/* First attempts for slots idx[0..m), all from socket k, at time t. */
void ps_udp_send_batch(struct ps_udp_engine *e, int k, const int *idx, int m, double t);
/* Send another attempt of slot i. Returns 0 sent, 1 try later (buffer full), -1 the slot
 * was reported (the datagram could not be sent) and released. */
int ps_udp_transmit(struct ps_udp_engine *e, int i, double t);
/* Read the error queues and the answers of every socket, deciding what they speak of. */
void ps_udp_drain(struct ps_udp_engine *e);
/* Canaries to limited hosts whose rate their suspects cannot measure (probe/udp_pace.h),
 * at time t. Returns when the next are due (INFINITY: none), for the engine's sleep. */
double ps_udp_canaries(struct ps_udp_engine *e, double t);
/* Hand one verdict to the callback. */
void ps_udp_report(struct ps_udp_engine *e, const struct ps_probe_job *job,
		   enum ps_probe_state st, const char *reason, double rtt, const char *error,
		   const uint8_t *data, size_t len);

#endif
