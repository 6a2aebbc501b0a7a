/* The progress of a long run: "scan: 12034/65535 (18%), 3 open, 5012/s, ETA 11 s".
 * On a terminal it is redrawn in place on stderr, cut to the terminal's width so it never
 * wraps, and with TERM=dumb redrawn with spaces instead of an erase-line sequence. For
 * logs (--progress) the same text is a line of its own every few seconds; for machines
 * (--progress=ndjson) a JSON object per line, like masscan's --json-status. */
#ifndef PS_PROGRESS_H
#define PS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/jobs.h"

struct ps_progress {
	const char *what;		/* "scan", "check" */
	size_t total, done, open;	/* results expected, seen, open among them */
	uint64_t start_ns, last_ns;	/* monotonic: the start, the last redraw */
	size_t shown;			/* length of the line on screen, 0 when none */
	bool plain;			/* no escape sequences (TERM=dumb) */
	const struct ps_probe_bound *bound;	/* what bounds the run, or NULL */
	uint64_t after_ns, every_ns;	/* the first report after the start, then each */
};

/* How progress is shown: on a terminal only (the default), as log lines, as NDJSON. */
enum ps_progress_mode { PS_PROGRESS_TERM, PS_PROGRESS_LOG, PS_PROGRESS_NDJSON };

/* Start counting at now_ns. */
void ps_progress_init(struct ps_progress *p, const char *what, size_t total, uint64_t now_ns,
		      bool plain);

/* The line as of now_ns into buf (len > 0); when a bound is known, it says so and the ETA
 * follows from it ("host 198.18.0.2 limits ICMP errors to ~1/s: about 12 min left"); cut to width - 1 characters so the cursor
 * never reaches the last column. Returns its length. */
size_t ps_progress_format(const struct ps_progress *p, uint64_t now_ns, unsigned width,
			  char *buf, size_t len);

/* Report every every_ns, the first after_ns after the start (a terminal: two seconds,
 * then every quarter second). */
void ps_progress_pace(struct ps_progress *p, uint64_t after_ns, uint64_t every_ns);

/* True when a report is due at now_ns; marks it done. */
bool ps_progress_due(struct ps_progress *p, uint64_t now_ns);

/* The line as of now_ns on f, on a line of its own (for a log). */
void ps_progress_log(const struct ps_progress *p, FILE *f, uint64_t now_ns);

/* The status as of now_ns on f as one JSON object and a newline: elapsed_ms, done, total,
 * percent, open, rate, eta_s (null until a rate is known), final (the last line of the run),
 * and bound ({host, errors_per_s}) when the target's ICMP budget bounds the run. */
void ps_progress_ndjson(const struct ps_progress *p, FILE *f, uint64_t now_ns, bool final);

/* Redraw the line on f for a terminal width columns wide. */
void ps_progress_draw(struct ps_progress *p, FILE *f, uint64_t now_ns, unsigned width);

/* Erase the line, if one is shown. */
void ps_progress_clear(struct ps_progress *p, FILE *f);

#endif
