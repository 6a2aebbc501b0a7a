/* Watch events. A stream cannot size its columns from the whole table, so the table form
 * is a stream of the column mechanism (report/table.h): fixed widths, a long cell pushes
 * the rest of its line along. */
#include <stddef.h>

#include "report/events.h"
#include "report/json.h"
#include "report/table.h"

/* One event as the columns see it; ctx is a struct ps_sockref. */
struct event_row {
	/* cppcheck-suppress unusedStructMember ; read by f_time through the const void * row */
	const char *time;
	bool opened;
	/* cppcheck-suppress unusedStructMember ; read by ps_sockref at offsetof(.., sock) */
	const struct sock_rec *sock;
};

static size_t f_time(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_str(buf, len, 0, ((const struct event_row *)rec)->time);
}

static const char *event_name(bool opened)
{
	return opened ? "opened" : "closed";
}

static size_t f_event(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct event_row *row = rec;

	(void)ctx;
	return ps_cell_str(buf, len, 0, event_name(row->opened));
}

/* TIME, EVENT and the socket's columns as list shows them; UNIT when the view asks for it
 * (a stream's columns are fixed before its first row: watch decides from the listeners
 * it starts with). Returns how many. */
static size_t event_columns(struct ps_column *cols, const struct ps_view *view)
{
	cols[0] = (struct ps_column){ "TIME", f_time, false, 24 };
	cols[1] = (struct ps_column){ "EVENT", f_event, false, 6 };
	return 2 + ps_sockref_columns(cols + 2, view->table_flags & PS_TABLE_UNIT);
}
#define NCOLS_MAX (2 + PS_SOCKREF_NCOLS)

void ps_report_event_header(FILE *f, enum ps_format fmt, const struct ps_view *view)
{
	struct ps_column cols[NCOLS_MAX];

	if (fmt == PS_FMT_TABLE)
		ps_table_stream_header(f, cols, event_columns(cols, view), view->table_flags);
}

void ps_report_event(FILE *f, enum ps_format fmt, bool opened, const char *time,
		     const struct sock_rec *r, const struct ps_view *view)
{
	struct event_row row = { time, opened, r };
	struct ps_sockref ref = { view, offsetof(struct event_row, sock) };
	struct ps_json j;

	if (fmt == PS_FMT_TABLE) {
		struct ps_column cols[NCOLS_MAX];

		ps_table_stream_row(f, cols, event_columns(cols, view), &row, &ref);
		return;
	}
	ps_json_line_begin(&j, f);
	ps_json_str(&j, "event", event_name(opened));
	ps_json_str(&j, "time", time);
	ps_report_sock_fields(&j, r, view);
	ps_json_line_end(&j);
}
