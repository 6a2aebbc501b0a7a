/* The cgroup v2 mount found in mountinfo text, the path classifier over real-world cgroup
 * paths (systemd units, user sessions, docker, podman, containerd, CRI-O, kubernetes,
 * lxc), the id -> path map on a fake tree in a temp dir, and, as root on a cgroup v2 host,
 * a cgroup made under the real mount. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "tests/helpers.h"

static int mi(const char *text, struct ps_cgroup_mount *m)
{
	memset(m, 0, sizeof(*m));
	return ps_cgroup_parse_mountinfo(text, strlen(text), m);
}

#define V1_LINES \
	"25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n" \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"

Test(cgroup_mountinfo, unified)
{
	struct ps_cgroup_mount m;

	cr_assert_eq(mi("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
			"26 25 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 "
			"- cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n", &m), 1);
	cr_assert_str_eq(m.path, "/sys/fs/cgroup");
	cr_assert_str_eq(m.root, "/");
}

Test(cgroup_mountinfo, hybrid)
{
	struct ps_cgroup_mount m;

	cr_assert_eq(mi(V1_LINES "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 "
			"- cgroup2 cgroup2 rw\n", &m), 1);
	cr_assert_str_eq(m.path, "/sys/fs/cgroup/unified");
}

Test(cgroup_mountinfo, none)
{
	struct ps_cgroup_mount m;

	cr_assert_eq(mi(V1_LINES, &m), 0);
	cr_assert_eq(mi("", &m), 0);
	cr_assert_eq(mi("\n\n\n", &m), 0);
	cr_assert_eq(mi("junk without fields\n- cgroup2\n", &m), 0);
	/* cgroup2 in the options or the source, not the type, is not a mount of it */
	cr_assert_eq(mi("41 31 0:38 / /x rw shared:9 - tmpfs cgroup2 rw,cgroup2\n", &m), 0);
	/* the separator must come after the six fixed fields */
	cr_assert_eq(mi("41 31 0:38 / - cgroup2 cgroup2 rw\n", &m), 0);
}

Test(cgroup_mountinfo, escaped_paths)
{
	struct ps_cgroup_mount m;

	cr_assert_eq(mi("41 31 0:38 / /mnt/my\\040cgroups\\011v2\\134x rw - cgroup2 none rw\n",
			&m), 1);
	cr_assert_str_eq(m.path, "/mnt/my cgroups\tv2\\x");
	/* a lone backslash or a short escape is kept as it is */
	cr_assert_eq(mi("41 31 0:38 / /mnt/a\\b\\04 rw - cgroup2 none rw", &m), 1);
	cr_assert_str_eq(m.path, "/mnt/a\\b\\04");
	/* an escaped NUL cannot be a path */
	cr_assert_eq(mi("41 31 0:38 / /mnt/a\\000b rw - cgroup2 none rw\n", &m), 0);
}

Test(cgroup_mountinfo, preference_and_no_trailing_newline)
{
	struct ps_cgroup_mount m;

	/* a subtree mount (a container's view) loses to the whole tree, wherever it is */
	cr_assert_eq(mi("50 49 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup rw\n"
			"51 49 0:30 / /run/cg rw shared:2 master:1 - cgroup2 cgroup rw", &m), 1);
	cr_assert_str_eq(m.path, "/run/cg");
	cr_assert_eq(mi("50 49 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup rw", &m), 1);
	cr_assert_str_eq(m.root, "/docker/abc");
	/* two whole-tree mounts: the standard place wins over a bind mount elsewhere */
	cr_assert_eq(mi("51 49 0:30 / /run/cg rw - cgroup2 cgroup rw\n"
			"52 49 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup rw\n", &m), 1);
	cr_assert_str_eq(m.path, "/sys/fs/cgroup");
	/* a relative mount point is not trusted */
	cr_assert_eq(mi("52 49 0:30 / sys/fs/cgroup rw - cgroup2 cgroup rw\n", &m), 0);
}

Test(cgroup_mountinfo, this_host)
{
	struct ps_cgroup_mount m;
	ps_err err;
	int rc = ps_cgroup_find_mount(&m, &err);

	cr_assert(rc == 0 || rc == 1, "%s", err.msg);
	if (rc == 1)
		cr_assert_eq(access(m.path, R_OK), 0, "%s", m.path);
}

#define H "4f3c2b1a4f3c2b1a4f3c2b1a4f3c2b1a4f3c2b1a4f3c2b1a4f3c2b1a4f3c2b1a"
#define U "1b2c3d4e_5f60_4718_9a2b_3c4d5e6f7081"
#define UD "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081"
#define KUBE_BURST "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"

