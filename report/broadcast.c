/* Broadcast responders as table, JSON document and NDJSON. The reply text comes from
 * outside and is escaped (ps_escape in the table, the JSON writer's own escaping). */
#include <string.h>

#include "report/broadcast.h"
#include "probe/escape.h"
#include "report/json.h"
#include "report/table.h"

static void fields(struct ps_json *j, const struct ps_bcast_row *row, const struct ps_view *v)
{
	ps_report_result_fields(j, &row->r, v);
	ps_json_str(j, "interface", row->interface);
	ps_json_str(j, "broadcast", row->broadcast);
	ps_json_int(j, "reply_bytes", (long long)row->reply_bytes);
}

void ps_report_bcast_line(FILE *f, const struct ps_bcast_row *row, const struct ps_view *v)
{
	struct ps_json j;

	ps_json_line_begin(&j, f);
	fields(&j, row, v);
	ps_json_line_end(&j);
}

static size_t cell(char *buf, size_t len, const char *s)
{
	return ps_escape(s, strlen(s), buf, len);
}

static size_t f_address(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return cell(buf, len, ((const struct ps_bcast_row *)rec)->r.address);
}

static size_t f_iface(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return cell(buf, len, ((const struct ps_bcast_row *)rec)->interface);
}

static size_t f_port(const void *rec, const void *ctx, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u", ((const struct ps_bcast_row *)rec)->r.port);

	(void)ctx;
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static size_t f_rtt(const void *rec, const void *ctx, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%.2f ms", ((const struct ps_bcast_row *)rec)->r.rtt_ms);

	(void)ctx;
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static size_t f_bytes(const void *rec, const void *ctx, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%zu", ((const struct ps_bcast_row *)rec)->reply_bytes);

	(void)ctx;
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static size_t f_reply(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_bcast_row *row = rec;

	(void)ctx;
	return row->r.has_banner ? ps_escape(row->r.banner, row->r.banner_len, buf,
					     len < 81 ? len : 81) : cell(buf, len, "-");
}

int ps_report_bcast(FILE *f, enum ps_format fmt, const struct ps_bcast_row *rows, size_t n,
		    size_t interfaces, int wait_ms, const struct ps_view *v)
{
	static const struct ps_column cols[] = {
		{ "ADDRESS", f_address, false }, { "INTERFACE", f_iface, false },
		{ "PORT", f_port, true }, { "RTT", f_rtt, true }, { "BYTES", f_bytes, true },
		{ "REPLY", f_reply, false },
	};

	if (fmt == PS_FMT_NDJSON) {
		for (size_t i = 0; i < n; i++)
			ps_report_bcast_line(f, &rows[i], v);
		return 0;
	}
	if (fmt == PS_FMT_JSON) {
		struct ps_json j;

		ps_json_init(&j, f, 2);
		ps_json_begin_doc(&j, "broadcast");
		ps_json_array(&j, "results");
		for (size_t i = 0; i < n; i++) {
			ps_json_object(&j, NULL);
			fields(&j, &rows[i], v);
			ps_json_end(&j);
		}
		ps_json_end(&j);
		ps_json_object(&j, "summary");
		ps_json_int(&j, "responders", (long long)n);
		ps_json_int(&j, "interfaces", (long long)interfaces);
		ps_json_int(&j, "wait_ms", wait_ms);
		ps_json_end(&j);
		ps_json_end_doc(&j);
		return 0;
	}
	if (n && ps_table_render(f, cols, sizeof(cols) / sizeof(cols[0]), rows, sizeof(*rows), n,
				 NULL, v->table_flags) < 0)
		return -1;
	fprintf(f, "%zu responder%s on %zu interface%s within %d ms\n", n, n == 1 ? "" : "s",
		interfaces, interfaces == 1 ? "" : "s", wait_ms);
	return 0;
}
