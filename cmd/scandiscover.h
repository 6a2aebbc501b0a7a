/* scan's host discovery (probe/discover): its options (-Pn / --no-discover,
 * --discover-only / -sn, --discover-timeout, --discover-retries), discovery of each
 * protocol's target set before its ports are scanned (only hosts found up are scanned),
 * --discover-only's host listing, and the per-host summary of scan's JSON document. */
#ifndef PS_SCANDISCOVER_H
#define PS_SCANDISCOVER_H

#include <stdbool.h>

#include "cmd/options.h"
#include "cmd/scantargets.h"
#include "probe/hoststate.h"
#include "probe/jobs.h"
#include "report/format.h"
#include "report/results.h"

#define PS_DISCOVER_TIMEOUT_MS 1000
#define PS_DISCOVER_RETRIES 1
/* Hosts with a per-host summary in JSON: a /16 (1.5 MB of counts); a /15 x 1-1024 scan
 * must start within 16 MB. */
#define PS_HOSTSUM_MAX (1u << 16)

struct ps_discover_cli {
	bool off;		/* -Pn, --no-discover */
	bool only;		/* -sn, --discover-only */
	int timeout_ms;
	int retries;
};

#define PS_DISCOVER_OPTIONS(T, m) \
	PS_OPT_BOOL(0, "no-discover", T, m.off, \
		    "no host discovery: scan every address (also -Pn)"), \
	PS_OPT_BOOL(0, "discover-only", T, m.only, \
		    "only discover hosts, list those up (every host with\n" \
		    "--all-states); no ports scanned (also -sn)"), \
	PS_OPT_INT(0, "discover-timeout", T, m.timeout_ms, "MS", \
		   "discovery: wait after each echo request (default 1000)", 1, 600000), \
	PS_OPT_INT(0, "discover-retries", T, m.retries, "N", \
		   "discovery: echo requests resent before a host is down\n" \
		   "(default 1)", 0, 10)

/* Defaults into c, before parsing. */
void ps_discover_cli_init(struct ps_discover_cli *c);

/* Rewrite nmap's -Pn, -sn and -sS into --no-discover, --discover-only and --syn in argv,
 * in place. */
void ps_scan_discover_argv(int argc, char **argv);

/* Discover the hosts of each set of t (0 TCP, 1 UDP) with more than one address, marking
 * those up in hosts (tag: the set's base plus the host index). Returns 0, or an exit code
 * after printing the reason. *ran says whether any set was discovered. */
int ps_scan_discover(const struct ps_discover_cli *c, const struct ps_probe_opts *po,
		     const struct ps_scan_targets *t, struct ps_hoststate *hosts, bool *ran);

/* --discover-only: discover every host of t's sets and write the host records in fmt (the
 * up ones, all with all_states), the names that did not resolve as down hosts (reason
 * resolve). Returns the exit code (1 when a name did not resolve). */
int ps_scan_discover_only(const struct ps_discover_cli *c, const struct ps_probe_opts *po,
			  const struct ps_scan_targets *t, enum ps_format fmt, bool all_states,
			  const struct ps_view *v);

/* Where the per-host summary finds each host. */
struct ps_hostsum_src {
	const struct ps_scan_targets *t;
	const struct ps_hoststate *hosts;
};

/* Set up h for a scan of t (JSON only, at most PS_HOSTSUM_MAX hosts; else h stays
 * without counts). Returns 0, or an exit code. Free with ps_scan_hostsum_free. */
int ps_scan_hostsum_init(struct ps_hostsum *h, struct ps_hostsum_src *src, bool all_states);
void ps_scan_hostsum_free(struct ps_hostsum *h);

#endif
