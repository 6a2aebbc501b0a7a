/* The SYN scan engine (scan --syn): half-open TCP probes over raw IPv4 sockets, with the
 * verdicts of the connect engine (open syn-ack, closed reset, ICMP, filtered timeout) and
 * its signature (probe/jobs.h). Needs CAP_NET_RAW. */
#ifndef PS_SYN_H
#define PS_SYN_H

#include "probe/jobs.h"

/* Probes in flight at most when --concurrency is not given. */
#define PS_SYN_AUTO_CONCURRENCY 16384

int ps_syn_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err);

#endif
