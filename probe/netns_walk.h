/* Sockets of every network namespace on the host (list --all-netns). */
#ifndef PS_NETNS_WALK_H
#define PS_NETNS_WALK_H

#include "probe/netns.h"
#include "probe/sockdiag.h"

/* List every namespace into set (ps_netns_list), enter each in turn, dump q there into out
 * (appended) with each record's netns pointing into set, then come back to the namespace we
 * started in. Needs the right to enter them (root). Returns 0 or -1 with err. */
int ps_netns_dump_all(const struct ps_sockdiag_query *q, const char *proc_root,
		      struct ps_netns_set *set, struct ps_sockvec *out, ps_err *err);

#endif
