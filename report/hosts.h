/* Rendering hosts: scan --discover-only's records (one per host: address, state, reason,
 * rtt_ms) as a table, a JSON document {"schema": "portscope.discover/1", ..., "hosts": [...],
 * "summary": {...}} or NDJSON lines; and the per-host summary of scan's JSON document
 * (each host's address, state and a count of its ports per state). */
#ifndef PS_REPORT_HOSTS_H
#define PS_REPORT_HOSTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/discover.h"
#include "report/format.h"
#include "report/json.h"
#include "report/results.h"

/* One host record as an NDJSON line. */
void ps_report_host_line(FILE *f, const struct ps_host_result *r);

/* Host records kept for a table or document, sorted by key when rendered. */
struct ps_host_row {
	uint64_t key;		/* address order: protocol set base + host index */
	char address[PS_ADDRTEXT_MAX];
	bool up;
	const char *reason;	/* static text */
	float rtt_ms;
};

struct ps_hostrows {
	struct ps_host_row *v;
	size_t len, cap;
	unsigned long long addresses, up;	/* hosts decided, and up */
	bool interrupted;
};

/* Keep r under key. Returns 0, or -1 when out of memory. */
int ps_hostrows_add(struct ps_hostrows *s, const struct ps_host_result *r, uint64_t key);
void ps_hostrows_free(struct ps_hostrows *s);

/* The kept rows as a table and its summary line ("N addresses, M hosts up in T s") or as
 * the discover document (NDJSON: nothing, the lines were streamed). Returns 0, or -1 when
 * out of memory. */
int ps_report_hosts(FILE *f, enum ps_format fmt, struct ps_hostrows *s, double elapsed_ms,
		    const struct ps_view *v);

/* scan's per-host summary: "hosts": [{"address", "proto", "state", "ports": {state: n}}]
 * for each host of h that is up (every host with h->all), into the document j has open. */
void ps_report_host_summary(struct ps_json *j, const struct ps_hostsum *h);

#endif
