/* Rendering probe results (check, scan, broadcast): a table, a JSON document
 * {"schema": "portscope.<command>/1", ..., "results": [...], "summary": {...}}, or NDJSON
 * lines. Results for the table and document are kept compactly in a ps_resultset (about
 * 48 bytes each, text only when a result has an error or banner), so a full-range scan
 * with --all-states stays small; NDJSON needs no set at all. */
#ifndef PS_REPORT_RESULTS_H
#define PS_REPORT_RESULTS_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/result.h"
#include "probe/tls.h"
#include "report/format.h"
#include "report/json.h"

#define PS_NSTATES (PS_PROBE_ERROR + 1)

/* The fields of one probe record (docs/design.md) into the object j has open. */
void ps_report_result_fields(struct ps_json *j, const struct probe_result *r,
			     const struct ps_view *v);

/* One result as an NDJSON line. */
void ps_report_result_line(FILE *f, const struct probe_result *r, const struct ps_view *v);

/* A kept result: target and address live once per endpoint (tag), in ps_result_ep. */
struct ps_result_row {
	uint32_t tag;
	uint16_t port;
	uint8_t proto, state;
	int8_t expect_ok;
	uint16_t banner_len;
	float rtt_ms;
	const char *reason;	/* static text from the engine */
	char *error;		/* NULL when none */
	char *banner;		/* raw bytes, NULL when none */
	struct ps_tls_info *tls;	/* ps_report_tls_keep's copy, NULL when no TLS */
};

struct ps_result_ep {
	char *target, *address;
	int family;
};

/* A scan's per-host summary for its JSON document: a count per state for each host (tag),
 * the host's address, protocol and whether it is up from host(). */
struct ps_hostsum {
	uint32_t (*counts)[PS_NSTATES];	/* indexed by tag; NULL: no per-host summary */
	size_t n;
	bool all;			/* list hosts that are not up too */
	bool (*host)(void *ctx, uint32_t tag, char *address, size_t len, uint8_t *proto);
	void *ctx;
};

/* Results kept for the table and the document, plus counts of every result seen. */
struct ps_resultset {
	struct ps_result_row *rows;
	size_t len, cap;
	struct ps_result_ep *eps;	/* indexed by probe_result.tag (small, dense tags) */
	size_t neps;
	size_t counts[PS_NSTATES];
	size_t total;
	bool interrupted;		/* stopped early: the summary says so */
	bool has_hosts;			/* scan: addresses and hosts_up are shown */
	unsigned long long addresses, hosts_up;
	struct ps_hostsum hostsum;	/* scan -o json */
};

/* Count r, and keep it for rendering when keep is true. Returns 0, or -1 when out of
 * memory. */
int ps_resultset_add(struct ps_resultset *s, const struct probe_result *r, bool keep);

void ps_resultset_free(struct ps_resultset *s);

/* Render the kept results, ordered by tag then port, as a table followed by a summary
 * line, or as a JSON document for command ("check", "scan"), with counts per state and
 * elapsed_ms and interrupted in its summary. note (or NULL) is added to the table's summary line.
 * Returns 0, or -1 when out of memory. */
int ps_report_results(FILE *f, enum ps_format fmt, const char *command, struct ps_resultset *s,
		      double elapsed_ms, const char *note, const struct ps_view *v);

#endif
