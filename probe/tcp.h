/* The TCP connect engine: epoll loops of non-blocking connects (no blocking calls; two
 * loops per usable CPU, each in its own thread, when there are enough jobs), memory
 * bounded by the concurrency, never by the number of jobs. */
#ifndef PS_TCP_H
#define PS_TCP_H

#include "probe/jobs.h"

/* Default in-flight cap when --concurrency is not given (the fd budget may lower it). */
#define PS_TCP_AUTO_CONCURRENCY 16384
/* Attempts after a timeout when --retries is not given: one dropped SYN must not read
 * as filtered. */
#define PS_TCP_DEFAULT_RETRIES 1
/* A connect waits srtt + 4 rttvar of its host (probe/rttcache.h), at least this long,
 * doubled per attempt, at most --timeout; the full --timeout while the host has no
 * sample. The reply of --send/--expect/--banner and a TLS handshake get --timeout. */
#define PS_TCP_MIN_WAIT_MS 100
/* ... and with TLS (o->tls): a handshake costs CPU and some 50 KiB while it runs, so more
 * in flight buys no speed, only memory. */
#define PS_TCP_TLS_CONCURRENCY 256

/* Probe every job from next(src) over TCP and call cb with each verdict as it is decided:
 * open (syn-ack), closed (reset), filtered (timeout, ICMP admin-prohibited or port
 * unreachable), unreachable (ICMP host/net unreachable), error (the probe could not run:
 * no route, local failure). Running out of descriptors slows the engine down and never
 * changes a verdict. Returns 0 when every job was reported, or -1 with err when the
 * engine could not run at all. */
int ps_tcp_probe_many(ps_job_next_fn next, void *src, const struct ps_probe_opts *o,
		      ps_result_cb cb, void *ctx, ps_err *err);

#endif
