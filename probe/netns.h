/* Entering a named network namespace (/run/netns/NAME, as `ip netns add` makes them). */
#ifndef PS_NETNS_H
#define PS_NETNS_H

#include "probe/err.h"

/* Move this process into the network namespace NAME for the rest of its life, so later
 * netlink dumps and /proc/sys/net reads see that namespace. /proc/PID is unchanged: it
 * is still this process's PID namespace. Returns 0, or -1 with err: PS_ERR_INPUT when
 * NAME is bad input (not a plain name, no such namespace, not a network namespace),
 * PS_ERR_SYSTEM when the system refused (no permission, ...). */
int ps_netns_enter(const char *name, ps_err *err);

#endif
