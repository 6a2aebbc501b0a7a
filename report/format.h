/* Output formats every subcommand shares (-o table|json|ndjson|prom, and nagios for check),
 * and the view every renderer is given. */
#ifndef PS_FORMAT_H
#define PS_FORMAT_H

#include <stdbool.h>

enum ps_format { PS_FMT_TABLE, PS_FMT_JSON, PS_FMT_NDJSON, PS_FMT_PROM, PS_FMT_NAGIOS };

/* Parse a format name; returns 0, or -1 when it is not one. */
int ps_format_parse(const char *name, enum ps_format *fmt);
/* The name of a format ("table", "json", ...), as ps_format_parse takes it. */
const char *ps_format_name(enum ps_format fmt);

/* How records are shown, the same for sockets, probe results and events. */
struct ps_view {
	bool numeric;		/* -n: no service names */
	unsigned table_flags;	/* PS_TABLE_COLOR */
};

#endif