static const struct {
	const char *path, *unit, *runtime, *id, *pod;
} paths[] = {
	{ "/system.slice/nginx.service", "nginx.service", "", "", "" },
	{ "/system.slice/cups.socket", "cups.socket", "", "", "" },
	{ "/init.scope", "init.scope", "", "", "" },
	{ "/", "", "", "", "" },
	{ "/system.slice/docker.service", "docker.service", "", "", "" },
	{ "/system.slice/docker-" H ".scope", "", "docker", H, "" },
	{ "/docker/" H, "", "docker", H, "" },
	{ "/system.slice/docker-" H ".scope/system.slice/nginx.service",
	  "nginx.service", "docker", H, "" },
	{ "/machine.slice/libpod-" H ".scope", "", "podman", H, "" },
	{ "/machine.slice/libpod-" H ".scope/container", "", "podman", H, "" },
	{ "/machine.slice/libpod-conmon-" H ".scope", "libpod-conmon-" H ".scope", "", "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" H ".scope/container",
	  "user@1000.service", "podman", H, "" },
	{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-2345.scope",
	  "app-gnome-firefox-2345.scope", "", "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.socket",
	  "dbus.socket", "", "", "" },
	{ KUBE_BURST U ".slice/cri-containerd-" H ".scope",
	  "", "containerd", H, UD },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" U ".slice",
	  "", "kubernetes", UD, UD },
	{ "/kubepods.slice/kubepods-pod" U ".slice/crio-" H ".scope", "", "crio", H, UD },
	{ "/kubepods/burstable/pod" UD "/" H, "", "kubernetes", H, UD },
	{ "/kubepods/besteffort/pod" UD "/crio-" H, "", "crio", H, UD },
	{ KUBE_BURST U ".slice/docker-" H ".scope",
	  "", "docker", H, UD },
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice"
	  "/kubelet-kubepods-besteffort-pod" U ".slice/cri-containerd-" H ".scope",
	  "", "containerd", H, UD },
	{ "/system.slice/containerd.service/kubepods-besteffort-pod" U ".slice:cri-containerd:" H,
	  "containerd.service", "containerd", H, UD },
	{ "/machine.slice/crio-conmon-" H ".scope", "crio-conmon-" H ".scope", "", "", "" },
	{ "/system.slice/nerdctl-" H ".scope", "", "containerd", H, "" },
	{ "/lxc.payload.web1", "", "lxc", "web1", "" },
	{ "/lxc.payload.web1/system.slice/sshd.service", "sshd.service", "lxc", "web1", "" },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope",
	  "machine-qemu\\x2d1\\x2dvm.scope", "", "", "" },
	{ "/system.slice/docker-abc.scope", "docker-abc.scope", "", "", "" },
	{ "/docker/notanid", "", "", "", "" },
	{ "/system.slice/.service", "", "", "", "" },
	{ "//system.slice//sshd.service/", "sshd.service", "", "", "" },
};

Test(cgroup_classify, real_world_paths)
{
	cr_assert_geq(sizeof(paths) / sizeof(paths[0]), 15);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct ps_cgroup_info in;
		bool any = ps_cgroup_classify(paths[i].path, &in);

		cr_expect_str_eq(in.unit, paths[i].unit, "unit of %s", paths[i].path);
		cr_expect_str_eq(in.runtime, paths[i].runtime, "runtime of %s", paths[i].path);
		cr_expect_str_eq(in.id, paths[i].id, "id of %s", paths[i].path);
		cr_expect_str_eq(in.pod, paths[i].pod, "pod of %s", paths[i].path);
		cr_expect_eq(any, paths[i].unit[0] || paths[i].runtime[0], "%s", paths[i].path);
	}
}

static char tree[64];

static ino_t mk(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", tree, rel);
	cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", p, strerror(errno));
	cr_assert_eq(stat(p, &st), 0);
	return st.st_ino;
}

static ino_t ino_of(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", tree, rel);
	cr_assert_eq(stat(p, &st), 0, "%s", p);
	return st.st_ino;
}

