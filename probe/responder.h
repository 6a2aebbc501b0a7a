/* The responder behind `portscope serve`: TCP listeners that greet each connection with
 * one line and close it, UDP sockets that answer every datagram (broadcasts included)
 * with a portscope reply. One epoll loop; nothing blocks on a client. */
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
	PS_RESP_UDP_PEER,	/* a datagram came in (and was answered unless it was a reply) */
};

struct ps_responder_event {
	enum ps_responder_kind kind;
	uint8_t proto;				/* IPPROTO_TCP or IPPROTO_UDP */
	char local[INET6_ADDRSTRLEN];		/* the address the socket is bound to */
	uint16_t local_port;
	char peer[INET6_ADDRSTRLEN];		/* peers only */
	uint16_t peer_port;
	size_t bytes;				/* UDP: datagram size */
	bool answered;				/* greeted / replied */
	bool broadcast;				/* UDP: sent to a broadcast address */
};

typedef void (*ps_responder_cb)(const struct ps_responder_event *ev, void *ctx);

struct ps_responder;

/* Bind a TCP listener for each of tcp[0..ntcp) and a UDP socket for each of
 * udp[0..nudp), on bind_addr (an IPv4 or IPv6 literal) or, when NULL, on 0.0.0.0 and ::
 * (IPv6 only where the host has it). ident is "<version> <hostname>": the TCP greeting is
 * "portscope <ident>\n", the UDP reply the responder reply of probe/payloads.h. Returns
 * the responder, or NULL with err: PS_ERR_INPUT when bind_addr is not an address or not
 * one of ours, PS_ERR_SYSTEM when a socket cannot be had (sys_errno EADDRINUSE, EACCES,
 * ...), PS_ERR_NOMEM. */
struct ps_responder *ps_responder_open(const uint16_t *tcp, size_t ntcp, const uint16_t *udp,
				       size_t nudp, const char *bind_addr, const char *ident,
				       ps_err *err);

/* Serve until stop_fd becomes readable (a signalfd), calling cb with every event (the
 * LISTENING ones first). Returns 0 then, or -1 with err when epoll fails. */
int ps_responder_run(struct ps_responder *r, int stop_fd, ps_responder_cb cb, void *ctx,
		     ps_err *err);

/* Close every socket and free r (NULL is fine). */
void ps_responder_free(struct ps_responder *r);

#endif
