/* Host records of scan --discover-only and scan's per-host summary (see report/hosts.h).
 * Addresses are numeric text and reasons static names, yet tables escape them all the same
 * (a scope is an interface name, which the user typed). */
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/grow.h"
#include "probe/proto.h"
#include "report/hosts.h"
#include "report/table.h"

static void host_fields(struct ps_json *j, const char *address, bool up, const char *reason,
			double rtt_ms)
{
	ps_json_str(j, "address", address);
	ps_json_str(j, "state", up ? "up" : "down");
	ps_json_str(j, "reason", reason);
	if (rtt_ms < 0)
		ps_json_null(j, "rtt_ms");
	else
		ps_json_double(j, "rtt_ms", rtt_ms, 3);
}

void ps_report_host_line(FILE *f, const struct ps_host_result *r)
{
	struct ps_json j;

	ps_json_line_begin(&j, f);
	host_fields(&j, r->address, r->up, r->reason, r->rtt_ms);
	ps_json_line_end(&j);
}

int ps_hostrows_add(struct ps_hostrows *s, const struct ps_host_result *r, uint64_t key)
{
	struct ps_host_row *row, *nv = ps_grow(s->v, &s->cap, s->len, sizeof(*nv), 64);

	if (!nv)
		return -1;
	s->v = nv;
	row = &s->v[s->len++];
	row->key = key;
	memcpy(row->address, r->address, sizeof(row->address));
	row->up = r->up;
	row->reason = r->reason;
	row->rtt_ms = (float)r->rtt_ms;
	return 0;
}

void ps_hostrows_free(struct ps_hostrows *s)
{
	free(s->v);
	s->v = NULL;
	s->len = s->cap = 0;
}

static int row_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct ps_host_row *)a)->key, y = ((const struct ps_host_row *)b)->key;

	return x < y ? -1 : x > y;
}

static size_t f_address(const void *rec, const void *ctx, char *buf, size_t len)
{
	const char *s = ((const struct ps_host_row *)rec)->address;

	(void)ctx;
	return ps_escape(s, strlen(s), buf, len);
}

static size_t f_state(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_str(buf, len, 0, ((const struct ps_host_row *)rec)->up ? "up" : "down");
}

static size_t f_reason(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_str(buf, len, 0, ((const struct ps_host_row *)rec)->reason);
}

static size_t f_rtt(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_host_row *r = rec;

	(void)ctx;
	if (r->rtt_ms < 0)
		return ps_cell_str(buf, len, 0, "-");
	return (size_t)snprintf(buf, len, "%.2f ms", r->rtt_ms);
}

static const struct ps_column host_columns[] = {
	{ "ADDRESS", f_address, false, 0 },
	{ "STATE", f_state, false, 0 },
	{ "REASON", f_reason, false, 0 },
	{ "RTT", f_rtt, true, 0 },
};

int ps_report_hosts(FILE *f, enum ps_format fmt, struct ps_hostrows *s, double elapsed_ms,
		    const struct ps_view *v)
{
	struct ps_json j;

	if (s->len)
		qsort(s->v, s->len, sizeof(*s->v), row_cmp);
	switch (fmt) {
	case PS_FMT_JSON:
		ps_json_init(&j, f, 2);
		ps_json_begin_doc(&j, "discover");
		ps_json_array(&j, "hosts");
		for (size_t i = 0; i < s->len; i++) {
			const struct ps_host_row *r = &s->v[i];

			ps_json_object(&j, NULL);
			host_fields(&j, r->address, r->up, r->reason, r->rtt_ms);
			ps_json_end(&j);
		}
		ps_json_end(&j);
		ps_json_object(&j, "summary");
		ps_json_int(&j, "addresses", (long long)s->addresses);
		ps_json_int(&j, "hosts_up", (long long)s->up);
		ps_json_double(&j, "elapsed_ms", elapsed_ms, 1);
		ps_json_bool(&j, "interrupted", s->interrupted);
		ps_json_end(&j);
		ps_json_end_doc(&j);
		return 0;
	case PS_FMT_NDJSON:
		return 0;
	default:
		if (s->len && ps_table_render(f, host_columns, 4, s->v, sizeof(*s->v), s->len,
					      NULL, v->table_flags) < 0)
			return -1;
		fprintf(f, "%llu address%s, %llu host%s up in %.2f s%s\n", s->addresses,
			s->addresses == 1 ? "" : "es", s->up, s->up == 1 ? "" : "s",
			elapsed_ms / 1000.0, s->interrupted ? " (interrupted)" : "");
		return 0;
	}
}

void ps_report_host_summary(struct ps_json *j, const struct ps_hostsum *h)
{
	char address[PS_ADDRTEXT_MAX];

	ps_json_array(j, "hosts");
	for (size_t t = 0; t < h->n; t++) {
		uint8_t proto = 0;
		bool up = h->host(h->ctx, (uint32_t)t, address, sizeof(address), &proto);

		if (!up && !h->all)
			continue;
		ps_json_object(j, NULL);
		ps_json_str(j, "address", address);
		ps_json_str(j, "proto", ps_proto_name(proto));
		ps_json_str(j, "state", up ? "up" : "down");
		ps_json_object(j, "ports");
		for (int st = 0; st < PS_NSTATES; st++)
			ps_json_int(j, ps_probe_state_name((enum ps_probe_state)st),
				    (long long)h->counts[t][st]);
		ps_json_end(j);
		ps_json_end(j);
	}
	ps_json_end(j);
}
