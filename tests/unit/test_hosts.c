/* Rendering hosts: scan --discover-only's records (NDJSON line, document in address order,
 * table with its summary line, escaping) and scan's per-host summary. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/hosts.h"

static struct ps_host_result mk(const char *address, bool up, const char *reason, double rtt)
{
	struct ps_host_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.address, sizeof(r.address), "%s", address);
	r.up = up;
	r.reason = reason;
	r.rtt_ms = rtt;
	return r;
}

static char *render(struct ps_hostrows *s, enum ps_format fmt)
{
	struct ps_view v = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	cr_assert_eq(ps_report_hosts(f, fmt, s, 2500, &v), 0);
	fclose(f);
	return buf;
}

static void fill(struct ps_hostrows *s)
{
	struct ps_host_result a = mk("198.18.0.9", true, "reset", 0.5);
	struct ps_host_result b = mk("198.18.0.2", true, "echo-reply", 0.25);
	struct ps_host_result c = mk("198.18.0.5", false, "no-response", -1);

	memset(s, 0, sizeof(*s));
	cr_assert_eq(ps_hostrows_add(s, &a, 9), 0);
	cr_assert_eq(ps_hostrows_add(s, &b, 2), 0);
	cr_assert_eq(ps_hostrows_add(s, &c, 5), 0);
	s->addresses = 16;
	s->up = 2;
}

Test(hosts, ndjson_line)
{
	struct ps_host_result r = mk("::1", true, "echo-reply", 0.125);
	struct ps_host_result d = mk("198.18.0.5", false, "no-response", -1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ps_report_host_line(f, &r);
	ps_report_host_line(f, &d);
	fclose(f);
	cr_assert_str_eq(buf, "{\"address\":\"::1\",\"state\":\"up\",\"reason\":\"echo-reply\",\"rtt_ms\":0.125}\n"
			      "{\"address\":\"198.18.0.5\",\"state\":\"down\",\"reason\":\"no-response\",\"rtt_ms\":null}\n");
	free(buf);
}

Test(hosts, document_in_address_order)
{
	struct ps_hostrows s;
	json_error_t e;
	json_t *doc, *hosts, *sum;
	char *buf;

	fill(&s);
	buf = render(&s, PS_FMT_JSON);
	doc = json_loads(buf, 0, &e);
	cr_assert(doc, "%s", buf);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "portscope.discover/1");
	hosts = json_object_get(doc, "hosts");
	cr_assert_eq(json_array_size(hosts), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hosts, 0), "address")),
			 "198.18.0.2");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hosts, 2), "address")),
			 "198.18.0.9");
	cr_assert(json_is_null(json_object_get(json_array_get(hosts, 1), "rtt_ms")));
	sum = json_object_get(doc, "summary");
	cr_assert_eq(json_integer_value(json_object_get(sum, "addresses")), 16);
	cr_assert_eq(json_integer_value(json_object_get(sum, "hosts_up")), 2);
	cr_assert(json_is_false(json_object_get(sum, "interrupted")));
	json_decref(doc);
	free(buf);
	ps_hostrows_free(&s);
}

Test(hosts, table_and_summary_line)
{
	struct ps_hostrows s;
	char *buf;

	fill(&s);
	s.interrupted = true;
	buf = render(&s, PS_FMT_TABLE);
	cr_assert(strncmp(buf, "ADDRESS", 7) == 0, "%s", buf);
	cr_assert(strstr(buf, "198.18.0.2  up     echo-reply"), "%s", buf);
	cr_assert(strstr(buf, "\n16 addresses, 2 hosts up in 2.50 s (interrupted)\n"), "%s", buf);
	free(buf);
	ps_hostrows_free(&s);
}

Test(hosts, table_escapes_a_scope)
{
	struct ps_hostrows s = { 0 };
	struct ps_host_result r = mk("fe80::1%e\x1b[31m", true, "echo-reply", 1);
	char *buf;

	cr_assert_eq(ps_hostrows_add(&s, &r, 0), 0);
	s.addresses = s.up = 1;
	buf = render(&s, PS_FMT_TABLE);
	cr_assert(strstr(buf, "fe80::1%e\\x1b[31m"), "%s", buf);
	cr_assert(strstr(buf, "1 address, 1 host up"), "%s", buf);
	free(buf);
	ps_hostrows_free(&s);
}

static bool host_of(void *ctx, uint32_t tag, char *address, size_t len, uint8_t *proto)
{
	(void)ctx;
	snprintf(address, len, "198.18.0.%u", tag + 1);
	*proto = IPPROTO_TCP;
	return tag != 1;
}

Test(hosts, per_host_summary)
{
	uint32_t counts[3][PS_NSTATES] = { { 2, 1 }, { 0 }, { 0, 0, 3 } };
	struct ps_hostsum h = { counts, 3, false, host_of, NULL };
	struct ps_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ps_json_line_begin(&j, f);
	ps_report_host_summary(&j, &h);
	ps_json_line_end(&j);
	h.all = true;
	ps_json_line_begin(&j, f);
	ps_report_host_summary(&j, &h);
	ps_json_line_end(&j);
	fclose(f);
	cr_assert_str_eq(buf,
		"{\"hosts\":[{\"address\":\"198.18.0.1\",\"proto\":\"tcp\",\"state\":\"up\",\"ports\":"
		"{\"open\":2,\"closed\":1,\"filtered\":0,\"unreachable\":0,\"open|filtered\":0,\"error\":0}},"
		"{\"address\":\"198.18.0.3\",\"proto\":\"tcp\",\"state\":\"up\",\"ports\":"
		"{\"open\":0,\"closed\":0,\"filtered\":3,\"unreachable\":0,\"open|filtered\":0,\"error\":0}}]}\n"
		"{\"hosts\":[{\"address\":\"198.18.0.1\",\"proto\":\"tcp\",\"state\":\"up\",\"ports\":"
		"{\"open\":2,\"closed\":1,\"filtered\":0,\"unreachable\":0,\"open|filtered\":0,\"error\":0}},"
		"{\"address\":\"198.18.0.2\",\"proto\":\"tcp\",\"state\":\"down\",\"ports\":"
		"{\"open\":0,\"closed\":0,\"filtered\":0,\"unreachable\":0,\"open|filtered\":0,\"error\":0}},"
		"{\"address\":\"198.18.0.3\",\"proto\":\"tcp\",\"state\":\"up\",\"ports\":"
		"{\"open\":0,\"closed\":0,\"filtered\":3,\"unreachable\":0,\"open|filtered\":0,\"error\":0}}]}\n");
	free(buf);
}
