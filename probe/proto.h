/* The names portscope gives protocols and address families, in every output. */
#ifndef PS_PROTO_H
#define PS_PROTO_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* "tcp" or "udp" for IPPROTO_TCP or IPPROTO_UDP. */
static inline const char *ps_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "ipv4" or "ipv6" for AF_INET or AF_INET6. */
static inline const char *ps_family_name(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

#endif
