/* UDP broadcast discovery: one datagram to the directed broadcast address of each up,
 * broadcast-capable IPv4 interface (loopback excluded), then every distinct answer that
 * arrives within the wait. Directed broadcasts follow the interface's connected route, so
 * discovery works on a LAN without a default route (255.255.255.255 fails there). */
#ifndef PS_BROADCAST_H
#define PS_BROADCAST_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/result.h"

struct ps_bcast_iface {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	struct in_addr addr;		/* the interface's own address */
	struct in_addr mask;		/* its netmask */
	struct in_addr bcast;		/* its directed broadcast address */
	char bcast_text[INET_ADDRSTRLEN];
};

struct ps_bcast_ifaces {
	struct ps_bcast_iface *v;
	size_t len;
};

/* The interfaces to broadcast on: every up, broadcast-capable, non-loopback IPv4
 * interface address, or only those of interface `only` (NULL: all). Returns 0 (possibly
 * with none), or -1 with err (getifaddrs failed, or `only` does not exist, is down, or has
 * no IPv4 broadcast address). Free with ps_bcast_ifaces_free. */
int ps_bcast_interfaces(const char *only, struct ps_bcast_ifaces *out, ps_err *err);
void ps_bcast_ifaces_free(struct ps_bcast_ifaces *l);

/* One responder, first answer only. */
struct ps_bcast_answer {
	char address[INET_ADDRSTRLEN];	/* who answered */
	const char *ifname;		/* the interface the answer arrived on */
	const char *bcast;		/* the broadcast address that reached it */
	double rtt_ms;
	size_t bytes;			/* reply size */
	const uint8_t *data;		/* the reply, valid during the callback */
};

typedef void (*ps_bcast_cb)(const struct ps_bcast_answer *a, void *ctx);

/* Send payload (len may be 0) to port on each interface's broadcast address and call cb
 * for each distinct responder (by address) whose answer from that port arrives within
 * wait_ms. Returns the number of responders, or -1 with err when nothing could be sent or
 * a socket call failed. */
int ps_bcast_run(const struct ps_bcast_ifaces *ifs, uint16_t port, const void *payload,
		 size_t len, int wait_ms, ps_bcast_cb cb, void *ctx, ps_err *err);

#endif
