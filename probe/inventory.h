/* The inventory that list, audit and watch share: one sock_diag dump, filtered by port,
 * class and exposure, with the owning processes attached and a display order. */
#ifndef PS_INVENTORY_H
#define PS_INVENTORY_H

#include <stdbool.h>

#include "probe/cgroup.h"
#include "probe/err.h"
#include "probe/nat.h"
#include "probe/netns.h"
#include "probe/owners.h"
#include "probe/ports.h"
#include "probe/sockdiag.h"

/* Filters applied after the dump (the kernel filters protocol, family and state). */
struct ps_inv_filter {
	bool have_port, have_class, have_exposure;
	struct ps_portset ports;
	enum ps_port_class cls;
	enum ps_exposure exposure;
	const char *unit;	/* the systemd unit, or NAME.service for a NAME with no dot */
	const char *container;	/* a container id, or a prefix of one (docker's short ids) */
};

struct ps_inv_query {
	struct ps_sockdiag_query diag;
	struct ps_inv_filter filter;
	bool processes;		/* attach owners from proc_root */
	const char *proc_root;	/* NULL: "/proc" */
	bool all_netns;		/* every network namespace of the host, each record tagged */
	bool nat;		/* add the ports nftables DNAT rules publish (probe/nat) */
};

/* Records, the owner table their procs point into, and the records in display order:
 * by protocol, then local port, IPv4 before IPv6, and within that the kernel's order. */
struct ps_inventory {
	struct ps_sockvec sv;
	struct ps_owners owners;
	const struct sock_rec **sorted;	/* sv.len pointers into sv.v */
	struct ps_cgroup_map *cgroups;	/* what sock_rec.cgroup points into; NULL without v2 */
	struct ps_netns_set nets;	/* what sock_rec.netns points into (all_netns) */
	struct ps_natset nat;		/* what sock_rec.nat points into */
};

/* Set diag to the listening sockets of protos and families (PS_Q_* flags): TCP in LISTEN
 * and bound, unconnected UDP. */
void ps_inventory_listening(struct ps_sockdiag_query *diag, unsigned protos, unsigned families);

/* True when r passes f (its cgroup attached, for the unit and container filters). */
bool ps_inventory_wanted(const struct ps_inv_filter *f, const struct sock_rec *r);

/* Dump, filter, attach owners (if asked) and order into inv, which the caller frees with
 * ps_inventory_free even on failure. Returns 0, or -1 with err. */
int ps_inventory_load(const struct ps_inv_query *q, struct ps_inventory *inv, ps_err *err);
void ps_inventory_free(struct ps_inventory *inv);

#endif
