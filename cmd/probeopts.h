/* Options shared by the reachability commands (check, scan): timeouts, retries,
 * concurrency, rate, --send/--expect/--banner, -4/-6, and the choice of engine per
 * protocol. A UDP option joins here once, for both commands. */
#ifndef PS_PROBEOPTS_H
#define PS_PROBEOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "probe/jobs.h"
#include "probe/payloads.h"

enum {
	PS_OPT_TIMEOUT = 1100, PS_OPT_RETRIES, PS_OPT_CONCURRENCY, PS_OPT_RATE, PS_OPT_SEND,
	PS_OPT_EXPECT, PS_OPT_BANNER, PS_OPT_PAYLOAD, PS_OPT_PAYLOAD_HEX,
};

#define PS_PROBE_LONGOPTS \
	{ "timeout", required_argument, NULL, PS_OPT_TIMEOUT }, \
	{ "retries", required_argument, NULL, PS_OPT_RETRIES }, \
	{ "concurrency", required_argument, NULL, PS_OPT_CONCURRENCY }, \
	{ "rate", required_argument, NULL, PS_OPT_RATE }, \
	{ "send", required_argument, NULL, PS_OPT_SEND }, \
	{ "expect", required_argument, NULL, PS_OPT_EXPECT }, \
	{ "banner", no_argument, NULL, PS_OPT_BANNER }, \
	{ "payload", required_argument, NULL, PS_OPT_PAYLOAD }, \
	{ "payload-hex", required_argument, NULL, PS_OPT_PAYLOAD_HEX }, \
	{ "ipv4", no_argument, NULL, '4' }, \
	{ "ipv6", no_argument, NULL, '6' }
#define PS_PROBE_SHORTOPTS "46"

/* The help text for these options, for a command's usage. */
extern const char ps_probe_opts_help[];

struct ps_probe_cli {
	struct ps_probe_opts o;
	int family;			/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool v4, v6;
	char send[PS_PAYLOAD_MAX], expect[PS_PAYLOAD_MAX];
	struct ps_payload udp_payload;	/* --payload / --payload-hex */
};

/* Defaults: --timeout 1000, retries -1 (the engine's default), concurrency 0 (auto). */
void ps_probe_cli_init(struct ps_probe_cli *p);

/* Handle option c (with optarg). Returns 1 when handled, 0 when c is not one of these,
 * -1 after printing a usage error. */
int ps_probe_cli_option(int c, struct ps_probe_cli *p);

/* Check the options together once parsing is done. Returns 0, or an exit code after
 * printing the reason. */
int ps_probe_cli_finish(struct ps_probe_cli *p);

/* The engine for proto (IPPROTO_TCP, IPPROTO_UDP), or NULL when none is built in. */
ps_probe_many_fn ps_probe_engine(uint8_t proto);

/* "tcp" or "udp". */
const char *ps_probe_proto_name(uint8_t proto);

#endif
