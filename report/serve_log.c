/* serve's log lines. Addresses come from inet_ntop, so the text form prints them as
 * they are; NDJSON goes through the JSON writer like every other record. */
#include "probe/proto.h"
#include "report/json.h"
#include "report/serve_log.h"

static void serve_json(FILE *f, const struct ps_responder_event *ev, const char *time)
{
	struct ps_json j;

	ps_json_line_begin(&j, f);
	ps_json_str(&j, "time", time);
	if (ev->kind == PS_RESP_DROPPED) {
		ps_json_str(&j, "event", "dropped");
		ps_json_int(&j, "rate_limited", (long long)ev->rate_limited);
		ps_json_int(&j, "log_lines", (long long)ev->log_lines);
		ps_json_line_end(&j);
		return;
	}
	ps_json_str(&j, "event", ev->kind == PS_RESP_LISTENING ? "listening" : "peer");
	ps_json_str(&j, "proto", ps_proto_name(ev->proto));
	ps_json_str(&j, "local_address", ev->local);
	ps_json_int(&j, "local_port", ev->local_port);
	if (ev->kind != PS_RESP_LISTENING) {
		ps_json_str(&j, "remote_address", ev->peer);
		ps_json_int(&j, "remote_port", ev->peer_port);
		if (ev->proto == IPPROTO_UDP) {
			ps_json_int(&j, "bytes", (long long)ev->bytes);
			ps_json_bool(&j, "broadcast", ev->broadcast);
		}
		ps_json_bool(&j, "answered", ev->answered);
		if (!ev->answered && ev->why)
			ps_json_str(&j, "why", ev->why);
	}
	ps_json_line_end(&j);
}

void ps_report_serve_event(FILE *f, enum ps_format fmt, const struct ps_responder_event *ev,
			   const char *time)
{
	const char *proto = ps_proto_name(ev->proto);

	if (fmt == PS_FMT_NDJSON) {
		serve_json(f, ev, time);
	} else if (ev->kind == PS_RESP_DROPPED) {
		fprintf(f, "%s dropped %lu datagrams over the per-source rate, %lu log lines\n",
			time, ev->rate_limited, ev->log_lines);
	} else if (ev->kind == PS_RESP_LISTENING) {
		fprintf(f, "%s listening %s %s port %u\n", time, proto, ev->local, ev->local_port);
	} else {
		fprintf(f, "%s %s %s port %u -> port %u", time, proto, ev->peer, ev->peer_port,
			ev->local_port);
		if (ev->proto == IPPROTO_UDP)
			fprintf(f, ", %zu bytes%s", ev->bytes, ev->broadcast ? ", broadcast" : "");
		if (ev->answered)
			fputs(ev->proto == IPPROTO_TCP ? ", greeted\n" : ", answered\n", f);
		else if (ev->why)
			fprintf(f, ", not answered (%s)\n", ev->why);
		else
			fputs(", not answered\n", f);
	}
}
