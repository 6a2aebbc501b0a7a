/* The responder's state, shared by its TCP side (responder.c) and its UDP side
 * (responder_udp.c). Not for use outside probe/responder*.c. */
#ifndef PS_RESPONDER_INT_H
#define PS_RESPONDER_INT_H

#include "probe/payloads.h"
#include "probe/responder.h"
#include "probe/srclimit.h"

struct ps_rsock {
	int fd;
	uint8_t proto;
	int family;
	char local[INET6_ADDRSTRLEN];
	uint16_t port;
};

struct ps_rconn {
	int fd;
	double deadline;
};

struct ps_responder {
	struct ps_rsock *socks;
	size_t nsocks;
	struct ps_rconn *conns;
	size_t nconns, max_conns;
	bool paused;			/* listeners out of epoll after EMFILE */
	double resume_at;
	char greeting[160];
	size_t greeting_len;
	char reply[PS_RESPONDER_REQUEST_SIZE + 1];
	size_t reply_len;
	bool answer_any, answer_broadcast;
	struct ps_srclimit limit;
	unsigned long rate_limited;	/* not yet reported */
	double dropped_at;		/* when the last DROPPED event went out */
	int ep;
};

void ps_responder_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len,
			    uint16_t *port);

/* Answer up to a burst of datagrams waiting on s. */
void ps_responder_udp(struct ps_responder *r, struct ps_rsock *s, ps_responder_cb cb,
		      void *ctx);

/* A DROPPED event when datagrams were rate-limited and the last one is a second old. */
void ps_responder_report_dropped(struct ps_responder *r, ps_responder_cb cb, void *ctx,
				  double now);

#endif
