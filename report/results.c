/* Probe results as table, JSON document and NDJSON. Banners and error texts come from
 * outside and are escaped here (ps_escape, also inside the JSON writer); every decision
 * about a result was made by the engine. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ports.h"
#include "probe/proto.h"
#include "probe/targets.h"
#include "probe/escape.h"
#include "report/hosts.h"
#include "report/prom.h"
#include "report/results.h"
#include "report/table.h"
#include "report/tls.h"

/* An unresolved target has no address, so no family: null. */
static const char *family_name(int family)
{
	return family == AF_INET || family == AF_INET6 ? ps_family_name(family) : NULL;
}

void ps_report_result_fields(struct ps_json *j, const struct probe_result *r,
			     const struct ps_view *v)
{
	ps_json_str(j, "target", r->target);
	ps_json_str(j, "address", r->address[0] ? r->address : NULL);
	ps_json_str(j, "family", family_name(r->family));
	ps_json_str(j, "proto", ps_proto_name(r->proto));
	if (r->port)
		ps_json_int(j, "port", r->port);
	else
		ps_json_null(j, "port");
	ps_json_str(j, "state", ps_probe_state_name(r->state));
	if (r->rtt_ms >= 0)
		ps_json_double(j, "rtt_ms", r->rtt_ms, 3);
	else
		ps_json_null(j, "rtt_ms");
	ps_json_str(j, "reason", r->reason);
	ps_json_str(j, "error", r->error[0] ? r->error : NULL);
	ps_json_str(j, "service",
		    r->port && !v->numeric ? ps_ports_service(r->port, r->proto) : NULL);
	ps_json_str(j, "port_class", r->port ? ps_ports_class_name(ps_ports_class(r->port)) : NULL);
	if (r->has_banner)
		ps_json_strn(j, "banner", r->banner, r->banner_len);
	else
		ps_json_null(j, "banner");
	ps_report_tls_json(j, r->tls);
}

void ps_report_result_line(FILE *f, const struct probe_result *r, const struct ps_view *v)
{
	struct ps_json j;

	ps_json_line_begin(&j, f);
	ps_report_result_fields(&j, r, v);
	ps_json_line_end(&j);
}

