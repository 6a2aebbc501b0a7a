/* Local source addresses for probes (--source ADDR[,ADDR...]): parsed, checked to be
 * local (bind succeeds), and bound to sockets before they connect or send. */
#ifndef PS_SOURCE_H
#define PS_SOURCE_H

#include "probe/err.h"
#include "probe/targets.h"

#define PS_SOURCES_MAX 16

struct ps_sources {
	union ps_sockaddr a[PS_SOURCES_MAX];	/* port 0 */
	int n;
};

/* Parse a comma-separated list of IPv4/IPv6 address literals ([v6] accepted) into s,
 * each checked to be an address of this host. Returns 0, or -1 with err: PS_ERR_INPUT
 * naming the offending token (not an address, not local, too many, repeated). */
int ps_sources_parse(const char *list, struct ps_sources *s, ps_err *err);

/* The first source in a[0..n) of family after index `from` (round robin), or -1. */
int ps_sources_pick(const union ps_sockaddr *a, int n, int family, int from);

/* Bind fd to src (port 0). Returns 0, or -1 with err. */
int ps_source_bind(int fd, const union ps_sockaddr *src, ps_err *err);

#endif
