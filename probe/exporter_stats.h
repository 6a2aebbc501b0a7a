/* The exporter's own figures, as plain data: counted by the server (probe/exporter_http.c)
 * under its lock, copied out for a scrape and rendered by report/prom.c. */
#ifndef PS_EXPORTER_STATS_H
#define PS_EXPORTER_STATS_H

#include <stdint.h>

#include "probe/exporter_cfg.h"

#define PS_XSTATS_MODULES 64	/* modules counted by name; the rest as "other" */

struct ps_xstats_module {
	char name[PS_XMOD_NAME_MAX];
	uint64_t success, failure;	/* probes run, by probe_success */
	double seconds;			/* their probe_duration_seconds summed */
};

/* Refusals by HTTP status. */
enum ps_xrefusal { PS_XREF_400, PS_XREF_403, PS_XREF_404, PS_XREF_405, PS_XREF_503,
		   PS_XREF_N };

struct ps_xstats {
	uint64_t scrapes;		/* GET /metrics served */
	double scrape_seconds;		/* their time, summed */
	uint64_t requests;		/* every request answered */
	uint64_t refused[PS_XREF_N];
	uint64_t reloads, reload_failures;
	unsigned in_flight;		/* probes running now */
	unsigned nmods;
	struct ps_xstats_module mods[PS_XSTATS_MODULES + 1];	/* + "other" */
	double start_time;		/* UNIX seconds the exporter started */
};

#endif
