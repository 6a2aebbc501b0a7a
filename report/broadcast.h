/* Rendering broadcast discovery: each responder is a probe record (docs/design.md fields,
 * through report/results.h) plus the interface it answered on, the broadcast address
 * that reached it and its reply size. Table, JSON document or NDJSON lines. */
#ifndef PS_REPORT_BROADCAST_H
#define PS_REPORT_BROADCAST_H

#include <net/if.h>
#include <stddef.h>
#include <stdio.h>

#include "probe/result.h"
#include "report/format.h"
#include "report/results.h"

struct ps_bcast_row {
	struct probe_result r;
	char interface[IF_NAMESIZE];
	char broadcast[16];		/* the directed broadcast address sent to */
	size_t reply_bytes;
};

/* One responder as an NDJSON line. */
void ps_report_bcast_line(FILE *f, const struct ps_bcast_row *row, const struct ps_view *v);

/* Every responder as a table (with a summary line naming the interfaces tried) or a
 * JSON document "portscope.broadcast/1" with summary {responders, interfaces, wait_ms}.
 * Returns 0, or -1 when out of memory. */
int ps_report_bcast(FILE *f, enum ps_format fmt, const struct ps_bcast_row *rows, size_t n,
		    size_t interfaces, int wait_ms, const struct ps_view *v);

#endif