static void fake_tree(void)
{
	char file[256];
	int fd;

	snprintf(tree, sizeof(tree), "/tmp/portscope-cgtree.XXXXXX");
	cr_assert(mkdtemp(tree));
	mk("/system.slice");
	mk("/system.slice/nginx.service");
	mk("/system.slice/docker-" H ".scope");
	mk("/user.slice");
	mk("/user.slice/user-1000.slice");
	mk("/user.slice/user-1000.slice/session-3.scope");
	mk("/.hidden");
	/* plain files (cgroup.procs and friends) are not cgroups */
	snprintf(file, sizeof(file), "%s/system.slice/cgroup.procs", tree);
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void fake_tree_rm(void)
{
	char cmd[128];

	if (tree[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
		cr_assert_eq(system(cmd), 0);
	}
}

static const struct ps_cgroup_entry *must_find(struct ps_cgroup_map *m, ino_t ino)
{
	const struct ps_cgroup_entry *e;
	ps_err err;

	cr_assert_eq(ps_cgroup_map_lookup(m, (uint64_t)ino, &e, &err), 1, "id %lu",
		     (unsigned long)ino);
	cr_assert(e);
	cr_assert_eq(e->id, (uint64_t)ino);
	return e;
}

Test(cgroup_map, fake_tree, .init = fake_tree, .fini = fake_tree_rm)
{
	struct ps_cgroup_map *m;
	const struct ps_cgroup_entry *e, *kept;
	ps_err err;

	m = ps_cgroup_map_new(tree, NULL, &err);
	cr_assert(m);
	cr_assert_eq(ps_cgroup_map_walks(m), 0, "nothing is read before the first lookup");
	e = must_find(m, ino_of(""));
	cr_assert_str_eq(e->path, "/");
	e = must_find(m, ino_of("/system.slice/nginx.service"));
	cr_assert_str_eq(e->path, "/system.slice/nginx.service");
	cr_assert_str_eq(e->info.unit, "nginx.service");
	kept = e;
	e = must_find(m, ino_of("/system.slice/docker-" H ".scope"));
	cr_assert_str_eq(e->info.runtime, "docker");
	cr_assert_str_eq(e->info.id, H);
	e = must_find(m, ino_of("/user.slice/user-1000.slice/session-3.scope"));
	cr_assert_str_eq(e->info.unit, "session-3.scope");
	cr_assert_eq(ps_cgroup_map_size(m), 7, "six cgroups and the root; no dot dirs, no files");
	cr_assert_eq(ps_cgroup_map_walks(m), 1, "one walk answers every known id");

	/* a cgroup made after the walk is found by one more walk... */
	e = must_find(m, mk("/system.slice/late.service"));
	cr_assert_str_eq(e->path, "/system.slice/late.service");
	cr_assert_eq(ps_cgroup_map_walks(m), 2);
	cr_assert_eq(kept, must_find(m, ino_of("/system.slice/nginx.service")),
		     "entries survive a second walk");
	cr_assert_str_eq(kept->path, "/system.slice/nginx.service");
	/* ...and never a third: unknown ids are unknown from then on */
	mk("/system.slice/later.service");
	cr_assert_eq(ps_cgroup_map_lookup(m, (uint64_t)ino_of("/system.slice/later.service"),
					  &e, &err), 0);
	cr_assert_null(e);
	cr_assert_eq(ps_cgroup_map_lookup(m, 0, &e, &err), 0);
	cr_assert_eq(ps_cgroup_map_walks(m), 2);
	ps_cgroup_map_free(m);
}

Test(cgroup_map, unknown_id_walks_once_more, .init = fake_tree, .fini = fake_tree_rm)
{
	struct ps_cgroup_map *m = ps_cgroup_map_new(tree, NULL, NULL);
	const struct ps_cgroup_entry *e;
	ps_err err;

	cr_assert(m);
	cr_assert_eq(ps_cgroup_map_lookup(m, 0xfffffffffffffull, &e, &err), 0);
	cr_assert_eq(ps_cgroup_map_walks(m), 2);
	cr_assert_eq(ps_cgroup_map_lookup(m, 0xffffffffffffeull, &e, &err), 0);
	cr_assert_eq(ps_cgroup_map_walks(m), 2);
	ps_cgroup_map_free(m);
}

Test(cgroup_map, prefix_of_a_subtree_mount, .init = fake_tree, .fini = fake_tree_rm)
{
	struct ps_cgroup_map *m = ps_cgroup_map_new(tree, "/kubepods/pod" UD, NULL);
	const struct ps_cgroup_entry *e;

	cr_assert(m);
	e = must_find(m, ino_of(""));
	cr_assert_str_eq(e->path, "/kubepods/pod" UD);
	cr_assert_str_eq(e->info.runtime, "kubernetes");
	e = must_find(m, ino_of("/system.slice/nginx.service"));
	cr_assert_str_eq(e->path, "/kubepods/pod" UD "/system.slice/nginx.service");
	cr_assert_str_eq(e->info.unit, "nginx.service");
	cr_assert_str_eq(e->info.pod, UD);
	ps_cgroup_map_free(m);
}

Test(cgroup_map, missing_tree_is_a_system_error)
{
	struct ps_cgroup_map *m = ps_cgroup_map_new("/nonexistent/portscope-cg", NULL, NULL);
	const struct ps_cgroup_entry *e;
	ps_err err = { 0 };

	cr_assert(m);
	cr_assert_eq(ps_cgroup_map_lookup(m, 1, &e, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_SYSTEM);
	cr_assert(strstr(err.msg, "/nonexistent/portscope-cg"), "%s", err.msg);
	ps_cgroup_map_free(m);
}

/* The id the kernel gives a cgroup, as its file handle carries it (what
 * INET_DIAG_CGROUP_ID reports); 0 when the handle is not an 8-byte id. */
static uint64_t cgroup_handle_id(const char *path)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 8];
	} h = { .fh.handle_bytes = 8 };
	uint64_t id = 0;
	int mnt_id;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt_id, 0) == 0 && h.fh.handle_bytes == 8)
		memcpy(&id, h.fh.f_handle, 8);
	return id;
}

