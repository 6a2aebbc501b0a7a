/* Prometheus text exposition (format 0.0.4): HELP and TYPE lines, then samples whose
 * label values are escaped as the format requires. Metric names start "portscope_". */
#ifndef PS_PROM_H
#define PS_PROM_H

#include <stdio.h>

#include "probe/exporter_probe.h"
#include "probe/exporter_stats.h"
#include "probe/policy.h"
#include "probe/sockdiag.h"
#include "report/results.h"
#include "report/sockets.h"

/* Write s as a label value between its quotes: backslash, double quote and newline as
 * \\ \" \n, text from outside first passed through ps_escape. */
void ps_prom_label(FILE *f, const char *s);

/* portscope_listening{proto,family,address,port,service,exposure,command} (sockets
 * sharing one label set are counted in one sample) and
 * portscope_listening_sockets{proto,exposure}. Returns 0, or -1 on out of memory. */
int ps_prom_listening(FILE *f, const struct sock_rec *const *recs, size_t n,
		      const struct ps_view *view);

struct ps_prom_audit_counts {
	size_t sockets;		/* listening sockets checked */
	size_t nallow, nrequire;
};

/* portscope_audit_findings{kind}, portscope_audit_unexpected{labels of
 * portscope_listening}, portscope_audit_missing{rule}, portscope_audit_sockets and
 * portscope_audit_rules{section}. Returns 0, or -1 on out of memory. */
int ps_prom_audit(FILE *f, const struct ps_finding *v, size_t n,
		  const struct ps_prom_audit_counts *c, const struct ps_view *view);

/* Probe results (the same names for check and scan): portscope_probe_success and
 * portscope_probe_rtt_seconds{proto,target,address,port} per kept result (success: open,
 * and matching --expect), portscope_probe_results{state} counting every result, and
 * portscope_probe_duration_seconds; with TLS results, per kept result with TLS:
 * portscope_tls_cert_not_after_seconds, portscope_tls_chain_earliest_not_after_seconds
 * (when the certificate is known), portscope_tls_verify_ok and
 * portscope_tls_version_info{...,version} (when one was negotiated). */
void ps_prom_results(FILE *f, const struct ps_resultset *s, double elapsed_ms);

/* The page of one exporter /probe: probe_success, probe_duration_seconds,
 * probe_ip_protocol (blackbox_exporter's names), portscope_probe_rtt_seconds,
 * portscope_probe_state{state}, portscope_probe_reason{reason}, and for TLS
 * probe_ssl_earliest_cert_expiry and probe_tls_version_info{version}. */
void ps_prom_probe(FILE *f, const struct ps_xprobe *p);

/* The exporter's own figures: portscope_build_info{version}, scrapes and their time,
 * requests, refusals by code, probes in flight, probes by module and result, probe time
 * by module, config reloads. */
void ps_prom_exporter(FILE *f, const struct ps_xstats *s, const char *version);

#endif
