/* Host discovery: which addresses of a target set answer at all, before their ports are
 * scanned (nmap's ping scan). Each host gets an ICMP echo request (ICMPv6 for IPv6), through
 * an unprivileged ping socket (SOCK_DGRAM, where net.ipv4.ping_group_range admits our
 * group) or a raw socket (root) otherwise, and TCP connects to ports 80 and 443. An echo
 * reply, a connect accepted (syn-ack) or refused (reset) proves the host up; a host is
 * down when nothing answered within timeout_ms after each of its 1 + retries echo
 * requests (the connects stay pending meanwhile: the kernel retransmits their SYNs), or at
 * once when there is no route to it. One thread, one epoll loop, hosts in address order. */
#ifndef PS_DISCOVER_H
#define PS_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/addrspace.h"
#include "probe/err.h"
#include "probe/rtaddr.h"

#define PS_DISCOVER_MAX_HOSTS 4096	/* hosts in flight at most (two descriptors each) */
/* On a subnet of this host every dead address holds an incomplete entry of the kernel's
 * neighbour table for about 3 s (3 solicitations a second apart), and past gc_thresh3
 * (1,024 by default, for the whole host) new entries fail: packets to live neighbours
 * would be dropped too. 256 hosts in flight keep well under it. */
#define PS_DISCOVER_ONLINK_HOSTS 256

struct ps_discover_opts {
	int timeout_ms;		/* wait after each echo request (the attempt) */
	int retries;		/* echo requests resent before a host is down */
	int concurrency;	/* descriptors in flight at most (two a host); 0: as allowed */
	double rate;		/* packets (echo requests and SYNs) a second; 0: no limit */
	bool onlink;		/* the set meets a subnet of ours: PS_DISCOVER_ONLINK_HOSTS */
	/* --source addresses (port 0), or NULL: the echo requests of a family leave from its
	 * first, the connects from each in turn; a host of a family none of them has is
	 * down at once, "no-route" */
	const union ps_sockaddr *sources;
	int nsources;
	const volatile int *stop;	/* nonzero: abandon what is in flight and return */
	void (*on_wait)(void *ctx);	/* called before each wait, or NULL */
	void *wait_ctx;
};

/* The verdict on one host. */
struct ps_host_result {
	uint64_t host;			/* index in the set */
	char address[PS_ADDRTEXT_MAX];
	const char *target;		/* the token it came from */
	bool up;
	/* up: echo-reply, syn-ack, reset; down: no-response, no-route, icmp-host-unreachable,
	 * icmp-net-unreachable (a connect's error, when nothing else answered) */
	const char *reason;
	double rtt_ms;			/* first packet to the answer; -1 when down */
};

typedef void (*ps_host_cb)(const struct ps_host_result *r, void *ctx);

/* Discover every host of the finalized set, calling cb once per host as it is decided
 * (ordered by decision, not address). Returns 0 (also when stopped), or -1 with err when
 * it cannot run at all (no epoll, no descriptors). Without any ICMP socket (neither a
 * ping socket nor raw for this user) the TCP connects alone decide. */
int ps_discover_run(const struct ps_addrspace *set, const struct ps_discover_opts *o,
		    ps_host_cb cb, void *ctx, ps_err *err);

/* Whether buf (len bytes from an ICMP socket of family v6 or IPv4, raw or ping; a raw IPv4
 * datagram starts with its IP header) is an echo reply to one of our requests: then its
 * slot (the sequence number) and host index (the payload) are filled in. A raw socket's
 * reply must carry ident. No I/O; fuzzed. */
bool ps_discover_parse_reply(const uint8_t *buf, size_t len, bool v6, bool raw,
			     uint16_t ident, size_t *slot, uint64_t *host);

/* Whether a range of the finalized set meets the subnet of one of addrs (this host's
 * addresses, probe/rtaddr; host-scope ones left out), where every address probed is a
 * neighbour to resolve. */
bool ps_discover_onlink(const struct ps_addrspace *set, const struct ps_ifaddr *addrs,
			size_t n);

/* Which ICMP socket kind family gets here: "ping" (unprivileged), "raw", or "none". */
const char *ps_discover_icmp_kind(int family);

#endif
