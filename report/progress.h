/* The progress line of a long run on a terminal: "scan: 12034/65535 (18%), 3 open,
 * 5012/s, ETA 11 s", redrawn in place on stderr. It is cut to the terminal's width so it
 * never wraps, and with TERM=dumb it is redrawn with spaces instead of an erase-line
 * sequence. */
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
};

/* Start counting at now_ns. */
void ps_progress_init(struct ps_progress *p, const char *what, size_t total, uint64_t now_ns,
		      bool plain);

/* The line as of now_ns into buf (len > 0); when a bound is known, it says so and the ETA
 * follows from it ("host 198.18.0.2 limits ICMP errors to ~1/s: about 12 min left"); cut to width - 1 characters so the cursor
 * never reaches the last column. Returns its length. */
size_t ps_progress_format(const struct ps_progress *p, uint64_t now_ns, unsigned width,
			  char *buf, size_t len);

/* True when a redraw is due at now_ns (two seconds after the start, then every quarter
 * second); marks it done. */
bool ps_progress_due(struct ps_progress *p, uint64_t now_ns);

/* Redraw the line on f for a terminal width columns wide. */
void ps_progress_draw(struct ps_progress *p, FILE *f, uint64_t now_ns, unsigned width);

/* Erase the line, if one is shown. */
void ps_progress_clear(struct ps_progress *p, FILE *f);

#endif
