/* Terminal capabilities, asked of the kernel and the environment each time: a terminal
 * can be resized while a scan runs. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "report/term.h"

bool ps_term_dumb(void)
{
	const char *t = getenv("TERM");

	return t && strcmp(t, "dumb") == 0;
}

unsigned ps_term_width(FILE *f)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	char *end;
	long v;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (c && *c) {
		v = strtol(c, &end, 10);
		if (*end == '\0' && v > 0 && v <= 10000)
			return (unsigned)v;
	}
	return 80;
}
