/* setns(2) into a namespace that `ip netns` pinned under /run/netns. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe/netns.h"

#define NETNS_RUN_DIR "/run/netns"

int ps_netns_enter(const char *name, ps_err *err)
{
	char path[512];
	int fd, rc, n;

	/* A name is one path component: no way to point at some other file. */
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ps_err_set(err, "invalid namespace name '%s'", name);
	n = snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ps_err_set(err, "namespace name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		ps_err_set(err, "cannot open network namespace '%s' (%s): %s", name, path,
			   strerror(e));
		return e == ENOENT || e == ENOTDIR ? -1 : -2;
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc < 0) {
		int e = errno;

		close(fd);
		/* EINVAL: the file exists but is not a network namespace. */
		ps_err_set(err, "cannot enter network namespace '%s': %s", name,
			   e == EINVAL ? "not a network namespace" : strerror(e));
		return e == EINVAL ? -1 : -2;
	}
	if (close(fd) < 0) {
		ps_err_set(err, "close %s: %s", path, strerror(errno));
		return -2;
	}
	return 0;
}
