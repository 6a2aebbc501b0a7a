/* Every network namespace on the host, each once: the names `ip netns` pins under
 * /run/netns, then the namespace of every process (containers that no name pins: Docker's
 * and podman's live under their own directories, or nowhere). A namespace is known by the
 * device and inode of its nsfs file, which stat(2) of /run/netns/NAME and of
 * /proc/PID/ns/net both report. Then one sock_diag dump inside each. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

/* Dump q inside ns into out, from the calling thread (setns moves only the thread). A
 * namespace gone since the listing is skipped. Returns 0 or -1 with err. */
static int dump_in(const struct ps_sockdiag_query *q, const struct ps_netns_ref *ns,
		   const char *proc_root, struct ps_sockvec *out, ps_err *err)
{
	char what[32];
	int fd = ps_netns_open_ref(ns, proc_root, err), rc;

	if (fd < 0)
		return err->sys_errno == ENOENT || err->sys_errno == ESRCH ? 0 : -1;
	snprintf(what, sizeof(what), "net:[%llu]", (unsigned long long)ns->inode);
	rc = ps_netns_setns(fd, ns->name[0] ? ns->name : what, err);
	(void)close(fd);
	return rc == 0 ? ps_sockdiag_dump(q, out, err) : rc;
}

/* The namespaces are shared out to a few threads: each kernel dump walks the whole
 * listening hash of the host (every namespace's sockets), so the walks dominate and two
 * cores do them in half the time. A thread enters namespaces one after another and ends;
 * the calling thread never leaves its own. */
struct walk {
	const struct ps_sockdiag_query *q;
	const char *proc_root;
	const struct ps_netns_set *set;
	struct ps_sockvec *parts;	/* one per namespace */
	ps_err *errs;
	int *rcs;
	size_t next;
};

static void *walker(void *arg)
{
	struct walk *w = arg;
	size_t k;

	while ((k = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->set->len)
		w->rcs[k] = dump_in(w->q, &w->set->v[k], w->proc_root, &w->parts[k], &w->errs[k]);
	return NULL;
}

#define WALK_THREADS_MAX 4

/* Returns 0, or -1 with err when no thread could start. */
static int run_walkers(struct walk *w, ps_err *err)
{
	pthread_t t[WALK_THREADS_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus < 1 ? 1 : (size_t)cpus, started = 0;

	if (n > WALK_THREADS_MAX)
		n = WALK_THREADS_MAX;
	if (n > w->set->len)
		n = w->set->len;
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&t[started], NULL, walker, w) == 0)
			started++;
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (started == 0 && n > 0)
		return ps_err_system(err, "cannot start a thread to enter namespaces");
	return 0;
}

/* Move the parts into out in namespace order, tagged. Returns 0 or -1 (first error). */
static int merge(struct walk *w, struct ps_sockvec *out, ps_err *err)
{
	int rc = 0;

	for (size_t k = 0; k < w->set->len; k++) {
		struct ps_sockvec *p = &w->parts[k];

		if (rc == 0 && w->rcs[k] < 0) {
			if (err)
				*err = w->errs[k];
			rc = -1;
		}
		for (size_t i = 0; rc == 0 && i < p->len; i++) {
			struct sock_rec *nv = ps_grow(out->v, &out->cap, out->len, sizeof(*nv), 256);

			if (!nv) {
				rc = ps_err_nomem(err);
				break;
			}
			out->v = nv;
			out->v[out->len] = p->v[i];
			out->v[out->len++].netns = &w->set->v[k];
		}
		ps_sockvec_free(p);
	}
	return rc;
}

int ps_netns_dump_all(const struct ps_sockdiag_query *q, const char *proc_root,
		      struct ps_netns_set *set, struct ps_sockvec *out, ps_err *err)
{
	struct walk w = { q, proc_root, set, NULL, NULL, NULL, 0 };
	int rc;

	if (ps_netns_list(set, proc_root, err) < 0)
		return -1;
	w.parts = calloc(set->len + 1, sizeof(*w.parts));
	w.errs = calloc(set->len + 1, sizeof(*w.errs));
	w.rcs = calloc(set->len + 1, sizeof(*w.rcs));
	if (!w.parts || !w.errs || !w.rcs) {
		rc = ps_err_nomem(err);
	} else if ((rc = run_walkers(&w, err)) == 0) {
		rc = merge(&w, out, err);
	}
	free(w.parts);
	free(w.errs);
	free(w.rcs);
	return rc;
}
