/* Broadcast responders rendered as NDJSON, a JSON document and a table, with the reply
 * text escaped. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/broadcast.h"

static struct ps_bcast_row row(const char *addr, const char *reply)
{
	struct ps_bcast_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.r.target, sizeof(r.r.target), "198.18.0.255:7000");
	snprintf(r.r.address, sizeof(r.r.address), "%s", addr);
	r.r.family = AF_INET;
	r.r.proto = IPPROTO_UDP;
	r.r.port = 7000;
	r.r.state = PS_PROBE_OPEN;
	r.r.rtt_ms = 0.5;
	r.r.reason = "udp-response";
	r.r.expect_ok = -1;
	r.r.banner_len = strlen(reply);
	memcpy(r.r.banner, reply, r.r.banner_len);
	r.r.has_banner = 1;
	snprintf(r.interface, sizeof(r.interface), "eth0");
	snprintf(r.broadcast, sizeof(r.broadcast), "198.18.0.255");
	r.reply_bytes = strlen(reply);
	return r;
}

static char *render(enum ps_format fmt, const struct ps_bcast_row *rows, size_t n)
{
	struct ps_view v = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ps_report_bcast(f, fmt, rows, n, 1, 500, &v), 0);
	fclose(f);
	return buf;
}

Test(broadcast_report, ndjson_fields)
{
	struct ps_bcast_row rows[2] = { row("198.18.0.2", "portscope-reply 1 0.1.0 a\n"),
					row("198.18.0.3", "x\x1b[31m") };
	char *out = render(PS_FMT_NDJSON, rows, 2), *nl = strchr(out, '\n');
	json_t *j;

	cr_assert_not_null(nl);
	*nl = '\0';
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "address")), "198.18.0.2");
	cr_assert_str_eq(json_string_value(json_object_get(j, "interface")), "eth0");
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "open");
	cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "udp-response");
	cr_assert_eq(json_integer_value(json_object_get(j, "reply_bytes")), 26);
	cr_assert_eq(json_integer_value(json_object_get(j, "port")), 7000);
	cr_assert_str_eq(json_string_value(json_object_get(j, "banner")),
			 "portscope-reply 1 0.1.0 a\n");
	json_decref(j);
	cr_assert_null(strchr(nl + 1, '\x1b'), "escape sequence passed through");
	free(out);
}

Test(broadcast_report, document_and_table)
{
	struct ps_bcast_row rows[1] = { row("198.18.0.2", "hi\r\n") };
	char *out = render(PS_FMT_JSON, rows, 1);
	json_t *j = json_loads(out, 0, NULL), *s;

	cr_assert_not_null(j, "%s", out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "schema")), "portscope.broadcast/1");
	cr_assert_eq(json_array_size(json_object_get(j, "results")), 1);
	s = json_object_get(j, "summary");
	cr_assert_eq(json_integer_value(json_object_get(s, "responders")), 1);
	cr_assert_eq(json_integer_value(json_object_get(s, "wait_ms")), 500);
	json_decref(j);
	free(out);
	out = render(PS_FMT_TABLE, rows, 1);
	cr_assert(strstr(out, "ADDRESS") && strstr(out, "INTERFACE") && strstr(out, "REPLY"), "%s", out);
	cr_assert(strstr(out, "198.18.0.2") && strstr(out, "hi\\r\\n"), "%s", out);
	cr_assert(strstr(out, "1 responder on 1 interface within 500 ms"), "%s", out);
	free(out);
	out = render(PS_FMT_TABLE, rows, 0);
	cr_assert_str_eq(out, "0 responders on 1 interface within 500 ms\n");
	free(out);
}
