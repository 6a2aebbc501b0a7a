/* Local sockets read from the kernel over NETLINK_SOCK_DIAG (inet_diag_req_v2). The
 * dump is split in two: a pure parser that turns netlink bytes into records (tested on
 * recorded dumps) and a thin loop that talks to the kernel. */
#ifndef PS_SOCKDIAG_H
#define PS_SOCKDIAG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"

/* Kernel socket states (include/net/tcp_states.h); UDP uses ESTABLISHED and CLOSE. */
enum ps_sock_state {
	PS_SS_ESTABLISHED = 1, PS_SS_SYN_SENT, PS_SS_SYN_RECV, PS_SS_FIN_WAIT1,
	PS_SS_FIN_WAIT2, PS_SS_TIME_WAIT, PS_SS_CLOSE, PS_SS_CLOSE_WAIT, PS_SS_LAST_ACK,
	PS_SS_LISTEN, PS_SS_CLOSING, PS_SS_MAX
};
#define PS_SS_ALL ((1u << PS_SS_MAX) - 2)

struct ps_proc {
	int pid;
	char command[16];	/* /proc/PID/comm as the kernel has it: raw, escape before output */
};

struct ps_cgroup_entry;	/* probe/cgroup.h */
struct ps_netns_ref;	/* probe/netns.h */
struct ps_nat_rule;	/* probe/nat.h */

struct sock_rec {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t state;		/* enum ps_sock_state */
	int8_t v6only;		/* 1, 0, or -1 when the kernel did not say (IPv4, or connected) */
	uint16_t local_port, remote_port;
	uint32_t ifindex;	/* SO_BINDTODEVICE, 0 for none */
	uint32_t uid;
	uint32_t inode;
	uint32_t recv_q, send_q;
	struct in6_addr local, remote;	/* IPv4 in the first four bytes */
	const struct ps_proc *procs;	/* owners, filled by ps_owners_attach */
	uint32_t nprocs;
	uint64_t cgroup_id;		/* INET_DIAG_CGROUP_ID (kernel 5.9+), 0 when not sent */
	const struct ps_cgroup_entry *cgroup;	/* its path and owner, or NULL when unknown */
	const struct ps_netns_ref *netns;	/* the namespace it was dumped in (--all-netns) */
	const struct ps_nat_rule *nat;	/* not a socket: a port published by this DNAT rule */
};

/* A growable array of records. */
struct ps_sockvec {
	struct sock_rec *v;
	size_t len, cap;
};

void ps_sockvec_free(struct ps_sockvec *sv);

/* Drop the records of sv->v[from..] whose (port, inode) an earlier one there already has:
 * a dump that races socket churn can return a socket twice. Records without an inode
 * (time-wait) are all kept. Returns -1 when memory for the check cannot be had (nothing
 * is dropped then). */
int ps_sockvec_dedup(struct ps_sockvec *sv, size_t from);

/* What to dump: protocols and families as flags, and the state masks (1 << state). */
#define PS_Q_TCP 1u
#define PS_Q_UDP 2u
#define PS_Q_V4 1u
#define PS_Q_V6 2u
struct ps_sockdiag_query {
	unsigned protos;
	unsigned families;
	uint32_t tcp_states;
	uint32_t udp_states;
};

/* Parse netlink bytes of an inet_diag dump for proto into out. Returns 1 when the dump
 * is complete (NLMSG_DONE), 0 when more is expected, -1 on an error message or a
 * malformed message, -2 when the kernel marked the dump interrupted (NLM_F_DUMP_INTR). */
int ps_sockdiag_parse(const void *buf, size_t len, uint8_t proto, struct ps_sockvec *out,
		      ps_err *err);

/* Dump the sockets q asks for into out (appended). A dump the kernel marks interrupted
 * is retried from scratch. Returns 0, or -1 with err (netlink unavailable, ...). */
int ps_sockdiag_dump(const struct ps_sockdiag_query *q, struct ps_sockvec *out, ps_err *err);

/* Lower-case state name as docs/design.md spells it ("listen", "unconn", ..., "dnat" for a
 * published port). */
const char *ps_sock_state_name(const struct sock_rec *r);
/* Parse a state name into its kernel value; "unconn" is CLOSE. Returns 0 or -1. */
int ps_sock_state_parse(const char *name, unsigned *state);

/* The address families a local socket takes connections or datagrams from, as PS_Q_V4 and
 * PS_Q_V6 flags: an IPv4 socket IPv4; an IPv6 socket bound to a v4-mapped address IPv4;
 * an IPv6 `::` socket without IPV6_V6ONLY both (the dual-stack listener); any other IPv6
 * socket IPv6. */
unsigned ps_sock_accepts(const struct sock_rec *r);

enum ps_exposure { PS_EXPOSE_LOOPBACK, PS_EXPOSE_ALL, PS_EXPOSE_SPECIFIC };

/* How exposed a local socket is: loopback when bound to the lo device, else from its
 * bound address (docs/design.md). */
enum ps_exposure ps_sock_exposure(const struct sock_rec *r);
const char *ps_exposure_name(enum ps_exposure e);
/* Parse "loopback", "all" or "specific"; returns 0 or -1. */
int ps_exposure_parse(const char *name, enum ps_exposure *e);

/* Cached name lookups for output: the user of uid (NULL when unknown) and the device
 * of ifindex (NULL for 0 or unknown). */
const char *ps_sock_user(uint32_t uid);
const char *ps_sock_ifname(uint32_t ifindex);

#endif
