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
	}
	ps_json_line_end(&j);
}

void ps_report_serve_event(FILE *f, enum ps_format fmt, const struct ps_responder_event *ev,
			   const char *time)
{
	const char *proto = ps_proto_name(ev->proto);

	if (fmt == PS_FMT_NDJSON) {
		serve_json(f, ev, time);
	} else if (ev->kind == PS_RESP_LISTENING) {
		fprintf(f, "%s listening %s %s port %u\n", time, proto, ev->local, ev->local_port);
	} else {
		fprintf(f, "%s %s %s port %u -> port %u", time, proto, ev->peer, ev->peer_port,
			ev->local_port);
		if (ev->proto == IPPROTO_UDP)
			fprintf(f, ", %zu bytes%s", ev->bytes, ev->broadcast ? ", broadcast" : "");
		fputs(ev->answered ? (ev->proto == IPPROTO_TCP ? ", greeted\n" : ", answered\n")
				   : ", not answered\n", f);
	}
}
