/* Prometheus text exposition. A scrape (or node_exporter's textfile collector) rejects a
 * document with two samples of one name and label set, so records that would render
 * identically are folded into one sample whose value counts them. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cgroup.h"
#include "probe/proto.h"
#include "probe/ports.h"
#include "probe/escape.h"
#include "report/audit.h"
#include "report/prom.h"

#define LINE_MAX_LEN 1024

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

void ps_prom_label(FILE *f, const char *s)
{
	char buf[LINE_MAX_LEN];

	ps_escape(s, strlen(s), buf, sizeof(buf));
	put_escaped(f, buf);
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct commands of r, escaped, sorted and joined with ','. */
static void commands(const struct sock_rec *r, char *buf, size_t len)
{
	const char *names[64] = { 0 };
	size_t n = 0, o = 0;

	for (uint32_t i = 0; i < r->nprocs && n < 64; i++) {
		bool seen = false;

		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(names[k], r->procs[i].command) == 0;
		if (!seen)
			names[n++] = r->procs[i].command;
	}
	qsort(names, n, sizeof(names[0]), str_cmp);
	buf[0] = '\0';
	for (size_t k = 0; k < n && o + 1 < len; k++) {
		if (k > 0)
			buf[o++] = ',';
		o += ps_escape(names[k], strlen(names[k]), buf + o, len - o);
	}
}

/* The label set of r's portscope_listening sample, written into a memory stream. */
static char *listening_labels(const struct sock_rec *r, const struct ps_view *view)
{
	char addr[INET6_ADDRSTRLEN], cmd[512];
	const char *svc = ps_report_service(r, view);
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m)
		return NULL;
	commands(r, cmd, sizeof(cmd));
	fprintf(m, "proto=\"%s\",family=\"%s\",address=\"%s\",port=\"%u\",service=\"",
		ps_proto_name(r->proto), ps_family_name(r->family),
		ps_report_addr(r, true, addr, sizeof(addr)), r->local_port);
	put_escaped(m, svc ? svc : "");	/* escaped when the services file was read */
	fprintf(m, "\",exposure=\"%s\",command=\"", ps_exposure_name(ps_sock_exposure(r)));
	put_escaped(m, cmd);	/* already passed through ps_escape */
	fputs("\",unit=\"", m);
	if (r->cgroup && r->cgroup->info.unit[0])
		ps_prom_label(m, r->cgroup->info.unit);
	fputc('"', m);
	if (fclose(m) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Samples of name for the n records, one per distinct label set, valued by its count. */
static int labelled_samples(FILE *f, const char *name, const struct sock_rec *const *recs,
			    size_t n, const struct ps_view *view)
{
	char **lines = calloc(n ? n : 1, sizeof(*lines));
	int rc = 0;

	if (!lines)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(lines[i] = listening_labels(recs[i], view))) {
			rc = -1;
			goto end;
		}
	}
	qsort(lines, n, sizeof(*lines), str_cmp);
	for (size_t i = 0; i < n;) {
		size_t k = i + 1;

		while (k < n && strcmp(lines[k], lines[i]) == 0)
			k++;
		fprintf(f, "%s{%s} %zu\n", name, lines[i], k - i);
		i = k;
	}
end:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return rc;
}

int ps_prom_listening(FILE *f, const struct sock_rec *const *recs, size_t n,
		      const struct ps_view *view)
{
	size_t counts[2][3] = { { 0 } };

	for (size_t i = 0; i < n; i++)
		counts[recs[i]->proto == IPPROTO_UDP][ps_sock_exposure(recs[i])]++;
	header(f, "portscope_listening", "gauge",
	       "Listening sockets by protocol, address, port and owner (normally 1).");
	if (labelled_samples(f, "portscope_listening", recs, n, view) < 0)
		return -1;
	header(f, "portscope_listening_sockets", "gauge",
	       "Number of listening sockets by protocol and exposure.");
	for (int p = 0; p < 2; p++)
		for (int e = 0; e < 3; e++)
			fprintf(f, "portscope_listening_sockets{proto=\"%s\",exposure=\"%s\"} %zu\n",
				ps_proto_name(p ? IPPROTO_UDP : IPPROTO_TCP),
				ps_exposure_name((enum ps_exposure)e), counts[p][e]);
	return 0;
}

