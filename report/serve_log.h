/* Rendering serve's log: one line per listening socket and per peer, as text or as
 * NDJSON {"time", "event": "listening"|"peer", "proto", "local_address", "local_port",
 * and for a peer "remote_address", "remote_port", ("bytes", "broadcast" for UDP),
 * "answered", "why" (when not answered)}, and a "dropped" record {"time", "event",
 * "rate_limited", "log_lines"} counting datagrams and log lines nobody saw. */
#ifndef PS_REPORT_SERVE_LOG_H
#define PS_REPORT_SERVE_LOG_H

#include <stdio.h>

#include "probe/responder.h"
#include "report/format.h"

/* Write ev, which happened at time (RFC 3339 UTC), as one line in fmt (ndjson, else
 * text). */
void ps_report_serve_event(FILE *f, enum ps_format fmt, const struct ps_responder_event *ev,
			   const char *time);

#endif
