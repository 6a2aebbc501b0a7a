/* This host's interfaces and addresses from rtnetlink (RTM_GETLINK and RTM_GETADDR dumps
 * through libmnl, no /proc parsing). As with sock_diag, the dump is split in two: a pure
 * parser that turns netlink bytes into records (tested on recorded dumps) and a thin loop
 * that talks to the kernel. */
#ifndef PS_RTADDR_H
#define PS_RTADDR_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"

/* Longest link-layer address the kernel keeps (MAX_ADDR_LEN). */
#define PS_LINK_ADDR_MAX 32

struct ps_link {
	uint32_t index;
	char name[IF_NAMESIZE];
	uint32_t flags;		/* IFF_UP, IFF_LOOPBACK, IFF_LOWER_UP, ... (ifi_flags) */
	uint8_t operstate;	/* IF_OPER_UP, IF_OPER_DOWN, ...; IF_OPER_UNKNOWN when not said */
	uint16_t type;		/* ARPHRD_ETHER, ARPHRD_LOOPBACK, ... */
	uint32_t mtu;		/* 0 when not said */
	uint8_t addr_len;	/* 0: no link-layer address */
	uint8_t addr[PS_LINK_ADDR_MAX];
};

struct ps_ifaddr {
	uint32_t ifindex;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint8_t scope;		/* RT_SCOPE_UNIVERSE (global), RT_SCOPE_LINK, RT_SCOPE_HOST, ... */
	uint32_t flags;		/* IFA_F_SECONDARY, IFA_F_TENTATIVE, ... (IFA_FLAGS when sent) */
	struct in6_addr addr;	/* the local address; IPv4 in the first four bytes */
};

struct ps_rtaddr {
	struct ps_link *links;
	size_t nlinks, links_cap;
	struct ps_ifaddr *addrs;
	size_t naddrs, addrs_cap;
};

void ps_rtaddr_free(struct ps_rtaddr *r);

/* Parse netlink bytes of an RTM_GETLINK or RTM_GETADDR dump into r (appended; links from
 * RTM_NEWLINK, IPv4 and IPv6 addresses from RTM_NEWADDR, the rest skipped). Returns 1 when
 * the dump is complete (NLMSG_DONE), 0 when more is expected, -1 with err on an error
 * message or a malformed one, -2 when the kernel marked the dump interrupted. */
int ps_rtaddr_parse(const void *buf, size_t len, struct ps_rtaddr *r, ps_err *err);

/* Dump this network namespace's links, then its addresses, into r. An interrupted dump
 * is retried from scratch. Returns 0, or -1 with err. */
int ps_rtaddr_dump(struct ps_rtaddr *r, ps_err *err);

/* The link with index, or NULL. */
const struct ps_link *ps_rtaddr_link(const struct ps_rtaddr *r, uint32_t index);

/* Lower-case names: the operational state as `ip link` shows it ("up", "down",
 * "unknown", "lowerlayerdown", "dormant", ...), and an address scope ("global", "site",
 * "link", "host", "nowhere"; NULL for a number with no name). */
const char *ps_rtaddr_operstate_name(uint8_t operstate);
const char *ps_rtaddr_scope_name(uint8_t scope);

/* The link-layer address as "aa:bb:cc:dd:ee:ff" into buf (at least 3 * PS_LINK_ADDR_MAX
 * bytes); "" when the link has none. Returns buf. */
char *ps_rtaddr_mac(const struct ps_link *l, char *buf, size_t size);

#endif
