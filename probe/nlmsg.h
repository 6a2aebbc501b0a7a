/* Walking netlink bytes and running one dump, shared by the rtnetlink parser (and open to
 * sock_diag's): bounds that never trust a message's own length, the control messages
 * every dump ends with, and the request/receive loop that feeds a parser. */
#ifndef PS_NLMSG_H
#define PS_NLMSG_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>

#include "probe/err.h"

/* A position in len bytes of netlink messages. */
struct ps_nlwalk {
	const char *next;
	size_t left;
	bool intr;		/* some message carried NLM_F_DUMP_INTR */
};

void ps_nlwalk_init(struct ps_nlwalk *w, const void *buf, size_t len);

/* The next whole message, or NULL at the end of the bytes or at one whose length does not
 * fit them (then ps_nlwalk_rest is nonzero: the dump is malformed). */
const struct nlmsghdr *ps_nlwalk_next(struct ps_nlwalk *w);
size_t ps_nlwalk_rest(const struct ps_nlwalk *w);
/* A parser's verdict when its bytes ran out before NLMSG_DONE: -1 with err ("malformed
 * WHAT message") when bytes are left over, -2 when the dump was marked interrupted, else 0
 * (more to come). */
int ps_nlwalk_end(const struct ps_nlwalk *w, const char *what, ps_err *err);

/* Handle a dump's control messages. Returns 1 for NLMSG_DONE, 0 for one to skip (an ack,
 * NLMSG_NOOP, NLMSG_OVERRUN), -1 with err for NLMSG_ERROR or a DONE that carries one
 * ("what" names the dump in the message), and 2 for a data message the caller parses. */
int ps_nlmsg_control(const struct nlmsghdr *nlh, const char *what, ps_err *err);

/* The fixed header of a data message when the message holds one, else NULL with err
 * ("malformed WHAT message"). */
const void *ps_nlmsg_payload(const struct nlmsghdr *nlh, size_t size, const char *what,
			     ps_err *err);

/* A netlink socket of bus (NETLINK_SOCK_DIAG, NETLINK_ROUTE; what names it in messages),
 * bound, close-on-exec, with a receive buffer of bufsz bytes in *buf. Returns the socket,
 * or NULL with err (and nothing to free). */
struct mnl_socket *ps_nl_open(int bus, const char *what, char **buf, size_t bufsz, ps_err *err);
/* Close what ps_nl_open gave. */
void ps_nl_close(struct mnl_socket *nl, char *buf);

/* A parser of received bytes: 1 done, 0 more, -1 error, -2 interrupted. */
typedef int (*ps_nl_parse_fn)(const void *buf, size_t len, void *data, ps_err *err);

/* Send req (a whole request with NLM_F_DUMP) on nl and feed every reply to parse until it
 * is done. Replies to another sequence number or port are dropped (an earlier, abandoned
 * request). Returns 0, -1 with err, or -2 when the dump was interrupted. */
int ps_nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, char *buf, size_t bufsz,
	       ps_nl_parse_fn parse, void *data, ps_err *err);

#endif
