/* Entering a named network namespace (/run/netns/NAME, as `ip netns add` makes them). */
#ifndef PS_NETNS_H
#define PS_NETNS_H

#include <stdint.h>

#include "probe/err.h"

/* One network namespace as --all-netns reports it: its name under /run/netns when it has
 * one, its inode (the namespace's identity) and one process in it (0 when none is known). */
struct ps_netns_ref {
	char name[256];		/* "" when it has none */
	uint64_t inode;
	int pid;
};

/* Move this process into the network namespace NAME for the rest of its life, so later
 * netlink dumps and /proc/sys/net reads see that namespace. /proc/PID is unchanged: it
 * is still this process's PID namespace. Returns 0, or -1 with err: PS_ERR_INPUT when
 * NAME is bad input (not a plain name, no such namespace, not a network namespace),
 * PS_ERR_SYSTEM when the system refused (no permission, ...). */
int ps_netns_enter(const char *name, ps_err *err);

#endif
