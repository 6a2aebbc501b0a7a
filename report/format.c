/* Output format names. */
#include <string.h>

#include "report/format.h"

static const char *const format_names[] = {
	[PS_FMT_TABLE] = "table", [PS_FMT_JSON] = "json", [PS_FMT_NDJSON] = "ndjson",
	[PS_FMT_PROM] = "prom", [PS_FMT_NAGIOS] = "nagios",
};

int ps_format_parse(const char *name, enum ps_format *fmt)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*fmt = (enum ps_format)i;
			return 0;
		}
	}
	return -1;
}

const char *ps_format_name(enum ps_format fmt)
{
	return format_names[fmt];
}