/* The real cgroup v2 mount, as root: a cgroup made there is found by its id. */
static char real_slice[PATH_MAX + 32], real_svc[PATH_MAX + 64], real_ctr[PATH_MAX + 128];

static void real_rm(void)
{
	if (real_svc[0])
		rmdir(real_svc);
	if (real_ctr[0])
		rmdir(real_ctr);
	if (real_slice[0])
		rmdir(real_slice);
}

Test(cgroup_map, real_v2_mount, .fini = real_rm)
{
	struct ps_cgroup_mount mnt;
	struct ps_cgroup_map *m;
	const struct ps_cgroup_entry *e;
	struct stat st;
	ps_err err;
	int rc = ps_cgroup_find_mount(&mnt, &err);

	cr_assert_geq(rc, 0, "%s", err.msg);
	if (rc == 0)
		cr_skip_test("no cgroup v2 mount on this host (mountinfo has no cgroup2)");
	if (!t_is_root())
		cr_skip_test("needs root to make a cgroup under %s", mnt.path);
	if (strcmp(mnt.root, "/") != 0)
		cr_skip_test("cgroup v2 is mounted from a subtree (%s)", mnt.root);
	snprintf(real_slice, sizeof(real_slice), "%s/portscope-test.slice", mnt.path);
	snprintf(real_svc, sizeof(real_svc), "%s/fake-web.service", real_slice);
	snprintf(real_ctr, sizeof(real_ctr), "%s/docker-" H ".scope", real_slice);
	if (mkdir(real_slice, 0755) < 0 && errno != EEXIST)
		cr_skip_test("cannot make a cgroup under %s: %s", mnt.path, strerror(errno));
	cr_assert(mkdir(real_svc, 0755) == 0 || errno == EEXIST, "%s", strerror(errno));
	cr_assert_eq(stat(real_svc, &st), 0);
	cr_assert_eq(cgroup_handle_id(real_svc), (uint64_t)st.st_ino,
		     "the kernel's cgroup id (its file handle) is the directory's inode");

	cr_assert_eq(ps_cgroup_map_open(&m, &err), 1, "%s", err.msg);
	cr_assert_eq(ps_cgroup_map_lookup(m, (uint64_t)st.st_ino, &e, &err), 1, "%s", err.msg);
	cr_assert_str_eq(e->path, "/portscope-test.slice/fake-web.service");
	cr_assert_str_eq(e->info.unit, "fake-web.service");
	cr_assert_str_eq(e->info.runtime, "");
	cr_assert_eq(stat(mnt.path, &st), 0);
	cr_assert_eq(ps_cgroup_map_lookup(m, (uint64_t)st.st_ino, &e, &err), 1);
	cr_assert_str_eq(e->path, "/");
	cr_assert_eq(ps_cgroup_map_walks(m), 1);

	/* a container's scope made after the walk: found by the one more walk */
	cr_assert(mkdir(real_ctr, 0755) == 0 || errno == EEXIST, "%s", strerror(errno));
	cr_assert_eq(stat(real_ctr, &st), 0);
	cr_assert_eq(ps_cgroup_map_lookup(m, (uint64_t)st.st_ino, &e, &err), 1, "%s", err.msg);
	cr_assert_str_eq(e->path, "/portscope-test.slice/docker-" H ".scope");
	cr_assert_str_eq(e->info.runtime, "docker");
	cr_assert_str_eq(e->info.id, H);
	cr_assert_str_eq(e->info.unit, "");
	cr_assert_eq(ps_cgroup_map_walks(m), 2);
	ps_cgroup_map_free(m);
}
