/* setns(2) into a network namespace named by the user: a name `ip netns` pinned under
 * /run/netns, a path to a namespace file, or a process's namespace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/escape.h"
#include "probe/netns.h"

#define NETNS_RUN_DIR "/run/netns"

/* The path SPEC names into path. Returns 0, or -1 with err (PS_ERR_INPUT: a malformed
 * SPEC). */
static int spec_path(const char *spec, char *path, size_t len, ps_err *err)
{
	char shown[128];
	int n;

	ps_escape(spec, strlen(spec), shown, sizeof(shown));
	if (strncmp(spec, "pid:", 4) == 0) {
		char *end;
		long pid;

		errno = 0;
		pid = strtol(spec + 4, &end, 10);
		if (spec[4] < '0' || spec[4] > '9' || *end || errno || pid < 1 || pid > INT_MAX)
			return ps_err_input(err, "invalid process id in namespace '%s' (pid:PID)",
					    shown);
		n = snprintf(path, len, "/proc/%ld/ns/net", pid);
	} else if (strchr(spec, '/')) {
		n = snprintf(path, len, "%s", spec);
	} else {
		/* A name is one path component: no way to point at some other file. */
		if (!*spec || strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0)
			return ps_err_input(err, "invalid namespace name '%s'", shown);
		n = snprintf(path, len, "%s/%s", NETNS_RUN_DIR, spec);
	}
	if (n < 0 || (size_t)n >= len)
		return ps_err_input(err, "namespace '%s' is too long", shown);
	return 0;
}

static int open_path(const char *path, const char *spec, ps_err *err)
{
	char shown[128], spath[128];
	/* O_NONBLOCK: a FIFO put there must not hang the open (setns then refuses it). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0)
		return fd;
	ps_escape(spec, strlen(spec), shown, sizeof(shown));
	ps_escape(path, strlen(path), spath, sizeof(spath));
	/* No such namespace is the user's input; anything else the system's refusal. */
	if (errno == ENOENT || errno == ENOTDIR || errno == ESRCH)
		return ps_err_input(err, "cannot open network namespace '%s' (%s): %s", shown,
				    spath, strerror(errno));
	return ps_err_system(err, "cannot open network namespace '%s' (%s): %s", shown, spath,
			     strerror(errno));
}

int ps_netns_open(const char *spec, ps_err *err)
{
	char path[PATH_MAX];

	if (spec_path(spec, path, sizeof(path), err) < 0)
		return -1;
	return open_path(path, spec, err);
}

int ps_netns_setns(int fd, const char *what, ps_err *err)
{
	char shown[128];

	if (setns(fd, CLONE_NEWNET) == 0)
		return 0;
	ps_escape(what, strlen(what), shown, sizeof(shown));
	/* EINVAL: the file exists but is not a network namespace. */
	if (errno == EINVAL)
		return ps_err_input(err, "cannot enter network namespace '%s': %s", shown,
				    "not a network namespace");
	return ps_err_system(err, "cannot enter network namespace '%s': %s", shown,
			     strerror(errno));
}

int ps_netns_enter(const char *spec, ps_err *err)
{
	int fd = ps_netns_open(spec, err), rc;

	if (fd < 0)
		return -1;
	rc = ps_netns_setns(fd, spec, err);
	if (close(fd) < 0 && rc == 0)
		return ps_err_system(err, "close: %s", strerror(errno));
	return rc;
}

int ps_netns_open_ref(const struct ps_netns_ref *ref, const char *proc_root, ps_err *err)
{
	char path[PATH_MAX];
	int n;

	if (ref->name[0])
		n = snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ref->name);
	else
		n = snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, ref->pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ps_err_input(err, "namespace path too long");
	n = open(path, O_RDONLY | O_CLOEXEC);
	if (n < 0)
		return ps_err_system(err, "cannot open network namespace %s: %s", path,
				     strerror(errno));
	return n;
}
