/* The responder behind `portscope serve`: TCP listeners that greet each connection with
 * one line and close it, UDP sockets that answer portscope's request (any datagram with
 * answer_any) with a portscope reply never larger than the request, rate-limited per
 * source, never to a privileged port, never to another reply, broadcasts and multicasts
 * only with answer_broadcast. One epoll loop; nothing blocks on a client. */
#ifndef PS_RESPONDER_H
#define PS_RESPONDER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe/err.h"

enum ps_responder_kind {
	PS_RESP_LISTENING,	/* a socket is ready: local address and port */
	PS_RESP_TCP_PEER,	/* a connection was greeted */
	PS_RESP_UDP_PEER,	/* a datagram came in (answered, or why not in `why`) */
	PS_RESP_DROPPED,	/* datagrams neither answered nor logged: `rate_limited` of them */
};

struct ps_responder_event {
	enum ps_responder_kind kind;
	uint8_t proto;				/* IPPROTO_TCP or IPPROTO_UDP */
	char local[INET6_ADDRSTRLEN];		/* the address the socket is bound to */
	uint16_t local_port;
	char peer[INET6_ADDRSTRLEN];		/* peers only */
	uint16_t peer_port;
	size_t bytes;				/* UDP: datagram size (whole, even when cut) */
	bool answered;				/* greeted / replied */
	bool broadcast;				/* UDP: sent to a broadcast or multicast address */
	const char *why;			/* not answered: "not-a-request", "reply",
						 * "privileged-port", "broadcast", "send-error" */
	unsigned long rate_limited;		/* DROPPED: since the last such event */
	unsigned long log_lines;		/* DROPPED: log lines lost (set by the logger) */
};

/* What serve was asked to do. */
struct ps_responder_conf {
	const uint16_t *tcp, *udp;
	size_t ntcp, nudp;
	const char *bind_addr;		/* NULL: 0.0.0.0 and :: */
	const char *text;		/* the greeting's and the reply's text */
	bool answer_any;		/* answer any datagram, not only portscope's request */
	bool answer_broadcast;		/* answer broadcast and multicast datagrams */
	double source_rate;		/* answers a second per source (<= 0: unlimited) */
};

typedef void (*ps_responder_cb)(const struct ps_responder_event *ev, void *ctx);

struct ps_responder;

/* Bind a TCP listener for each of c->tcp and a UDP socket for each of c->udp, on
 * c->bind_addr (an IPv4 or IPv6 literal) or, when NULL, on 0.0.0.0 and :: (IPv6 only
 * where the host has it). The TCP greeting is "portscope <text>\n", the UDP reply the
 * responder reply of probe/payloads.h. Connections held at once stay below the
 * descriptor limit (RLIMIT_NOFILE). Returns the responder, or NULL with err:
 * PS_ERR_INPUT when bind_addr is not an address or not one of ours, PS_ERR_SYSTEM when a
 * socket cannot be had (sys_errno EADDRINUSE, EACCES, ...), PS_ERR_NOMEM. */
struct ps_responder *ps_responder_open(const struct ps_responder_conf *c, ps_err *err);

/* Serve until stop_fd becomes readable (a signalfd), calling cb with every event (the
 * LISTENING ones first); cb must not block. No wait in the loop is longer than 250 ms
 * when there is work pending, and stop_fd is looked at on every wake-up. Returns 0
 * then, or -1 with err when epoll fails. */
int ps_responder_run(struct ps_responder *r, int stop_fd, ps_responder_cb cb, void *ctx,
		     ps_err *err);

/* Close every socket and free r (NULL is fine). */
void ps_responder_free(struct ps_responder *r);

#endif
