/* The exporter's TLS module: a non-blocking connect, then the TLS client of probe/tls.h
 * stepped from a small poll loop, the whole bounded by one deadline. One session per
 * call, on the calling thread: the exporter runs one probe per request. */
#ifndef PS_EXPORTER_TLS_H
#define PS_EXPORTER_TLS_H

#include "probe/exporter_cfg.h"
#include "probe/jobs.h"
#include "probe/result.h"
#include "probe/tls.h"

/* Connect to job's address and handshake within timeout_ms. r gets the connect's state
 * and reason (open/syn-ack, closed/reset, filtered/timeout, error/local-error); info the
 * TLS findings once connected (info->handshake_done false when it failed or timed out).
 * host is the target's host for SNI and name checks. */
void ps_xtls_probe(const struct ps_xmodule *m, const struct ps_probe_job *job, const char *host,
		   int timeout_ms, struct probe_result *r, struct ps_tls_info *info);

#endif
