/* Rendering probe results: the JSON document and NDJSON fields, order, summary counts,
 * and escaping of banners and errors in the table. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "report/results.h"

static struct probe_result mk(const char *target, uint16_t port, enum ps_probe_state st,
			      const char *reason, uint32_t tag)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.target, sizeof(r.target), "%s", target);
	snprintf(r.address, sizeof(r.address), "127.0.0.1");
	r.family = AF_INET;
	r.proto = IPPROTO_TCP;
	r.port = port;
	r.state = st;
	r.reason = reason;
	r.rtt_ms = st == PS_PROBE_FILTERED ? -1 : 0.25;
	r.expect_ok = -1;
	r.tag = tag;
	return r;
}

static char *render(struct ps_resultset *s, enum ps_format fmt)
{
	struct ps_view v = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	cr_assert_eq(ps_report_results(f, fmt, "scan", s, 1234.5, "open shown", &v), 0);
	fclose(f);
	return buf;
}

Test(results, document_ordered_with_summary)
{
	struct ps_resultset s = { 0 };
	struct probe_result a = mk("h2", 22, PS_PROBE_OPEN, "syn-ack", 1);
	struct probe_result b = mk("h1", 443, PS_PROBE_OPEN, "syn-ack", 0);
	struct probe_result c = mk("h1", 80, PS_PROBE_CLOSED, "reset", 0);
	struct probe_result d = mk("h1", 81, PS_PROBE_FILTERED, "timeout", 0);
	json_t *doc, *res, *sum, *r;
	char *out;

	cr_assert_eq(ps_resultset_add(&s, &a, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &b, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &c, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &d, false), 0);	/* counted, not kept */
	out = render(&s, PS_FMT_JSON);
	doc = json_loads(out, 0, NULL);
	cr_assert(doc, "%s", out);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "portscope.scan/1");
	res = json_object_get(doc, "results");
	cr_assert_eq(json_array_size(res), 3);
	/* tag (host order) first, then port */
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(res, 0), "port")), 80);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(res, 1), "port")), 443);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(res, 2), "target")), "h2");
	r = json_array_get(res, 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "closed");
	cr_assert_str_eq(json_string_value(json_object_get(r, "service")), "http");
	cr_assert_str_eq(json_string_value(json_object_get(r, "port_class")), "well-known");
	cr_assert_str_eq(json_string_value(json_object_get(r, "family")), "ipv4");
	cr_assert_str_eq(json_string_value(json_object_get(r, "proto")), "tcp");
	cr_assert(json_is_null(json_object_get(r, "banner")));
	sum = json_object_get(doc, "summary");
	cr_assert_eq(json_integer_value(json_object_get(sum, "total")), 4);
	cr_assert_eq(json_integer_value(json_object_get(sum, "open")), 2);
	cr_assert_eq(json_integer_value(json_object_get(sum, "closed")), 1);
	cr_assert_eq(json_integer_value(json_object_get(sum, "filtered")), 1);
	cr_assert_eq(json_integer_value(json_object_get(sum, "error")), 0);
	cr_assert_eq(json_real_value(json_object_get(sum, "elapsed_ms")), 1234.5);
	json_decref(doc);
	free(out);
	ps_resultset_free(&s);
}

Test(results, table_escapes_banner_and_summarises)
{
	struct ps_resultset s = { 0 };
	struct probe_result a = mk("h", 25, PS_PROBE_OPEN, "syn-ack", 0);
	char *out;

	memcpy(a.banner, "220 hi\x1b]0;pwned\x07\r\n", 18);
	a.banner_len = 18;
	a.has_banner = 1;
	cr_assert_eq(ps_resultset_add(&s, &a, true), 0);
	out = render(&s, PS_FMT_TABLE);
	cr_assert(strstr(out, "DETAIL"), "%s", out);
	cr_assert(strstr(out, "220 hi\\x1b]0;pwned\\x07\\r\\n"), "%s", out);
	cr_assert(strstr(out, "25/tcp"), "%s", out);
	cr_assert(strstr(out, "1 result in 1.23 s: 1 open (open shown)"), "%s", out);
	for (const char *p = out; *p; p++)
		cr_assert(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "raw byte 0x%02x", *p);
	free(out);
	ps_resultset_free(&s);
}

Test(results, ndjson_line_is_one_object)
{
	struct probe_result a = mk("[::1]:22", 22, PS_PROBE_FILTERED, "timeout", 0);
	struct ps_view v = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *o;

	snprintf(a.address, sizeof(a.address), "::1");
	a.family = AF_INET6;
	ps_report_result_line(f, &a, &v);
	fclose(f);
	cr_assert_eq(strchr(buf, '\n'), buf + len - 1, "%s", buf);
	o = json_loads(buf, 0, NULL);
	cr_assert(o, "%s", buf);
	cr_assert(json_is_null(json_object_get(o, "rtt_ms")));
	cr_assert_str_eq(json_string_value(json_object_get(o, "family")), "ipv6");
	cr_assert_str_eq(json_string_value(json_object_get(o, "reason")), "timeout");
	json_decref(o);
	free(buf);
}

