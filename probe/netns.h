/* Network namespaces: entering one by name (/run/netns/NAME, as `ip netns add` makes
 * them), by path (/proc/PID/ns/net, /run/docker/netns/ID) or by pid:PID, and finding every
 * distinct one on the host (the named ones and every process's), each once. */
#ifndef PS_NETNS_H
#define PS_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"

/* One network namespace as --all-netns reports it: its name under /run/netns when it has
 * one, its inode (the namespace's identity, with dev) and one process in it (0 when none
 * is known). */
struct ps_netns_ref {
	char name[256];		/* "" when it has none */
	uint64_t dev, inode;
	int pid;
};

/* Open the namespace SPEC names: a NAME under /run/netns, a path (any SPEC with a '/'),
 * or pid:PID (/proc/PID/ns/net). Returns a descriptor (O_CLOEXEC), or -1 with err:
 * PS_ERR_INPUT for a bad SPEC or one that names nothing, PS_ERR_SYSTEM when the system
 * refused (no permission, ...). */
int ps_netns_open(const char *spec, ps_err *err);

/* Move this thread into the network namespace of fd (what names it, for messages). A file
 * that is not a network namespace is PS_ERR_INPUT. Returns 0 or -1 with err. */
int ps_netns_setns(int fd, const char *what, ps_err *err);

/* Move this process into the network namespace SPEC names (as ps_netns_open) for the rest
 * of its life, so later netlink dumps and /proc/sys/net reads see that namespace.
 * /proc/PID is unchanged: it is still this process's PID namespace. Returns 0, or -1 with
 * err as ps_netns_open and ps_netns_setns. */
int ps_netns_enter(const char *spec, ps_err *err);

/* Every distinct network namespace: those named under /run/netns first (with the first
 * process found in each), then those of the processes under proc_root ("/proc") that no
 * name pins, each once by (dev, inode). Namespaces or processes that vanish during the
 * walk are skipped. */
struct ps_netns_set {
	struct ps_netns_ref *v;
	size_t len, cap;
};
int ps_netns_list(struct ps_netns_set *out, const char *proc_root, ps_err *err);
void ps_netns_set_free(struct ps_netns_set *s);

/* Open the namespace ref names: /run/netns/NAME when it has a name, else
 * PROC_ROOT/PID/ns/net. Returns a descriptor, or -1 with err (ENOENT in err->sys_errno when
 * it is gone). */
int ps_netns_open_ref(const struct ps_netns_ref *ref, const char *proc_root, ps_err *err);

#endif
