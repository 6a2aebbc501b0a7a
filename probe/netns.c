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
		return ps_err_input(err, "invalid namespace name '%s'", name);
	n = snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ps_err_input(err, "namespace name too long");
	/* O_NONBLOCK: a FIFO put there must not hang the open (setns then refuses it). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		/* No such namespace is the user's input; anything else the system's refusal. */
		if (errno == ENOENT || errno == ENOTDIR)
			return ps_err_input(err, "cannot open network namespace '%s' (%s): %s", name,
					    path, strerror(errno));
		return ps_err_system(err, "cannot open network namespace '%s' (%s): %s", name,
				     path, strerror(errno));
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc < 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		/* EINVAL: the file exists but is not a network namespace. */
		if (e == EINVAL)
			return ps_err_input(err, "cannot enter network namespace '%s': %s", name,
					    "not a network namespace");
		return ps_err_system(err, "cannot enter network namespace '%s': %s", name,
				     strerror(e));
	}
	if (close(fd) < 0)
		return ps_err_system(err, "close %s: %s", path, strerror(errno));
	return 0;
}