Test(results, prometheus_exposition)
{
	struct ps_resultset s = { 0 };
	struct probe_result a = mk("we\"ird\\name:80", 80, PS_PROBE_OPEN, "syn-ack", 0);
	struct probe_result b = mk("h:81", 81, PS_PROBE_CLOSED, "reset", 1);
	struct probe_result c = mk("h:82", 82, PS_PROBE_FILTERED, "timeout", 2);
	char *out;

	cr_assert_eq(ps_resultset_add(&s, &a, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &b, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &c, true), 0);
	out = render(&s, PS_FMT_PROM);
	cr_assert(strstr(out, "# TYPE portscope_probe_success gauge\n"), "%s", out);
	/* The target is shown escaped (a backslash as \\), then escaped for the format. */
	cr_assert(strstr(out, "portscope_probe_success{proto=\"tcp\",target=\"we\\\"ird\\\\\\\\name:80\","
			      "address=\"127.0.0.1\",port=\"80\"} 1\n"), "%s", out);
	cr_assert(strstr(out, "portscope_probe_success{proto=\"tcp\",target=\"h:81\",address=\"127.0.0.1\","
			      "port=\"81\"} 0\n"), "%s", out);
	cr_assert(strstr(out, "portscope_probe_rtt_seconds{proto=\"tcp\",target=\"h:81\""), "%s", out);
	cr_assert_null(strstr(out, "portscope_probe_rtt_seconds{proto=\"tcp\",target=\"h:82\""), "%s",
		       out);
	cr_assert(strstr(out, "portscope_probe_results{state=\"filtered\"} 1\n"), "%s", out);
	cr_assert(strstr(out, "portscope_probe_duration_seconds 1.234500\n"), "%s", out);
	free(out);
	ps_resultset_free(&s);
}

/* A kept result with TLS: the document's tls object (SANs from the compact copy, times in
 * RFC 3339), the table's VERIFY, DAYS and SUBJECT (escaped) and the verify error in DETAIL;
 * a result without TLS has "tls": null. */
Test(results, tls_object_and_columns)
{
	struct ps_resultset s = { 0 };
	struct probe_result a = mk("tls://h:443", 443, PS_PROBE_OPEN, "tls-handshake", 0);
	struct probe_result b = mk("h", 80, PS_PROBE_OPEN, "syn-ack", 1);
	struct ps_tls_info *t = calloc(1, sizeof(*t));
	json_t *doc, *tls;
	char *out;

	cr_assert(t);
	t->handshake_done = true;
	t->verify = PS_TLS_VERIFY_EXPIRED;
	snprintf(t->verify_error, sizeof(t->verify_error), "certificate has expired");
	snprintf(t->version, sizeof(t->version), "TLSv1.3");
	snprintf(t->cipher, sizeof(t->cipher), "TLS_AES_128_GCM_SHA256");
	t->has_cert = true;
	snprintf(t->subject, sizeof(t->subject), "CN=we\x1bird");
	snprintf(t->serial, sizeof(t->serial), "1A");
	t->not_after = 1609459200;	/* 2021-01-01T00:00:00Z */
	t->chain_earliest_not_after = 1609459200;
	t->days_left = t->chain_days_left = -7;
	t->nsan = 2;
	memcpy(t->san, "DNS:a\0IP:127.0.0.1", 19);
	t->san_off[1] = 6;
	a.tls = t;
	cr_assert_eq(ps_resultset_add(&s, &a, true), 0);
	cr_assert_eq(ps_resultset_add(&s, &b, true), 0);
	free(t);	/* the set keeps a copy of its own */
	out = render(&s, PS_FMT_JSON);
	doc = json_loads(out, 0, NULL);
	cr_assert(doc, "%s", out);
	tls = json_object_get(json_array_get(json_object_get(doc, "results"), 0), "tls");
	cr_assert_str_eq(json_string_value(json_object_get(tls, "verify")), "expired");
	cr_assert_str_eq(json_string_value(json_object_get(tls, "not_after")), "2021-01-01T00:00:00Z");
	cr_assert_eq(json_integer_value(json_object_get(tls, "days_left")), -7);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(tls, "san"), 1)),
			 "IP:127.0.0.1");
	cr_assert(json_is_null(json_object_get(tls, "alpn")));
	cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(doc, "results"), 1),
					       "tls")));
	json_decref(doc);
	free(out);
	out = render(&s, PS_FMT_TABLE);
	cr_assert(strstr(out, "VERIFY"), "%s", out);
	cr_assert(strstr(out, "expired"), "%s", out);
	cr_assert(strstr(out, "CN=we\\x1bird"), "%s", out);
	cr_assert(strstr(out, "certificate has expired"), "%s", out);
	free(out);
	ps_resultset_free(&s);
}
