/* The progress line (report/progress.c) on made-up timestamps: its text, when it is due,
 * its cut to the terminal width, and TERM=dumb redraws with no escape sequence at all. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/progress.h"
#include "report/table.h"
#include "report/term.h"

#define S 1000000000ull

static struct ps_progress at(size_t done, size_t total, size_t open, bool plain)
{
	struct ps_progress p;

	ps_progress_init(&p, "scan", total, 10 * S, plain);
	p.done = done;
	p.open = open;
	return p;
}

Test(progress, text_and_eta)
{
	struct ps_progress p = at(1000, 5000, 3, false);
	char buf[256];

	ps_progress_format(&p, 14 * S, 200, buf, sizeof(buf));
	cr_assert_str_eq(buf, "scan: 1000/5000 (20%), 3 open, 250/s, ETA 16 s");
}

Test(progress, due_after_two_seconds_then_every_quarter)
{
	struct ps_progress p = at(0, 10, 0, false);

	cr_assert(!ps_progress_due(&p, 11 * S));
	cr_assert(ps_progress_due(&p, 12 * S));
	cr_assert(!ps_progress_due(&p, 12 * S + S / 10));
	cr_assert(ps_progress_due(&p, 12 * S + S / 4));
}

Test(progress, cut_to_the_width)
{
	struct ps_progress p = at(1000, 5000, 3, false);
	char buf[256];

	cr_assert_eq(ps_progress_format(&p, 14 * S, 20, buf, sizeof(buf)), 19);
	cr_assert_str_eq(buf, "scan: 1000/5000 (20");
	cr_assert_eq(ps_progress_format(&p, 14 * S, 1, buf, sizeof(buf)), 0);
}

static char *draw_twice(bool plain, unsigned width)
{
	struct ps_progress p = at(1000, 5000, 3, plain);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ps_progress_draw(&p, f, 14 * S, width);
	p.done = 100;
	p.total = 1000;
	ps_progress_draw(&p, f, 14 * S, width);	/* a shorter line */
	ps_progress_clear(&p, f);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

Test(progress, erase_line_on_a_terminal)
{
	char *out = draw_twice(false, 80);

	cr_assert(strstr(out, "\r\033[K"), "%s", out);
	cr_assert(strstr(out, "ETA 16 s\033[K"), "%s", out);
	free(out);
}

Test(progress, dumb_terminal_gets_no_escape)
{
	char *out = draw_twice(true, 80);
	const char *last;

	cr_assert_null(strchr(out, '\033'), "%s", out);
	/* The shorter second line is padded over the first, then the clear blanks it. */
	last = strrchr(out, '\r');
	cr_assert_eq(last[1], '\0');
	cr_assert(strstr(out, "ETA 16 s\rscan: 100/1000 (10%), 3 open, 25/s, ETA 36 s  \r"), "%s",
		  out);
	free(out);
}

Test(progress, no_line_longer_than_the_width)
{
	char *out = draw_twice(true, 24);
	size_t run = 0;

	for (const char *c = out; *c; c++) {
		run = *c == '\r' ? 0 : run + 1;
		cr_assert_lt(run, 24, "%s", out);
	}
	free(out);
}

Test(term, width_from_columns_and_dumb)
{
	FILE *f = tmpfile();	/* not a terminal */

	cr_assert_not_null(f);
	setenv("COLUMNS", "42", 1);
	cr_assert_eq(ps_term_width(f), 42);
	setenv("COLUMNS", "wide", 1);
	cr_assert_eq(ps_term_width(f), 80);
	unsetenv("COLUMNS");
	cr_assert_eq(ps_term_width(f), 80);
	setenv("TERM", "dumb", 1);
	cr_assert(ps_term_dumb());
	setenv("TERM", "xterm", 1);
	cr_assert(!ps_term_dumb());
	fclose(f);
}

/* A UDP run bounded by a host's ICMP budget says so, and its ETA follows the budget. */
Test(progress, says_what_bounds_the_run)
{
	struct ps_progress p;
	struct ps_probe_bound b = { .host = "198.18.0.2", .errors_per_s = 1 };
	char buf[256];

	ps_progress_init(&p, "scan", 1000, 0, true);
	p.done = 280;
	ps_progress_format(&p, 10000000000ull, 250, buf, sizeof(buf));
	cr_assert_null(strstr(buf, "limits"), "%s", buf);
	p.bound = &b;
	ps_progress_format(&p, 10000000000ull, 250, buf, sizeof(buf));
	cr_assert(strstr(buf, "; host 198.18.0.2 limits ICMP errors to ~1.0/s: about 12 min left"),
		  "%s", buf);
	b.errors_per_s = 900;
	ps_progress_format(&p, 10000000000ull, 250, buf, sizeof(buf));
	cr_assert(strstr(buf, "~900/s: about 1 s left"), "%s", buf);
	/* Cut to the width like the rest. */
	cr_assert_eq(ps_progress_format(&p, 10000000000ull, 40, buf, sizeof(buf)), 39);
}

/* Status lines for machines: eta_s is null until a rate is known; the final flag and the
 * bound come through; log pacing is every 5 s from the start. */
Test(progress, ndjson_status_and_pacing)
{
	struct ps_progress p;
	struct ps_probe_bound b = { .host = "198.18.0.2", .errors_per_s = 1.5 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ps_progress_init(&p, "scan", 200, 0, true);
	ps_progress_ndjson(&p, f, 0, false);
	p.done = 50;
	p.open = 2;
	p.bound = &b;
	ps_progress_ndjson(&p, f, 2000000000ull, true);
	fclose(f);
	cr_assert_str_eq(text,
			 "{\"elapsed_ms\":0,\"done\":0,\"total\":200,\"percent\":0.0,\"open\":0,"
			 "\"rate\":0.0,\"eta_s\":null,\"final\":false}\n"
			 "{\"elapsed_ms\":2000,\"done\":50,\"total\":200,\"percent\":25.0,\"open\":2,"
			 "\"rate\":25.0,\"eta_s\":6.0,\"final\":true,"
			 "\"bound\":{\"host\":\"198.18.0.2\",\"errors_per_s\":1.50}}\n");
	free(text);

	ps_progress_pace(&p, 5000000000ull, 5000000000ull);
	cr_assert(!ps_progress_due(&p, 4900000000ull));
	cr_assert(ps_progress_due(&p, 5000000000ull));
	cr_assert(!ps_progress_due(&p, 9000000000ull));
	cr_assert(ps_progress_due(&p, 10000000000ull));
}