int ps_prom_audit(FILE *f, const struct ps_finding *v, size_t n,
		  const struct ps_prom_audit_counts *c, const struct ps_view *view)
{
	const struct sock_rec **unexpected = calloc(n ? n : 1, sizeof(const struct sock_rec *));
	size_t kinds[2] = { 0 }, nu = 0;
	char rule[512];
	int rc;

	if (!unexpected)
		return -1;
	for (size_t i = 0; i < n; i++) {
		kinds[v[i].kind]++;
		if (v[i].kind == PS_FINDING_UNEXPECTED)
			unexpected[nu++] = v[i].sock;
	}
	header(f, "portscope_audit_findings", "gauge",
	       "Audit findings by kind: unexpected listeners, missing required listeners.");
	for (int k = 0; k < 2; k++)
		fprintf(f, "portscope_audit_findings{kind=\"%s\"} %zu\n",
			ps_finding_kind_name((enum ps_finding_kind)k), kinds[k]);
	header(f, "portscope_audit_unexpected", "gauge",
	       "Listening sockets no allow rule matches, labelled as portscope_listening.");
	rc = labelled_samples(f, "portscope_audit_unexpected", unexpected, nu, view);
	free(unexpected);
	if (rc < 0)
		return -1;
	header(f, "portscope_audit_missing", "gauge", "Require rules no listening socket matches.");
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind != PS_FINDING_MISSING)
			continue;
		ps_report_rule_text(v[i].rule, rule, sizeof(rule));
		fputs("portscope_audit_missing{rule=\"", f);
		put_escaped(f, rule);	/* ps_report_rule_text escapes what came from the file */
		fputs("\"} 1\n", f);
	}
	header(f, "portscope_audit_sockets", "gauge", "Listening sockets checked by the audit.");
	fprintf(f, "portscope_audit_sockets %zu\n", c->sockets);
	header(f, "portscope_audit_rules", "gauge", "Rules in the audit policy by section.");
	fprintf(f, "portscope_audit_rules{section=\"allow\"} %zu\n", c->nallow);
	fprintf(f, "portscope_audit_rules{section=\"require\"} %zu\n", c->nrequire);
	return 0;
}

/* The probe labels of row, and version="..." when version is not NULL. */
static void prom_labels(FILE *f, const struct ps_resultset *s, const struct ps_result_row *row,
			const char *version)
{
	const struct ps_result_ep *ep = &s->eps[row->tag];

	fprintf(f, "{proto=\"%s\",target=\"", ps_proto_name(row->proto));
	ps_prom_label(f, ep->target);
	fputs("\",address=\"", f);
	ps_prom_label(f, ep->address);
	fprintf(f, "\",port=\"%u\"", row->port);
	if (version) {
		fputs(",version=\"", f);
		ps_prom_label(f, version);
		putc('"', f);
	}
	putc('}', f);
}

enum tls_metric { TLS_NOT_AFTER, TLS_CHAIN_NOT_AFTER, TLS_VERIFY_OK, TLS_VERSION };

static const struct {
	const char *name, *help;
} tls_metrics[] = {
	{ "portscope_tls_cert_not_after_seconds",
	  "The leaf certificate's notAfter, Unix seconds." },
	{ "portscope_tls_chain_earliest_not_after_seconds",
	  "The earliest notAfter of the chain the server sent, Unix seconds." },
	{ "portscope_tls_verify_ok",
	  "1 when the handshake completed and the certificate verified, else 0." },
	{ "portscope_tls_version_info", "The TLS version negotiated (value 1)." },
};

/* One TLS series over the kept rows with TLS that have the value. */
static void tls_series(FILE *f, const struct ps_resultset *s, enum tls_metric m)
{
	header(f, tls_metrics[m].name, "gauge", tls_metrics[m].help);
	for (size_t i = 0; i < s->len; i++) {
		const struct ps_tls_info *t = s->rows[i].tls;

		if (!t || ((m == TLS_NOT_AFTER || m == TLS_CHAIN_NOT_AFTER) && !t->has_cert) ||
		    (m == TLS_CHAIN_NOT_AFTER && !t->chain_earliest_not_after) ||
		    (m == TLS_VERSION && !t->version[0]))
			continue;
		fputs(tls_metrics[m].name, f);
		prom_labels(f, s, &s->rows[i], m == TLS_VERSION ? t->version : NULL);
		if (m == TLS_NOT_AFTER)
			fprintf(f, " %lld\n", (long long)t->not_after);
		else if (m == TLS_CHAIN_NOT_AFTER)
			fprintf(f, " %lld\n", (long long)t->chain_earliest_not_after);
		else if (m == TLS_VERIFY_OK)
			fprintf(f, " %d\n", t->handshake_done && t->verify == PS_TLS_VERIFY_OK);
		else
			fputs(" 1\n", f);
	}
}

