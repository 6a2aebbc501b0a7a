/* Rendering watch events: one line per listener opened or closed, as NDJSON or as
 * fixed-width table lines written as they happen. */
#ifndef PS_REPORT_EVENTS_H
#define PS_REPORT_EVENTS_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/sockdiag.h"
#include "report/format.h"
#include "report/sockets.h"

/* The header line of the table form (nothing for NDJSON). */
void ps_report_event_header(FILE *f, enum ps_format fmt, const struct ps_view *view);

/* One event: {"event": "opened"|"closed", "time": time, ...socket fields} for NDJSON
 * (and JSON), or a table line. time is RFC 3339 UTC. */
void ps_report_event(FILE *f, enum ps_format fmt, bool opened, const char *time,
		     const struct sock_rec *r, const struct ps_view *view);

#endif
