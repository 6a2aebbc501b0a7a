/* The walk of a target set as the engines' job source (see probe/walksrc.h). */
#include <string.h>

#include "probe/walksrc.h"

int ps_walksrc_next(void *src, struct ps_probe_job *job)
{
	struct ps_walksrc *s = src;
	struct ps_addrjob aj;

	while (!(s->stop && *s->stop) && ps_addrwalk_next(&s->w, &aj)) {
		enum ps_host_state st;

		job->addr = aj.addr;
		job->target = aj.target;
		/* The walk reuses aj: the engine keeps its own copy of the text in the job. */
		memcpy(job->address, aj.address, sizeof(job->address));
		/* TLS's server name and the name it verifies: a host name as written; for an
		 * address form the engine uses the address. */
		job->host = aj.named ? aj.target : NULL;
		job->tls = s->tls;
		job->tag = s->tag_base + (uint32_t)(aj.index / s->w.nports);
		st = s->hosts ? ps_hoststate_get(s->hosts, job->tag) : PS_HOST_UNKNOWN;
		if (st == PS_HOST_NOROUTE || (s->only_up && st != PS_HOST_UP))
			continue;
		if (st == PS_HOST_UNREACHABLE && s->skipped) {
			s->skipped(s->skip_ctx, job);
			continue;
		}
		return 1;
	}
	return 0;
}
