/* The exporter's log lines (report/exporter_log.h). Paths and details come from clients
 * and config files: the text form escapes them, NDJSON carries them as JSON strings. */
#include <string.h>

#include "probe/escape.h"
#include "report/exporter_log.h"
#include "report/json.h"

static void event_json(FILE *f, const struct ps_xevent *ev, const char *time)
{
	struct ps_json j;

	ps_json_line_begin(&j, f);
	ps_json_str(&j, "time", time);
	ps_json_str(&j, "event", ev->event);
	if (ev->method)
		ps_json_str(&j, "method", ev->method);
	if (ev->path)
		ps_json_str(&j, "path", ev->path);
	if (ev->status)
		ps_json_int(&j, "status", ev->status);
	if (ev->remote)
		ps_json_str(&j, "remote_address", ev->remote);
	if (ev->method)
		ps_json_double(&j, "duration_ms", ev->duration_ms, 3);
	if (ev->detail)
		ps_json_str(&j, "detail", ev->detail);
	ps_json_line_end(&j);
}

static void put_escaped(FILE *f, const char *s)
{
	char buf[512];

	ps_escape(s, strlen(s), buf, sizeof(buf));
	fputs(buf, f);
}

void ps_report_exporter_event(FILE *f, enum ps_format fmt, const struct ps_xevent *ev,
			      const char *time)
{
	if (fmt == PS_FMT_NDJSON) {
		event_json(f, ev, time);
		(void)fflush(f);
		return;
	}
	fprintf(f, "%s %s", time, ev->event);
	if (ev->method) {
		fputc(' ', f);
		put_escaped(f, ev->method);
		fputc(' ', f);
		put_escaped(f, ev->path ? ev->path : "");
		fprintf(f, " %d %.3f ms", ev->status, ev->duration_ms);
	}
	if (ev->remote && ev->remote[0])
		fprintf(f, " from %s", ev->remote);
	if (ev->detail) {
		fputs(": ", f);
		put_escaped(f, ev->detail);
	}
	fputc('\n', f);
	(void)fflush(f);
}
