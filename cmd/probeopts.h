/* Options shared by the reachability commands (check, scan): timeouts, retries,
 * concurrency, rate, --send/--expect/--banner, --payload/--payload-hex, -4/-6, as a block
 * of option-table entries (PS_PROBE_OPTIONS) filling a struct ps_probe_cli, and the choice
 * of engine per protocol. A UDP option joins here once, for both commands. The payload
 * pair is its own block (PS_PAYLOAD_OPTIONS), which broadcast uses too. */
#ifndef PS_PROBEOPTS_H
#define PS_PROBEOPTS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "cmd/options.h"
#include "probe/jobs.h"
#include "probe/payloads.h"
#include "probe/source.h"

/* --payload STR or --payload-hex HEX, at most one of them, once. */
struct ps_payload_arg {
	struct ps_payload p;
	bool given;
};

ps_opt_cb ps_payload_option, ps_probe_send_option, ps_probe_expect_option,
	ps_probe_rate_option, ps_probe_source_option, ps_probe_duration_option;

#define PS_PAYLOAD_OPTIONS(T, m, help_text, help_hex) \
	PS_OPT_CALLBACK(0, "payload", T, m, "STR", help_text, ps_payload_option, NULL), \
	PS_OPT_CALLBACK(0, "payload-hex", T, m, "HEX", help_hex, ps_payload_option, NULL)

struct ps_probe_cli {
	struct ps_probe_opts o;
	int family;			/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool v4, v6;
	char send[PS_PAYLOAD_MAX], expect[PS_PAYLOAD_MAX];
	struct ps_payload_arg payload;
	const char *netns;		/* probe from inside this network namespace */
	struct ps_sources sources;	/* --source */
};

#define PS_PROBE_OPTIONS(T, m) \
	PS_OPT_INT(0, "timeout", T, m.o.timeout_ms, "MS", \
		   "per attempt, connect to verdict (default 1000); a TCP connect to a host\n" \
		   "whose round trip is known waits srtt + 4 rttvar (at least 100 ms)", \
		   1, 3600000), \
	PS_OPT_INT(0, "retries", T, m.o.retries, "N", \
		   "more attempts after a timeout (default 1)", 0, 100), \
	PS_OPT_CALLBACK(0, "max-time", T, m.o.max_time_ms, "DURATION", \
			"UDP: end the whole run by then (e.g. 90s, 5m); undecided\n" \
			"ports are open|filtered, reason no-time", ps_probe_duration_option, NULL), \
	PS_OPT_CALLBACK(0, "source", T, m.sources, "ADDR[,ADDR...]", \
			"send from these local addresses (UDP spreads ports over\n" \
			"them, each paced by the target's ICMP budget for it)", \
			ps_probe_source_option, NULL), \
	PS_OPT_INT(0, "concurrency", T, m.o.concurrency, "N", \
		   "probes in flight (default: as the descriptor limit allows)", 1, 1 << 20), \
	PS_OPT_CALLBACK(0, "rate", T, m.o.rate, "N", \
			"attempts (retries included) per second at most, a token\n" \
			"bucket (default: no limit)", \
			ps_probe_rate_option, NULL), \
	PS_OPT_CALLBACK(0, "send", T, m, "STR", \
			"send STR once connected; with TLS after a handshake whose\n" \
			"certificate verified, or with --insecure (escapes \\r \\n \\t\n" \
			"\\\\ \\xHH)", \
			ps_probe_send_option, NULL), \
	PS_OPT_CALLBACK(0, "expect", T, m, "STR", \
			"wait for STR in the reply (same escapes): open with reason\n" \
			"expect-matched or expect-mismatch", \
			ps_probe_expect_option, NULL), \
	PS_OPT_BOOL(0, "banner", T, m.o.banner, \
		    "capture up to 256 bytes the service sends first"), \
	PS_PAYLOAD_OPTIONS(T, m.payload, \
			   "UDP datagram to send (escapes as --send; default: a DNS,\n" \
			   "NTP or SNMP request on 53, 123, 161, else empty)", \
			   "UDP datagram as hex digits"), \
	PS_OPT_BOOL('4', "ipv4", T, m.v4, "IPv4 addresses only"), \
	PS_OPT_BOOL('6', "ipv6", T, m.v6, "IPv6 addresses only"), \
	PS_OPT_STRING(0, "netns", T, m.netns, "NS", \
		      "probe from inside network namespace NS: a name under\n" \
		      "/run/netns, a path (/proc/PID/ns/net) or pid:PID", "@netns")

/* ps_parse_options for check and scan: pc (a member of opts) gets its defaults first
 * (--timeout 1000, retries -1: the engine's default, concurrency 0: auto), and its options
 * are checked together after; then --netns is entered. Returns as ps_parse_options, or
 * an exit code after printing why the namespace could not be entered. */
int ps_probe_parse(const struct ps_command *cmd, int argc, char **argv, void *opts,
		   struct ps_probe_cli *pc, char ***args, int *nargs);

/* The engine for proto (IPPROTO_TCP, IPPROTO_UDP), or NULL when none is built in. */
ps_probe_many_fn ps_probe_engine(uint8_t proto);

#endif
