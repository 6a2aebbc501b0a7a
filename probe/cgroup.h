/* Who owns a socket, from its cgroup: where cgroup v2 is mounted (read from mountinfo,
 * never assumed), a cgroup id (on v2 the inode number of the cgroup's directory, which
 * sock_diag reports as INET_DIAG_CGROUP_ID) mapped to its path by one cached walk of the
 * tree, and what a path says: the systemd unit and the container. No root is needed:
 * cgroup directories are world-readable. */
#ifndef PS_CGROUP_H
#define PS_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"

/* The cgroup v2 mount: its mount point, and the cgroup it shows as its root ("/" unless
 * the mount is of a subtree, as inside some containers). Both unescaped. */
struct ps_cgroup_mount {
	char path[PATH_MAX];
	char root[PATH_MAX];
};

/* Find the cgroup v2 mount in mountinfo text (len bytes, need not end in NUL). With
 * several, a mount of the whole tree wins, then one at /sys/fs/cgroup or
 * /sys/fs/cgroup/unified (unified and hybrid hosts), then the first. Malformed lines are
 * skipped. Returns 1 and fills m, or 0 when there is no cgroup v2 mount. */
int ps_cgroup_parse_mountinfo(const char *text, size_t len, struct ps_cgroup_mount *m);

/* The same for this process, from /proc/self/mountinfo. Returns 1, 0 when cgroup v2 is
 * not mounted, or -1 with err when mountinfo cannot be read. */
int ps_cgroup_find_mount(struct ps_cgroup_mount *m, ps_err *err);

/* What a cgroup path says about its owner. Empty strings mean "none". */
struct ps_cgroup_info {
	char unit[256];		/* systemd unit: "nginx.service", "session-3.scope" */
	char runtime[16];	/* "docker", "podman", "containerd", "crio", "kubernetes", "lxc" */
	char id[128];		/* container id; for a pod with no container scope, the pod uid */
	char pod[64];		/* kubernetes pod uid (with dashes), when the path is in a pod */
};

/* Classify a cgroup path ("/system.slice/nginx.service"). The unit is the last
 * .service/.socket/.scope component that is not a container's scope; the container is
 * the innermost one named. Returns true when a unit or a container was found. */
bool ps_cgroup_classify(const char *path, struct ps_cgroup_info *out);

/* One cgroup: its id, its path ("/" for the root of the walked tree), and its
 * classification. Entries live until ps_cgroup_map_free. */
struct ps_cgroup_entry {
	uint64_t id;
	struct ps_cgroup_info info;
	/* The owner in one cell, made once per cgroup rather than once per socket: the unit,
	 * else the container id cut to docker's twelve characters, escaped as table text
	 * (ps_escape); "" (label_len 0) when the path names neither. It is stored after the
	 * path, at path + label_at (ps_cgroup_label), so an entry is one block of
	 * ps_cgroup_entry_size bytes that can be copied whole. */
	size_t label_at, label_len;
	char path[];
};

static inline const char *ps_cgroup_label(const struct ps_cgroup_entry *e)
{
	return e->path + e->label_at;
}

/* The size of the block e is (to copy an entry beyond the map's life). */
size_t ps_cgroup_entry_size(const struct ps_cgroup_entry *e);

struct ps_cgroup_map;

/* A map of the cgroup tree under dir (the v2 mount point, or a test's fake tree). Paths
 * are relative to dir, each prefixed with prefix when it is not NULL or "/". Nothing is
 * read until the first lookup. Returns NULL with err on OOM. */
struct ps_cgroup_map *ps_cgroup_map_new(const char *dir, const char *prefix, ps_err *err);

/* The map of this host's cgroup v2 tree. Returns 1 with *out set, 0 when cgroup v2 is not
 * mounted (*out NULL: owners by cgroup are unknown, not an error), -1 with err. */
int ps_cgroup_map_open(struct ps_cgroup_map **out, ps_err *err);

/* The cgroup with id. The tree is walked once on the first lookup, and once more (over
 * the map's whole life) when an id is not found, for cgroups made since. Returns 1 with
 * *entry set, 0 when the id is unknown (or 0), -1 with err when the tree cannot be read
 * or on OOM. */
int ps_cgroup_map_lookup(struct ps_cgroup_map *m, uint64_t id,
			 const struct ps_cgroup_entry **entry, ps_err *err);

/* How many cgroups the map holds, and how many walks it made (for tests and benches). */
/* True when cg (NULL: unknown) is of systemd unit want: the unit itself, or NAME.service
 * for a want with no dot ("nginx" is nginx.service). */
bool ps_cgroup_unit_matches(const struct ps_cgroup_entry *cg, const char *want);
/* True when cg is a container whose id starts with want (docker's 12-character short ids;
 * an empty want matches no container). */
bool ps_cgroup_container_matches(const struct ps_cgroup_entry *cg, const char *want);

size_t ps_cgroup_map_size(const struct ps_cgroup_map *m);
unsigned ps_cgroup_map_walks(const struct ps_cgroup_map *m);

void ps_cgroup_map_free(struct ps_cgroup_map *m);

#endif