void ps_prom_results(FILE *f, const struct ps_resultset *s, double elapsed_ms)
{
	header(f, "portscope_probe_success", "gauge",
	       "1 when the port is open (and the reply matched --expect, TLS worked), else 0.");
	for (size_t i = 0; i < s->len; i++) {
		const struct ps_result_row *row = &s->rows[i];

		fputs("portscope_probe_success", f);
		prom_labels(f, s, row, NULL);
		fprintf(f, " %d\n", row->state == PS_PROBE_OPEN && row->expect_ok != 0 &&
				     (!row->tls || row->tls->ok));
	}
	header(f, "portscope_probe_rtt_seconds", "gauge", "Connect start (or datagram sent) to verdict.");
	for (size_t i = 0; i < s->len; i++) {
		const struct ps_result_row *row = &s->rows[i];

		if (row->rtt_ms < 0)
			continue;
		fputs("portscope_probe_rtt_seconds", f);
		prom_labels(f, s, row, NULL);
		fprintf(f, " %.6f\n", row->rtt_ms / 1000.0);
	}
	header(f, "portscope_probe_results", "gauge", "Probe results by state (shown or not).");
	for (int st = 0; st < PS_NSTATES; st++)
		fprintf(f, "portscope_probe_results{state=\"%s\"} %zu\n",
			ps_probe_state_name((enum ps_probe_state)st), s->counts[st]);
	header(f, "portscope_probe_duration_seconds", "gauge", "Time the whole run took.");
	fprintf(f, "portscope_probe_duration_seconds %.6f\n", elapsed_ms / 1000.0);
	for (size_t i = 0; i < s->len; i++) {
		if (s->rows[i].tls) {
			for (int m = TLS_NOT_AFTER; m <= TLS_VERSION; m++)
				tls_series(f, s, (enum tls_metric)m);
			break;
		}
	}
}

/* The page of one /probe request, blackbox_exporter's names first. */
void ps_prom_probe(FILE *f, const struct ps_xprobe *p)
{
	header(f, "probe_success", "gauge", "Whether the probe was a success.");
	fprintf(f, "probe_success %d\n", p->success);
	header(f, "probe_duration_seconds", "gauge",
	       "How long the probe took to complete in seconds.");
	fprintf(f, "probe_duration_seconds %.6f\n", p->duration_s);
	header(f, "probe_ip_protocol", "gauge", "Specifies whether probe ip protocol is IP4 or IP6.");
	fprintf(f, "probe_ip_protocol %d\n", p->ip_protocol);
	if (p->r.rtt_ms >= 0) {
		header(f, "portscope_probe_rtt_seconds", "gauge",
		       "Connect start (or datagram sent) to verdict.");
		fprintf(f, "portscope_probe_rtt_seconds %.6f\n", p->r.rtt_ms / 1000.0);
	}
	header(f, "portscope_probe_state", "gauge", "The probe's state: 1 for the one it ended in.");
	for (int st = 0; st < PS_NSTATES; st++)
		fprintf(f, "portscope_probe_state{state=\"%s\"} %d\n",
			ps_probe_state_name((enum ps_probe_state)st), (int)p->r.state == st);
	header(f, "portscope_probe_reason", "gauge", "Why the probe ended as it did.");
	fputs("portscope_probe_reason{reason=\"", f);
	ps_prom_label(f, p->reason ? p->reason : "none");
	fputs("\"} 1\n", f);
	if (p->has_tls && p->tls.handshake_done && p->tls.chain_earliest_not_after) {
		header(f, "probe_ssl_earliest_cert_expiry", "gauge",
		       "Returns last SSL chain expiry in unixtime.");
		fprintf(f, "probe_ssl_earliest_cert_expiry %lld\n",
			(long long)p->tls.chain_earliest_not_after);
		header(f, "probe_tls_version_info", "gauge", "Returns the TLS version used or NaN when unknown.");
		fputs("probe_tls_version_info{version=\"", f);
		ps_prom_label(f, p->tls.version);
		fputs("\"} 1\n", f);
	}
}

