/* Reachability targets as users write them (host:port, [v6]:port, tcp://host:port,
 * udp://host:port, tls://host:port, or a bare host for scan) and their resolution to every address. */
#ifndef PS_TARGETS_H
#define PS_TARGETS_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe/err.h"

#define PS_TARGET_MAX 300	/* longest target text kept (docs/design.md: "as the user wrote it") */
#define PS_HOST_MAX 256
/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%" and an interface name */
#define PS_ADDRTEXT_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE)

struct ps_target {
	char text[PS_TARGET_MAX];	/* the argument as written */
	char host[PS_HOST_MAX];		/* name or address literal, without brackets */
	uint16_t port;			/* 0 when the text had none (scan hosts) */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	bool proto_given;		/* tcp://, udp:// or tls:// was written */
	bool tls;			/* tls://: a TLS handshake after the connect */
};

/* An address of a target, ready for connect(): the port is filled in per probe. */
union ps_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct ps_addr {
	union ps_sockaddr sa;
	char text[PS_ADDRTEXT_MAX];	/* numeric form, without brackets, with a %scope */
};

struct ps_addrlist {
	struct ps_addr *v;
	size_t len;
};

/* Parse one target. need_port: check's host:port form (a port is required); otherwise
 * scan's bare host ("host", "v4", "v6", "[v6]", optionally with a scheme) where a port is
 * an error. default_proto applies when no scheme is given. Returns 0, or -1 with err
 * naming the offending token. */
int ps_targets_parse(const char *text, bool need_port, uint8_t default_proto,
		     struct ps_target *t, ps_err *err);

/* Resolve host (a name or a literal) to every address of family (AF_UNSPEC, AF_INET or
 * AF_INET6), in resolver order, without duplicates. Returns 0, or -1 with err saying why
 * (the resolver's text); out is empty then. Free with ps_addrlist_free. */
int ps_targets_resolve(const char *host, int family, struct ps_addrlist *out, ps_err *err);

void ps_addrlist_free(struct ps_addrlist *l);

/* Set the port of a socket address (either family). */
void ps_sockaddr_set_port(union ps_sockaddr *sa, uint16_t port);
/* The port of a socket address (either family), host order. */
uint16_t ps_sockaddr_port(const union ps_sockaddr *sa);
/* Same family and address, whatever the ports and scope. */
bool ps_sockaddr_same_host(const union ps_sockaddr *a, const union ps_sockaddr *b);
/* Length of a socket address for connect(). */
socklen_t ps_sockaddr_len(const union ps_sockaddr *sa);
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool ps_sockaddr_is_loopback(const union ps_sockaddr *sa);

#endif
