/* The UDP engine: one unconnected socket per address family sends every probe and reads
 * the kernel's evidence back (IP_RECVERR / IPV6_RECVERR error queue for ICMP, ordinary
 * datagrams for answers), with the wait adapted to the round trips measured per host.
 * Memory is bounded by the number of probes in flight, never by the number of jobs. */
#ifndef PS_UDP_H
#define PS_UDP_H

#include "probe/jobs.h"

/* Further attempts after a silent one when o->retries < 0 (not given). */
#define PS_UDP_DEFAULT_RETRIES 1
/* Default in-flight cap when --concurrency is not given. */
#define PS_UDP_AUTO_CONCURRENCY 384

/* User payload for every port (o->udp_payload) or, when NULL, the built-in payload of
 * probe/payloads.h for the port, else portscope's responder request (padded: 128 bytes).
 * Verdicts: open (a datagram came back from the probed address and port: udp-response),
 * closed (ICMP port unreachable), filtered (any other ICMP destination unreachable; the
 * reason names the code), open|filtered (nothing after o->retries further attempts, or on
 * a host that drops ICMP errors after an attempt its learned budget covered: timeout;
 * o->max_time_ms ran out: no-time), error (the
 * datagram could not be sent: no route, local firewall). The wait per attempt is
 * srtt + 4 * rttvar of the host (at least PS_UDP_MIN_WAIT_MS, or
 * PS_UDP_MIN_WAIT_LOOPBACK_MS over loopback), doubling per attempt (on a host that limits
 * its errors, per attempt its learned budget covered), never more than
 * o->timeout_ms. Returns 0 when every job was reported, or -1 with err
 * when the engine could not run at all. */
int ps_udp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err);

/* The shortest wait for an answer: a service may take longer to answer than the path
 * takes to carry an ICMP error (a resolver asking upstream, a busy host scheduling the
 * process), so a wait never drops below these, loopback or not (nmap's floor is 100). */
#define PS_UDP_MIN_WAIT_MS 100
#define PS_UDP_MIN_WAIT_LOOPBACK_MS 50

/* Reason for an ICMP (v4: type 3, v6: type 1) destination-unreachable code, from the
 * UDP column of probe/icmp.c: closed for port unreachable, else filtered. Returns the
 * static reason string, or NULL when the message is no verdict. */
const char *ps_udp_icmp_reason(int family, int type, int code, enum ps_probe_state *state);

#endif
