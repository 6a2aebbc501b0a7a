/* The walk of a target set as the engines' job source (see probe/walksrc.h). */
#include <string.h>

#include "probe/walksrc.h"

int ps_walksrc_next(void *src, struct ps_probe_job *job)
{
	struct ps_walksrc *s = src;
	struct ps_addrjob aj;

	if ((s->stop && *s->stop) || !ps_addrwalk_next(&s->w, &aj))
		return 0;
	job->addr = aj.addr;
	job->target = aj.target;
	/* The walk reuses aj: the engine keeps its own copy of the text in the job. */
	memcpy(job->address, aj.address, sizeof(job->address));
	job->tag = s->tag_base + (uint32_t)(aj.index / s->w.nports);
	return 1;
}
