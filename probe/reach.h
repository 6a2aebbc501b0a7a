/* Which listeners a peer could reach at one of this host's addresses: those bound to it,
 * the wildcard ones whose accepted families (ps_sock_accepts) cover its family, never those
 * bound (SO_BINDTODEVICE) to another device. What `addrs` shows under each address and
 * `list --reachable-on` keeps. */
#ifndef PS_REACH_H
#define PS_REACH_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/err.h"
#include "probe/rtaddr.h"
#include "probe/sockdiag.h"

/* True when a peer could reach r at address a (on link a->ifindex). */
bool ps_reach_at(const struct sock_rec *r, const struct ps_ifaddr *a);

/* The addresses of rt that spec names: an IPv4 or IPv6 address of this host (its one
 * entry), or an interface name (every address on it). Returns how many were set in out
 * (pointers into rt, at most max), or -1 with PS_ERR_INPUT when spec names neither. */
int ps_reach_targets(const struct ps_rtaddr *rt, const char *spec,
		     const struct ps_ifaddr **out, size_t max, ps_err *err);

/* True when a peer could reach r at one of the n addresses. */
bool ps_reach_any(const struct sock_rec *r, const struct ps_ifaddr *const *addrs, size_t n);

#endif