static char *dup_text(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int add_ep(struct ps_resultset *s, const struct probe_result *r)
{
	if (r->tag >= s->neps) {
		size_t n = s->neps ? s->neps : 8;
		struct ps_result_ep *ne;

		while (n <= r->tag)
			n *= 2;
		ne = realloc(s->eps, n * sizeof(*ne));
		if (!ne)
			return -1;
		memset(ne + s->neps, 0, (n - s->neps) * sizeof(*ne));
		s->eps = ne;
		s->neps = n;
	}
	if (!s->eps[r->tag].target) {
		struct ps_result_ep *ep = &s->eps[r->tag];

		ep->target = dup_text(r->target, strlen(r->target));
		ep->address = dup_text(r->address, strlen(r->address));
		ep->family = r->family;
		if (!ep->target || !ep->address)
			return -1;
	}
	return 0;
}

int ps_resultset_add(struct ps_resultset *s, const struct probe_result *r, bool keep)
{
	struct ps_result_row *row;

	s->total++;
	if ((unsigned)r->state < PS_NSTATES) {
		s->counts[r->state]++;
		if (s->hostsum.counts && r->tag < s->hostsum.n)
			s->hostsum.counts[r->tag][r->state]++;
	}
	if (!keep)
		return 0;
	if (add_ep(s, r) < 0)
		return -1;
	if (s->len == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 64;
		struct ps_result_row *nr = realloc(s->rows, n * sizeof(*nr));

		if (!nr)
			return -1;
		s->rows = nr;
		s->cap = n;
	}
	row = &s->rows[s->len];
	memset(row, 0, sizeof(*row));
	row->tag = r->tag;
	row->port = r->port;
	row->proto = r->proto;
	row->state = (uint8_t)r->state;
	row->expect_ok = (int8_t)r->expect_ok;
	row->rtt_ms = (float)r->rtt_ms;
	row->reason = r->reason;
	if (r->error[0] && !(row->error = dup_text(r->error, strlen(r->error))))
		return -1;
	if (r->has_banner) {
		if (!(row->banner = dup_text(r->banner, r->banner_len)))
			return -1;
		row->banner_len = (uint16_t)r->banner_len;
	}
	if (r->tls && !(row->tls = ps_report_tls_keep(r->tls)))
		return -1;
	s->len++;
	return 0;
}

void ps_resultset_free(struct ps_resultset *s)
{
	for (size_t i = 0; i < s->len; i++) {
		free(s->rows[i].error);
		free(s->rows[i].banner);
		free(s->rows[i].tls);
	}
	for (size_t i = 0; i < s->neps; i++) {
		free(s->eps[i].target);
		free(s->eps[i].address);
	}
	free(s->rows);
	free(s->eps);
	memset(s, 0, sizeof(*s));
}

/* Rebuild the full record of a kept row. */
static void row_result(const struct ps_resultset *s, const struct ps_result_row *row,
		       struct probe_result *r)
{
	const struct ps_result_ep *ep = &s->eps[row->tag];

	memset(r, 0, sizeof(*r));
	snprintf(r->target, sizeof(r->target), "%s", ep->target);
	snprintf(r->address, sizeof(r->address), "%s", ep->address);
	r->family = ep->family;
	r->proto = row->proto;
	r->port = row->port;
	r->state = (enum ps_probe_state)row->state;
	r->rtt_ms = row->rtt_ms;
	r->reason = row->reason;
	r->expect_ok = (int)row->expect_ok;	/* -1, 0 or 1: the sign is meant */
	r->tag = row->tag;
	if (row->error)
		snprintf(r->error, sizeof(r->error), "%s", row->error);
	if (row->banner) {
		memcpy(r->banner, row->banner, row->banner_len);
		r->banner_len = row->banner_len;
		r->has_banner = 1;
	}
	r->tls = row->tls;
}

static int row_cmp(const void *a, const void *b)
{
	const struct ps_result_row *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

struct table_ctx {
	const struct ps_resultset *s;
	const struct ps_view *v;
};

static size_t f_target(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct table_ctx *t = ctx;
	const char *s = t->s->eps[((const struct ps_result_row *)rec)->tag].target;

	return ps_escape(s, strlen(s), buf, len);
}

static size_t f_address(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct table_ctx *t = ctx;
	const char *s = t->s->eps[((const struct ps_result_row *)rec)->tag].address;

	return (size_t)snprintf(buf, len, "%s", *s ? s : "-");
}

static size_t f_port(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_result_row *r = rec;

	(void)ctx;
	if (!r->port)
		return (size_t)snprintf(buf, len, "-/%s", ps_proto_name(r->proto));
	return (size_t)snprintf(buf, len, "%u/%s", r->port, ps_proto_name(r->proto));
}

static size_t f_state(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return (size_t)snprintf(buf, len, "%s",
				ps_probe_state_name(((const struct ps_result_row *)rec)->state));
}

static size_t f_service(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_result_row *r = rec;
	const struct table_ctx *t = ctx;
	const char *s = r->port && !t->v->numeric ? ps_ports_service(r->port, r->proto) : NULL;

	return (size_t)snprintf(buf, len, "%s", s ? s : "-");
}

static size_t f_reason(const void *rec, const void *ctx, char *buf, size_t len)
{
	const char *s = ((const struct ps_result_row *)rec)->reason;

	(void)ctx;
	return (size_t)snprintf(buf, len, "%s", s ? s : "-");
}

static size_t f_rtt(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_result_row *r = rec;

	(void)ctx;
	if (r->rtt_ms < 0)
		return (size_t)snprintf(buf, len, "-");
	return (size_t)snprintf(buf, len, "%.2f ms", r->rtt_ms);
}

static size_t f_detail(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_result_row *r = rec;

	(void)ctx;
	if (r->error)
		return ps_escape(r->error, strlen(r->error), buf, len);
	if (r->tls && ps_report_tls_problem(r->tls, buf, len) > 0)
		return strlen(buf);
	if (r->banner)
		return ps_escape(r->banner, r->banner_len, buf, len);
	return (size_t)snprintf(buf, len, "-");
}

/* The TLS cells of a row; "-" for a row without TLS (a closed port of a --tls scan). */
#define TLS_FIELD(name, fn) \
	static size_t name(const void *rec, const void *ctx, char *buf, size_t len) \
	{ \
		const struct ps_result_row *r = rec; \
		(void)ctx; \
		return r->tls ? fn(r->tls, buf, len) : (size_t)snprintf(buf, len, "-"); \
	}
TLS_FIELD(f_verify, ps_report_tls_verify)
TLS_FIELD(f_days, ps_report_tls_days)
TLS_FIELD(f_subject, ps_report_tls_subject)

static const struct ps_column result_columns[] = {
	{ "TARGET", f_target, false },
	{ "ADDRESS", f_address, false },
	{ "PORT", f_port, true },
	{ "STATE", f_state, false },
	{ "SERVICE", f_service, false },
	{ "REASON", f_reason, false },
	{ "RTT", f_rtt, true },
};
#define NBASE (sizeof(result_columns) / sizeof(result_columns[0]))

/* Shown only when a row has TLS. */
static const struct ps_column tls_columns[] = {
	{ "VERIFY", f_verify, false },
	{ "DAYS", f_days, true },
	{ "SUBJECT", f_subject, false },
};
#define NTLS (sizeof(tls_columns) / sizeof(tls_columns[0]))

/* Error text, a failed verification or banner: shown only when one exists. */
static const struct ps_column detail_column = { "DETAIL", f_detail, false };

/* The columns for s: the base ones, TLS when a row has it, DETAIL when a row has one. */
static size_t table_columns(const struct ps_resultset *s, struct ps_column *cols)
{
	bool tls = false, detail = false;
	size_t n = NBASE;

	for (size_t i = 0; i < s->len; i++) {
		tls |= s->rows[i].tls != NULL;
		detail |= s->rows[i].error || s->rows[i].banner ||
			  (s->rows[i].tls && s->rows[i].tls->verify != PS_TLS_VERIFY_OK);
	}
	memcpy(cols, result_columns, sizeof(result_columns));
	if (tls) {
		memcpy(cols + n, tls_columns, sizeof(tls_columns));
		n += NTLS;
	}
	if (detail)
		cols[n++] = detail_column;
	return n;
}

static void summary_line(FILE *f, const struct ps_resultset *s, double elapsed_ms,
			 const char *note)
{
	bool first = true;

	fprintf(f, "%zu result%s in %.2f s", s->total, s->total == 1 ? "" : "s",
		elapsed_ms / 1000.0);
	for (int st = 0; st < PS_NSTATES; st++) {
		if (!s->counts[st])
			continue;
		fprintf(f, "%s %zu %s", first ? ":" : ",", s->counts[st],
			ps_probe_state_name((enum ps_probe_state)st));
		first = false;
	}
	if (note)
		fprintf(f, " (%s)", note);
	if (s->interrupted)
		fputs(" (interrupted)", f);
	putc_unlocked('\n', f);
	if (s->has_hosts)
		fprintf(f, "%llu address%s, %llu host%s up\n", s->addresses,
			s->addresses == 1 ? "" : "es", s->hosts_up, s->hosts_up == 1 ? "" : "s");
}

static void write_summary(struct ps_json *j, const struct ps_resultset *s, double elapsed_ms)
{
	ps_json_object(j, "summary");
	ps_json_int(j, "total", (long long)s->total);
	for (int st = 0; st < PS_NSTATES; st++)
		ps_json_int(j, ps_probe_state_name((enum ps_probe_state)st), (long long)s->counts[st]);
	ps_json_double(j, "elapsed_ms", elapsed_ms, 1);
	ps_json_bool(j, "interrupted", s->interrupted);
	if (s->has_hosts) {
		ps_json_int(j, "addresses", (long long)s->addresses);
		ps_json_int(j, "hosts_up", (long long)s->hosts_up);
	}
	ps_json_end(j);
}

int ps_report_results(FILE *f, enum ps_format fmt, const char *command, struct ps_resultset *s,
		      double elapsed_ms, const char *note, const struct ps_view *v)
{
	struct table_ctx t = { s, v };
	struct ps_column cols[NBASE + NTLS + 1];
	struct probe_result r;
	struct ps_json j;

	if (s->len)
		qsort(s->rows, s->len, sizeof(*s->rows), row_cmp);
	switch (fmt) {
	case PS_FMT_JSON:
		ps_json_init(&j, f, 2);
		ps_json_begin_doc(&j, command);
		ps_json_array(&j, "results");
		for (size_t i = 0; i < s->len; i++) {
			row_result(s, &s->rows[i], &r);
			ps_json_object(&j, NULL);
			ps_report_result_fields(&j, &r, v);
			ps_json_end(&j);
		}
		ps_json_end(&j);
		if (s->hostsum.counts)
			ps_report_host_summary(&j, &s->hostsum);
		write_summary(&j, s, elapsed_ms);
		ps_json_end_doc(&j);
		return 0;
	case PS_FMT_NDJSON:
		return 0;	/* streamed by the caller as results came */
	case PS_FMT_PROM:
		ps_prom_results(f, s, elapsed_ms);
		return 0;
	default:
		if (ps_table_render(f, cols, table_columns(s, cols), s->rows, sizeof(*s->rows),
				    s->len, &t, v->table_flags) < 0)
			return -1;
		summary_line(f, s, elapsed_ms, note);
		return 0;
	}
}
