/* serve's reply limiter: a token bucket per source address (a fixed table of buckets,
 * the least recently used one recycled for a new source, which then starts full) under
 * one global bucket, so that neither one spoofed source nor many of them can turn the
 * responder into a traffic source of its own. */
#ifndef PS_SRCLIMIT_H
#define PS_SRCLIMIT_H

#include <stdbool.h>
#include <sys/socket.h>

#include "probe/tbucket.h"

#define PS_SRCLIMIT_SLOTS 4096

struct ps_srclimit_slot {
	unsigned char addr[16];	/* IPv4 as a mapped IPv6 address */
	bool used;
	struct ps_tbucket b;
};

struct ps_srclimit {
	double rate, burst;	/* per source */
	struct ps_tbucket global;
	struct ps_srclimit_slot slot[PS_SRCLIMIT_SLOTS];
};

/* rate answers a second per source (burst: twice that, at least 1), and ten times that
 * for every source together. rate <= 0: unlimited. */
void ps_srclimit_init(struct ps_srclimit *l, double rate, double now);

/* May src have one more answer at now? Takes a token when it may. */
bool ps_srclimit_take(struct ps_srclimit *l, const struct sockaddr_storage *src, double now);

#endif
