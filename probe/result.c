/* Probe state names. */
#include "probe/result.h"

const char *ps_probe_state_name(enum ps_probe_state s)
{
	static const char *const names[] = {
		[PS_PROBE_OPEN] = "open", [PS_PROBE_CLOSED] = "closed",
		[PS_PROBE_FILTERED] = "filtered", [PS_PROBE_UNREACHABLE] = "unreachable",
		[PS_PROBE_OPEN_FILTERED] = "open|filtered", [PS_PROBE_ERROR] = "error",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "error";
}
