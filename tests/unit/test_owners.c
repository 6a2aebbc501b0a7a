/* Socket owners from a /proc tree: a fake one built in a temporary directory, with the
 * same layout the kernel gives (PID/fd/N -> "socket:[INODE]", PID/comm). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/owners.h"

static char root[64];

static void mkproc(int pid, const char *comm)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	cr_assert(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
	cr_assert(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "%s\n", comm);
	fclose(f);
}

static void mkfd(int pid, int fd, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, pid, fd);
	cr_assert(symlink(target, path) == 0);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ps-owners-XXXXXX");
	cr_assert(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert(system(cmd) == 0);
}

TestSuite(owners, .init = setup, .fini = teardown);

Test(owners, joins_descriptors_to_records_by_inode)
{
	struct sock_rec recs[3] = { { .inode = 555 }, { .inode = 999 }, { .inode = 0 } };
	struct ps_sockvec sv = { recs, 3, 3 };
	struct ps_owners o;
	ps_err err;
	char path[256];

	mkproc(100, "nginx");
	mkfd(100, 3, "socket:[555]");
	mkfd(100, 4, "socket:[555]");	/* the same socket twice: listed once */
	mkfd(100, 5, "/dev/null");
	mkproc(200, "\033[1mworker");
	mkfd(200, 7, "socket:[555]");
	mkfd(200, 8, "socket:[777]");	/* not a record of ours */
	mkfd(200, 9, "socket:[12x]");	/* malformed */
	mkproc(300, "idle");
	mkfd(300, 0, "pipe:[555]");
	/* A process whose fd directory we may not read (gone, or another user's). */
	snprintf(path, sizeof(path), "%s/400", root);
	cr_assert(mkdir(path, 0755) == 0);
	/* Not processes: names that do not start with a digit 1-9. */
	snprintf(path, sizeof(path), "%s/self", root);
	cr_assert(mkdir(path, 0755) == 0);

	cr_assert_eq(ps_owners_attach(&sv, root, &o, &err), 0);
	cr_assert_eq(recs[0].nprocs, 2);
	cr_assert_eq(recs[0].procs[0].pid, 100);
	cr_assert_str_eq(recs[0].procs[0].command, "nginx");
	cr_assert_eq(recs[0].procs[1].pid, 200);
	cr_assert_str_eq(recs[0].procs[1].command, "\033[1mworker", "stored raw, escaped on output");
	cr_assert_eq(recs[1].nprocs, 0);
	cr_assert_eq(recs[2].nprocs, 0, "inode 0 (time-wait) has no owner");
	ps_owners_free(&o);
}

Test(owners, no_proc_tree_means_no_owners)
{
	struct sock_rec recs[1] = { { .inode = 1 } };
	struct ps_sockvec sv = { recs, 1, 1 };
	struct ps_owners o;

	cr_assert_eq(ps_owners_attach(&sv, "/nonexistent/proc", &o, NULL), 0);
	cr_assert_eq(recs[0].nprocs, 0);
	ps_owners_free(&o);
}

Test(owners, empty_record_set)
{
	struct ps_sockvec sv = { 0 };
	struct ps_owners o;

	cr_assert_eq(ps_owners_attach(&sv, root, &o, NULL), 0);
	cr_assert_eq(o.len, 0);
	ps_owners_free(&o);
}
