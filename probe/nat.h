/* Ports published through NAT: the DNAT rules of this network namespace's nftables
 * ruleset, read through libnftables' JSON interface, as records beside the sockets. A
 * container port published this way (Docker without the userland proxy, podman, a
 * Kubernetes hostPort) has no listening socket on the host. */
#ifndef PS_NAT_H
#define PS_NAT_H

#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/sockdiag.h"

/* The rule a DNAT record comes from. */
struct ps_nat_rule {
	char family[8];		/* nftables family: "ip", "ip6", "inet" */
	char table[128];
	char chain[128];
	uint64_t handle;
};

struct ps_natset {
	struct ps_nat_rule *v;
	size_t len, cap;
};

void ps_natset_free(struct ps_natset *s);

/* Parse `nft -j list ruleset` output (len bytes) into rules and one record per published
 * port in out (appended; nat pointing into rules, state "dnat", local address the rule's
 * `ip daddr`/`ip6 daddr` or the wildcard, remote address and port the destination). A rule
 * counts when it matches tcp or udp destination ports (a number, a range or a set of them)
 * and DNATs to a literal address; others (maps, jumps) are skipped. Returns 0, or -1 with
 * err (PS_ERR_SYSTEM for text that is not the ruleset's JSON, PS_ERR_NOMEM). */
int ps_nat_parse(const char *json, size_t len, struct ps_natset *rules, struct ps_sockvec *out,
		 ps_err *err);

/* The same for this namespace's ruleset, through libnftables (needs CAP_NET_ADMIN). */
int ps_nat_load(struct ps_natset *rules, struct ps_sockvec *out, ps_err *err);

#endif
