/* Socket owners. The kernel's sock_diag says which inode a socket has but not who holds
 * it, so we walk /proc/PID/fd and read each descriptor's link ("socket:[INODE]"). Only
 * readlinkat() per descriptor: no per-descriptor stat or getxattr, relative to an open
 * directory so the kernel does not resolve a full path each time. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/grow.h"
#include "probe/owners.h"

struct slot {
	uint32_t inode;		/* 0: empty */
	uint32_t rec;		/* index into the records */
};

struct hit {
	uint32_t rec;
	uint32_t proc;		/* index into the process table */
};

struct scan {
	struct slot *slots;
	size_t mask;
	struct hit *hits;
	size_t nhits, caphits;
	struct ps_proc *procs;	/* one per process that holds a wanted socket */
	size_t nprocs, capprocs;
};

static size_t hash_inode(uint32_t ino)
{
	uint32_t h = ino * 2654435761u;	/* Knuth's multiplicative hash, modulo 2^32 */

	return h;
}

static int build_index(struct scan *s, const struct ps_sockvec *sv)
{
	size_t size = 64;

	while (size < sv->len * 2)
		size <<= 1;
	s->slots = calloc(size, sizeof(*s->slots));
	if (!s->slots)
		return -1;
	s->mask = size - 1;
	for (size_t i = 0; i < sv->len; i++) {
		uint32_t ino = sv->v[i].inode;
		size_t h;

		if (ino == 0)	/* time-wait and request sockets have no inode */
			continue;
		for (h = hash_inode(ino) & s->mask; s->slots[h].inode; h = (h + 1) & s->mask)
			if (s->slots[h].inode == ino)
				break;
		s->slots[h].inode = ino;
		s->slots[h].rec = (uint32_t)i;
	}
	return 0;
}

static long lookup(const struct scan *s, uint32_t ino)
{
	for (size_t h = hash_inode(ino) & s->mask; s->slots[h].inode; h = (h + 1) & s->mask)
		if (s->slots[h].inode == ino)
			return s->slots[h].rec;
	return -1;
}

/* Parse "socket:[123]" into 123; returns 0 for anything else. */
static uint32_t socket_inode(const char *link, ssize_t len)
{
	uint32_t v = 0;

	if (len < 10 || memcmp(link, "socket:[", 8) != 0 || link[len - 1] != ']')
		return 0;
	for (ssize_t i = 8; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(link[i] - '0');
	}
	return v;
}

static void read_comm(int procfd, const char *pid, char *out, size_t outlen)
{
	char path[300];
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/comm", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, out, outlen - 1);
	close(fd);
	if (n <= 0)
		return;
	if (out[n - 1] == '\n')
		n--;
	out[n] = '\0';
}

static int add_hit(struct scan *s, uint32_t rec, uint32_t proc)
{
	struct hit *n = ps_grow(s->hits, &s->caphits, s->nhits, sizeof(*n), 256);

	if (!n)
		return -1;
	s->hits = n;
	s->hits[s->nhits].rec = rec;
	s->hits[s->nhits].proc = proc;
	s->nhits++;
	return 0;
}

/* Scan one process's descriptors. Returns -1 only on OOM. */
static int scan_pid(struct scan *s, int procfd, const char *pid)
{
	char path[300], link[64];
	struct dirent *de;
	long proc = -1;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* not ours to see, or gone: its sockets stay unowned */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		ssize_t n;
		uint32_t ino;
		long rec;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fd, de->d_name, link, sizeof(link));
		if (n <= 0 || n == (ssize_t)sizeof(link))
			continue;
		ino = socket_inode(link, n);
		if (!ino || (rec = lookup(s, ino)) < 0)
			continue;
		if (proc < 0) {
			struct ps_proc *np = ps_grow(s->procs, &s->capprocs, s->nprocs,
						     sizeof(*np), 64);

			if (!np)
				goto oom;
			s->procs = np;
			proc = (long)s->nprocs++;
			s->procs[proc].pid = (int)strtol(pid, NULL, 10);	/* readdir of /proc: digits only */
			read_comm(procfd, pid, s->procs[proc].command, sizeof(s->procs[proc].command));
		}
		if (add_hit(s, (uint32_t)rec, (uint32_t)proc) < 0)
			goto oom;
	}
	closedir(d);
	return 0;
oom:
	closedir(d);
	return -1;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->rec != y->rec)
		return x->rec < y->rec ? -1 : 1;
	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

int ps_owners_attach(struct ps_sockvec *sv, const char *proc_root, struct ps_owners *o,
		     ps_err *err)
{
	struct scan s = { 0 };
	struct dirent *de;
	int procfd = -1, ret = -1;
	DIR *d = NULL;

	o->procs = NULL;
	o->len = 0;
	if (sv->len == 0)
		return 0;
	if (build_index(&s, sv) < 0) {
		ps_err_nomem(err);
		goto end;
	}
	procfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		ret = 0;	/* no /proc: every socket is listed without owners */
		goto end;
	}
	d = fdopendir(procfd);
	if (!d) {
		close(procfd);
		ret = 0;
		goto end;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (scan_pid(&s, procfd, de->d_name) < 0) {
			ps_err_nomem(err);
			goto end;
		}
	}
	/* One contiguous run of owners per record, in pid order. A process that holds the
	 * same socket on several descriptors is listed once. */
	if (s.nhits)	/* qsort must not see the NULL of an empty list */
		qsort(s.hits, s.nhits, sizeof(*s.hits), hit_cmp);
	o->procs = malloc((s.nhits ? s.nhits : 1) * sizeof(*o->procs));
	if (!o->procs) {
		ps_err_nomem(err);
		goto end;
	}
	for (size_t i = 0; i < s.nhits; i++) {
		struct sock_rec *r = &sv->v[s.hits[i].rec];

		if (i > 0 && s.hits[i - 1].rec == s.hits[i].rec && s.hits[i - 1].proc == s.hits[i].proc)
			continue;
		if (r->nprocs == 0)
			r->procs = &o->procs[o->len];
		o->procs[o->len++] = s.procs[s.hits[i].proc];
		r->nprocs++;
	}
	ret = 0;
end:
	if (d)
		closedir(d);
	free(s.slots);
	free(s.hits);
	free(s.procs);
	return ret;
}

void ps_owners_free(struct ps_owners *o)
{
	free(o->procs);
	o->procs = NULL;
	o->len = 0;
}