/* The exporter's own figures, after the scrape-time inventory of /metrics. */
void ps_prom_exporter(FILE *f, const struct ps_xstats *s, const char *version)
{
	static const char *const codes[PS_XREF_N] = { "400", "403", "404", "405", "503" };

	header(f, "portscope_build_info", "gauge", "The portscope version serving these metrics.");
	fputs("portscope_build_info{version=\"", f);
	ps_prom_label(f, version);
	fputs("\"} 1\n", f);
	header(f, "portscope_exporter_start_time_seconds", "gauge",
	       "When the exporter started, in UNIX seconds.");
	fprintf(f, "portscope_exporter_start_time_seconds %.0f\n", s->start_time);
	header(f, "portscope_exporter_scrape_duration_seconds", "summary",
	       "Time taken by /metrics to gather the inventory.");
	fprintf(f, "portscope_exporter_scrape_duration_seconds_sum %.6f\n"
		   "portscope_exporter_scrape_duration_seconds_count %llu\n",
		s->scrape_seconds, (unsigned long long)s->scrapes);
	header(f, "portscope_exporter_requests_total", "counter", "HTTP requests answered.");
	fprintf(f, "portscope_exporter_requests_total %llu\n", (unsigned long long)s->requests);
	header(f, "portscope_exporter_refused_total", "counter",
	       "Requests refused, by HTTP status (400 bad query, 403 target not allowed, 503 "
	       "too many probes in flight).");
	for (int k = 0; k < PS_XREF_N; k++)
		fprintf(f, "portscope_exporter_refused_total{code=\"%s\"} %llu\n", codes[k],
			(unsigned long long)s->refused[k]);
	header(f, "portscope_exporter_probes_in_flight", "gauge", "Probes running now.");
	fprintf(f, "portscope_exporter_probes_in_flight %u\n", s->in_flight);
	header(f, "portscope_exporter_probes_total", "counter", "Probes run, by module and result.");
	for (unsigned i = 0; i <= PS_XSTATS_MODULES; i++) {
		const struct ps_xstats_module *m = &s->mods[i];

		if (i >= s->nmods && (i < PS_XSTATS_MODULES || !m->name[0]))
			continue;
		fprintf(f, "portscope_exporter_probes_total{module=\"");
		ps_prom_label(f, m->name);
		fprintf(f, "\",result=\"success\"} %llu\n", (unsigned long long)m->success);
		fprintf(f, "portscope_exporter_probes_total{module=\"");
		ps_prom_label(f, m->name);
		fprintf(f, "\",result=\"failure\"} %llu\n", (unsigned long long)m->failure);
	}
	header(f, "portscope_exporter_probe_duration_seconds", "summary",
	       "Time taken by probes, by module.");
	for (unsigned i = 0; i <= PS_XSTATS_MODULES; i++) {
		const struct ps_xstats_module *m = &s->mods[i];

		if (i >= s->nmods && (i < PS_XSTATS_MODULES || !m->name[0]))
			continue;
		fputs("portscope_exporter_probe_duration_seconds_sum{module=\"", f);
		ps_prom_label(f, m->name);
		fprintf(f, "\"} %.6f\n", m->seconds);
		fputs("portscope_exporter_probe_duration_seconds_count{module=\"", f);
		ps_prom_label(f, m->name);
		fprintf(f, "\"} %llu\n", (unsigned long long)m->success + m->failure);
	}
	header(f, "portscope_exporter_config_reloads_total", "counter",
	       "Configuration reloads (SIGHUP), by result.");
	fprintf(f, "portscope_exporter_config_reloads_total{result=\"success\"} %llu\n"
		   "portscope_exporter_config_reloads_total{result=\"failure\"} %llu\n",
		(unsigned long long)(s->reloads - s->reload_failures),
		(unsigned long long)s->reload_failures);
}
