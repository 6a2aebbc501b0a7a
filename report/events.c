/* Watch events. A stream cannot size its columns from the whole table, so the table form
 * uses fixed minimum widths and lets a long cell push the rest of its line along. */
#include "report/events.h"
#include "report/json.h"
#include "report/table.h"

struct col {
	const char *header;
	int width;
};

/* TIME and EVENT come first; the rest are socket columns from report/sockets.c. */
static const struct col cols[] = {
	{ "TIME", 24 }, { "EVENT", 6 }, { "PROTO", 5 }, { "LOCAL", 24 },
	{ "EXPOSURE", 8 }, { "USER", 8 }, { "PROCESS", 0 },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void put_row(FILE *f, const char *const *cells, bool bold)
{
	if (bold)
		fputs("\033[1m", f);
	for (size_t i = 0; i < NCOLS; i++) {
		if (i + 1 < NCOLS)
			fprintf(f, "%-*s ", cols[i].width, cells[i]);
		else
			fputs(cells[i], f);
	}
	if (bold)
		fputs("\033[0m", f);
	putc('\n', f);
}

void ps_report_event_header(FILE *f, enum ps_format fmt, const struct ps_view *view)
{
	const char *cells[NCOLS];

	if (fmt != PS_FMT_TABLE)
		return;
	for (size_t i = 0; i < NCOLS; i++)
		cells[i] = cols[i].header;
	put_row(f, cells, view->table_flags & PS_TABLE_COLOR);
}

void ps_report_event(FILE *f, enum ps_format fmt, bool opened, const char *time,
		     const struct sock_rec *r, const struct ps_view *view)
{
	const char *event = opened ? "opened" : "closed";

	if (fmt == PS_FMT_TABLE) {
		char bufs[NCOLS][512];
		const char *cells[NCOLS];

		cells[0] = time;
		cells[1] = event;
		for (size_t i = 2; i < NCOLS; i++) {
			ps_report_sock_cell(cols[i].header, r, view, bufs[i], sizeof(bufs[i]));
			cells[i] = bufs[i];
		}
		put_row(f, cells, false);
		return;
	}
	struct ps_json j;

	ps_json_init(&j, f, 0);
	ps_json_object(&j, NULL);
	ps_json_str(&j, "event", event);
	ps_json_str(&j, "time", time);
	ps_report_sock_fields(&j, r, view);
	ps_json_end(&j);
	putc('\n', f);
}
