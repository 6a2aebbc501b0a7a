/* The result of one reachability probe (check, scan, broadcast): docs/design.md's probe
 * record. Engines fill it and hand it to a callback as soon as the verdict is in. */
#ifndef PS_RESULT_H
#define PS_RESULT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum ps_probe_state {
	PS_PROBE_OPEN,
	PS_PROBE_CLOSED,
	PS_PROBE_FILTERED,
	PS_PROBE_UNREACHABLE,
	PS_PROBE_OPEN_FILTERED,	/* UDP: no answer after the retries */
	PS_PROBE_ERROR,		/* the probe itself could not run */
};

struct ps_tls_info;

#define PS_BANNER_MAX 256

struct probe_result {
	char target[300];			/* as the user wrote it */
	char address[INET6_ADDRSTRLEN + 16];	/* the address probed with its %scope, ""
						 * when unresolved (16: IF_NAMESIZE) */
	int family;				/* AF_INET, AF_INET6, or 0 when unresolved */
	uint8_t proto;				/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	enum ps_probe_state state;
	double rtt_ms;				/* < 0: none */
	const char *reason;			/* "syn-ack", "reset", "timeout", ... (static) */
	char error[256];			/* "" when none */
	char banner[PS_BANNER_MAX];		/* raw bytes, escaped only by report/ */
	size_t banner_len;
	int has_banner;
	int expect_ok;				/* -1 no --expect, 0 not matched, 1 matched */
	uint32_t tag;				/* the job's tag, echoed for the caller */
	const struct ps_tls_info *tls;		/* what the TLS handshake found; NULL: none */
};

/* Called by an engine with each finished result; r is valid only during the call. */
typedef void (*ps_result_cb)(const struct probe_result *r, void *ctx);

/* "open", "closed", "filtered", "unreachable", "open|filtered", "error". */
const char *ps_probe_state_name(enum ps_probe_state s);

#endif
