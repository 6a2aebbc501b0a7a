/* Rendering serve's log: the text line of a listening socket and of a TCP and a UDP peer,
 * and the NDJSON record with the UDP-only fields. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/serve_log.h"

static char *render(enum ps_format fmt, const struct ps_responder_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ps_report_serve_event(f, fmt, ev, "2026-01-02T03:04:05Z");
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static struct ps_responder_event peer(uint8_t proto)
{
	struct ps_responder_event ev = { .kind = proto == IPPROTO_TCP ? PS_RESP_TCP_PEER
								  : PS_RESP_UDP_PEER,
					 .proto = proto, .local_port = 7,
					 .peer_port = 40000, .bytes = 12, .answered = true,
					 .broadcast = true };

	snprintf(ev.local, sizeof(ev.local), "0.0.0.0");
	snprintf(ev.peer, sizeof(ev.peer), "198.18.0.9");
	return ev;
}

Test(serve_log, text_lines)
{
	struct ps_responder_event ev = { .kind = PS_RESP_LISTENING, .proto = IPPROTO_UDP,
					 .local_port = 7 };
	char *out;

	snprintf(ev.local, sizeof(ev.local), "::");
	out = render(PS_FMT_TABLE, &ev);
	cr_assert_str_eq(out, "2026-01-02T03:04:05Z listening udp :: port 7\n");
	free(out);
	ev = peer(IPPROTO_TCP);
	out = render(PS_FMT_TABLE, &ev);
	cr_assert_str_eq(out, "2026-01-02T03:04:05Z tcp 198.18.0.9 port 40000 -> port 7, greeted\n");
	free(out);
	ev = peer(IPPROTO_UDP);
	ev.answered = false;
	out = render(PS_FMT_TABLE, &ev);
	cr_assert_str_eq(out, "2026-01-02T03:04:05Z udp 198.18.0.9 port 40000 -> port 7, 12 bytes, "
			      "broadcast, not answered\n");
	free(out);
}

Test(serve_log, ndjson_record)
{
	struct ps_responder_event ev = peer(IPPROTO_UDP);
	char *out = render(PS_FMT_NDJSON, &ev);
	json_t *o = json_loads(out, 0, NULL);

	cr_assert_not_null(o, "%s", out);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(o, "event")), "peer");
	cr_assert_str_eq(json_string_value(json_object_get(o, "proto")), "udp");
	cr_assert_str_eq(json_string_value(json_object_get(o, "remote_address")), "198.18.0.9");
	cr_assert_eq(json_integer_value(json_object_get(o, "bytes")), 12);
	cr_assert(json_is_true(json_object_get(o, "broadcast")));
	cr_assert(json_is_true(json_object_get(o, "answered")));
	json_decref(o);
	free(out);
}

/* Why a datagram was not answered, and the count of what nobody saw. */
Test(serve_log, why_and_dropped)
{
	struct ps_responder_event ev = peer(IPPROTO_UDP);
	char *out;
	json_t *o;

	ev.answered = false;
	ev.why = "not-a-request";
	out = render(PS_FMT_TABLE, &ev);
	cr_assert_str_eq(out, "2026-01-02T03:04:05Z udp 198.18.0.9 port 40000 -> port 7, 12 bytes, "
			      "broadcast, not answered (not-a-request)\n");
	free(out);
	ev = (struct ps_responder_event){ .kind = PS_RESP_DROPPED, .rate_limited = 41,
					  .log_lines = 3 };
	out = render(PS_FMT_TABLE, &ev);
	cr_assert_str_eq(out, "2026-01-02T03:04:05Z dropped 41 datagrams over the per-source rate, "
			      "3 log lines\n");
	free(out);
	out = render(PS_FMT_NDJSON, &ev);
	o = json_loads(out, 0, NULL);
	cr_assert_not_null(o, "%s", out);
	cr_assert_str_eq(json_string_value(json_object_get(o, "event")), "dropped");
	cr_assert_eq(json_integer_value(json_object_get(o, "rate_limited")), 41);
	cr_assert_eq(json_integer_value(json_object_get(o, "log_lines")), 3);
	cr_assert_null(json_object_get(o, "proto"));
	json_decref(o);
	free(out);
}
