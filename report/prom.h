/* Prometheus text exposition (format 0.0.4): HELP and TYPE lines, then samples whose
 * label values are escaped as the format requires. Metric names start "portscope_". */
#ifndef PS_PROM_H
#define PS_PROM_H

#include <stdio.h>

#include "probe/policy.h"
#include "probe/result.h"
#include "probe/sockdiag.h"
#include "report/sockets.h"

/* Write s as a label value between its quotes: backslash, double quote and newline as
 * \\ \" \n, text from outside first passed through ps_escape. */
void ps_prom_label(FILE *f, const char *s);

/* portscope_listening{proto,family,address,port,service,exposure,command} (sockets
 * sharing one label set are counted in one sample) and
 * portscope_listening_sockets{proto,exposure}. Returns 0, or -1 on out of memory. */
int ps_prom_listening(FILE *f, const struct sock_rec *const *recs, size_t n,
		      const struct ps_sock_view *view);

struct ps_prom_audit_counts {
	size_t sockets;		/* listening sockets checked */
	size_t nallow, nrequire;
};

/* portscope_audit_findings{kind}, portscope_audit_unexpected{labels of
 * portscope_listening}, portscope_audit_missing{rule}, portscope_audit_sockets and
 * portscope_audit_rules{section}. Returns 0, or -1 on out of memory. */
int ps_prom_audit(FILE *f, const struct ps_finding *v, size_t n,
		  const struct ps_prom_audit_counts *c, const struct ps_sock_view *view);

/* Probe results (check, scan) as they stream: portscope_probe_success{proto,target,
 * address,port} 1 or 0 is written at once; portscope_probe_rtt_seconds{...} (for results
 * with a time) is kept in memory and written by ps_prom_probes_end, since a metric's
 * samples must stay together. */
struct ps_prom_probes {
	FILE *f;
	FILE *rtt;		/* memory stream of the rtt samples */
	char *rtt_buf;
	size_t rtt_len;
	size_t n;
	int failed;
};

/* Start on f. Returns 0, or -1 on out of memory. */
int ps_prom_probes_begin(struct ps_prom_probes *p, FILE *f);
/* One result (success is state open). */
void ps_prom_probes_add(struct ps_prom_probes *p, const struct probe_result *r);
/* Write the rtt samples and portscope_probe_duration_seconds (elapsed_ms); frees p.
 * Returns 0, or -1 when memory ran out on the way. */
int ps_prom_probes_end(struct ps_prom_probes *p, double elapsed_ms);

#endif
