/* Which processes hold which sockets: socket inodes mapped through /proc/PID/fd. */
#ifndef PS_OWNERS_H
#define PS_OWNERS_H

#include "probe/err.h"
#include "probe/sockdiag.h"

/* The owner records that sock_rec.procs points into; free after the records' last use. */
struct ps_owners {
	struct ps_proc *procs;
	size_t len;
};

/* Point every record in sv at the processes holding its socket. Processes we may not
 * inspect, or that exit during the scan, are skipped: their sockets keep nprocs 0.
 * proc_root is "/proc" (tests may pass another tree). Returns 0, or -1 with err on OOM. */
int ps_owners_attach(struct ps_sockvec *sv, const char *proc_root, struct ps_owners *o,
		     ps_err *err);
void ps_owners_free(struct ps_owners *o);

#endif
