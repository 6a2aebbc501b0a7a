/* What portscope asks of the terminal it writes to: whether escape sequences are welcome
 * and how wide a line may be. */
#ifndef PS_TERM_H
#define PS_TERM_H

#include <stdbool.h>
#include <stdio.h>

/* True when TERM is "dumb": no escape sequences at all (no bold, no erase-line). */
bool ps_term_dumb(void);

/* The width of the terminal f writes to (TIOCGWINSZ), else $COLUMNS, else 80. */
unsigned ps_term_width(FILE *f);

#endif
