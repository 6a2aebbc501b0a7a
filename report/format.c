/* Output format names. */
#include <string.h>

#include "report/format.h"

int ps_format_parse(const char *name, enum ps_format *fmt)
{
	static const struct { const char *name; enum ps_format fmt; } names[] = {
		{ "table", PS_FMT_TABLE }, { "json", PS_FMT_JSON }, { "ndjson", PS_FMT_NDJSON },
		{ "prom", PS_FMT_PROM }, { "nagios", PS_FMT_NAGIOS },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return -1;
}
