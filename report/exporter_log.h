/* The exporter's log: one line per event on stderr, as text or as NDJSON {"time",
 * "event", and when they apply "method", "path", "status", "remote_address",
 * "duration_ms", "detail"} (docs/schema/exporter-log.json). */
#ifndef PS_REPORT_EXPORTER_LOG_H
#define PS_REPORT_EXPORTER_LOG_H

#include <stdio.h>

#include "probe/exporter_http.h"
#include "report/format.h"

/* Write ev, which happened at time (RFC 3339 UTC), as one line in fmt (ndjson, else
 * text; text escapes everything from outside). */
void ps_report_exporter_event(FILE *f, enum ps_format fmt, const struct ps_xevent *ev,
			      const char *time);

#endif
