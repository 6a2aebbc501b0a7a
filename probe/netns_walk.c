/* Every network namespace on the host, each once: the names `ip netns` pins under
 * /run/netns, then the namespace of every process (containers that no name pins: Docker's
 * and podman's live under their own directories, or nowhere). A namespace is known by the
 * device and inode of its nsfs file, which stat(2) of /run/netns/NAME and of
 * /proc/PID/ns/net both report. Then one sock_diag dump inside each. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/grow.h"
#include "probe/netns.h"
#include "probe/netns_walk.h"

#define NETNS_RUN_DIR "/run/netns"

void ps_netns_set_free(struct ps_netns_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct ps_netns_ref *find(struct ps_netns_set *s, const struct stat *st)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->v[i].dev == (uint64_t)st->st_dev && s->v[i].inode == (uint64_t)st->st_ino)
			return &s->v[i];
	return NULL;
}

/* Add the namespace st describes unless known; returns it, or NULL on OOM. */
static struct ps_netns_ref *add(struct ps_netns_set *s, const struct stat *st)
{
	struct ps_netns_ref *r = find(s, st), *nv;

	if (r)
		return r;
	nv = ps_grow(s->v, &s->cap, s->len, sizeof(*nv), 16);
	if (!nv)
		return NULL;
	s->v = nv;
	r = &s->v[s->len++];
	memset(r, 0, sizeof(*r));
	r->dev = (uint64_t)st->st_dev;
	r->inode = (uint64_t)st->st_ino;
	return r;
}

/* The named namespaces. A missing /run/netns means none. */
static int list_named(struct ps_netns_set *s, ps_err *err)
{
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : ps_err_system(err, "cannot read %s: %s",
							   NETNS_RUN_DIR, strerror(errno));
	while ((e = readdir(d))) {
		struct ps_netns_ref *r;
		struct stat st;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(r->name))
			continue;
		/* A name that is no mount of a namespace (ip netns add half done) is skipped. */
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    find(s, &st))
			continue;
		if (!(r = add(s, &st))) {
			closedir(d);
			return ps_err_nomem(err);
		}
		memcpy(r->name, e->d_name, strlen(e->d_name) + 1);
	}
	closedir(d);
	return 0;
}

int ps_netns_list(struct ps_netns_set *out, const char *proc_root, ps_err *err)
{
	char path[320];
	DIR *d;
	struct dirent *e;

	if (list_named(out, err) < 0)
		return -1;
	d = opendir(proc_root);
	if (!d)
		return ps_err_system(err, "cannot read %s: %s", proc_root, strerror(errno));
	while ((e = readdir(d))) {
		struct ps_netns_ref *r;
		struct stat st;
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (!isdigit((unsigned char)e->d_name[0]) || *end || pid < 1)
			continue;
		snprintf(path, sizeof(path), "%s/%ld/ns/net", proc_root, pid);
		if (stat(path, &st) < 0)
			continue;	/* gone, or a kernel thread we may not look at */
		if (!(r = add(out, &st))) {
			closedir(d);
			return ps_err_nomem(err);
		}
		if (!r->pid)
			r->pid = (int)pid;
	}
	closedir(d);
	return 0;
}

/* Dump q inside ns, tagging what it adds. A namespace gone since the listing is skipped.
 * Returns 0 or -1 with err. */
static int dump_in(const struct ps_sockdiag_query *q, const struct ps_netns_ref *ns,
		   const char *proc_root, struct ps_sockvec *out, ps_err *err)
{
	char what[32];
	size_t mark = out->len;
	int fd = ps_netns_open_ref(ns, proc_root, err), rc;

	if (fd < 0)
		return err && (err->sys_errno == ENOENT || err->sys_errno == ESRCH) ? 0 : -1;
	snprintf(what, sizeof(what), "net:[%llu]", (unsigned long long)ns->inode);
	rc = ps_netns_setns(fd, ns->name[0] ? ns->name : what, err);
	(void)close(fd);
	if (rc == 0)
		rc = ps_sockdiag_dump(q, out, err);
	for (size_t i = mark; i < out->len; i++)
		out->v[i].netns = ns;
	return rc;
}

int ps_netns_dump_all(const struct ps_sockdiag_query *q, const char *proc_root,
		      struct ps_netns_set *set, struct ps_sockvec *out, ps_err *err)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc = 0;

	if (self < 0)
		return ps_err_system(err, "cannot open /proc/self/ns/net: %s", strerror(errno));
	if (ps_netns_list(set, proc_root, err) < 0)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < set->len; k++)
		rc = dump_in(q, &set->v[k], proc_root, out, err);
	/* Back home, so what runs next (owners, names) sees the host as before. */
	if (ps_netns_setns(self, "/proc/self/ns/net", rc < 0 ? NULL : err) < 0)
		rc = -1;
	(void)close(self);
	return rc;
}
