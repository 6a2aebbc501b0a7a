/* What a cgroup path says about its owner: the systemd unit (the last .service, .socket
 * or .scope component that is not a container's scope) and the container, from the names
 * runtimes give their cgroups:
 *   docker      docker-<64 hex>.scope (systemd driver), /docker/<64 hex> (cgroupfs)
 *   podman      libpod-<64 hex>.scope, libpod-<64 hex> (libpod-conmon-* is its monitor)
 *   containerd  cri-containerd-<hex>.scope, nerdctl-<hex>.scope
 *   crio        crio-<hex>.scope, crio-<hex> (crio-conmon-* is its monitor)
 *   lxc         lxc.payload.<name>
 *   kubernetes  kubepods...-pod<uid>.slice (systemd driver, uid with '_' for '-') or
 *               /kubepods/.../pod<uid> (cgroupfs); a runtime's scope inside wins the id,
 *               a bare <64 hex> under the pod is its container on cgroupfs, and
 *               <slice>:<runtime>:<id> is the form containerd uses with systemd.
 * Pure string work: no file is read. */
#include <stdio.h>
#include <string.h>

#include "probe/cgroup.h"

struct comp {
	const char *s;
	size_t n;
};

static bool has_prefix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && memcmp(c.s, p, n) == 0;
}

static bool has_suffix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && memcmp(c.s + c.n - n, p, n) == 0;
}

static bool is_hex(const char *s, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A kubernetes pod uid as cgroups spell it: 32 hex digits in groups, '-' or '_'. */
static bool is_uid(const char *s, size_t n)
{
	size_t hex = 0;

	if (n < 32 || n > 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == '_')
			continue;
		if (!is_hex(s + i, 1, 1, 1))
			return false;
		hex++;
	}
	return hex == 32;
}

static void put(char *dst, size_t dstsz, const char *s, size_t n)
{
	snprintf(dst, dstsz, "%.*s", (int)n, s);
}

static void put_pod(struct ps_cgroup_info *out, const char *s, size_t n)
{
	put(out->pod, sizeof(out->pod), s, n);
	for (char *p = out->pod; *p; p++)
		if (*p == '_')
			*p = '-';
}

/* Runtime scopes named <prefix><id>[.scope]. */
static const struct {
	const char *prefix, *runtime;
	size_t min_hex;
	bool scope_only;
} scopes[] = {
	{ "docker-", "docker", 64, true },
	{ "libpod-", "podman", 64, false },
	{ "cri-containerd-", "containerd", 12, true },
	{ "nerdctl-", "containerd", 12, true },
	{ "crio-", "crio", 12, false },
};

/* The pod uid of a kubepods component: ...-pod<uid>.slice or pod<uid>. */
static void pod_comp(struct comp c, struct ps_cgroup_info *out)
{
	if (has_suffix(c, ".slice")) {
		for (size_t i = c.n - 6; i >= 4; i--) {
			if (memcmp(c.s + i - 4, "-pod", 4) == 0) {
				if (is_uid(c.s + i, c.n - 6 - i))
					put_pod(out, c.s + i, c.n - 6 - i);
				return;
			}
		}
	} else if (has_prefix(c, "pod") && is_uid(c.s + 3, c.n - 3)) {
		put_pod(out, c.s + 3, c.n - 3);
	}
}

/* <slice>:<runtime>:<id>, as containerd's systemd driver names a pod's container. */
static bool colon_form(struct comp c, struct ps_cgroup_info *out)
{
	const char *a = memchr(c.s, ':', c.n), *b;
	struct comp slice, rt;

	if (!a)
		return false;
	b = memchr(a + 1, ':', c.n - (size_t)(a + 1 - c.s));
	if (!b || !is_hex(b + 1, c.n - (size_t)(b + 1 - c.s), 12, 64))
		return false;
	rt = (struct comp){ a + 1, (size_t)(b - a - 1) };
	if (rt.n == 14 && has_prefix(rt, "cri-containerd"))
		put(out->runtime, sizeof(out->runtime), "containerd", 10);
	else if ((rt.n == 4 && has_prefix(rt, "crio")) || (rt.n == 6 && has_prefix(rt, "docker")))
		put(out->runtime, sizeof(out->runtime), rt.s, rt.n);
	else
		return false;
	put(out->id, sizeof(out->id), b + 1, c.n - (size_t)(b + 1 - c.s));
	slice = (struct comp){ c.s, (size_t)(a - c.s) };
	pod_comp(slice, out);
	return true;
}

/* Fill the runtime and id when c is a container's own cgroup. prev is the component
 * before it (for /docker/<id>), kube whether the path is under kubepods. */
static bool container_comp(struct comp c, struct comp prev, bool kube,
			   struct ps_cgroup_info *out)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		struct comp id = c;

		if (!has_prefix(c, scopes[i].prefix))
			continue;
		id.s += strlen(scopes[i].prefix);
		id.n -= strlen(scopes[i].prefix);
		if (has_suffix(id, ".scope"))
			id.n -= 6;
		else if (scopes[i].scope_only)
			continue;
		if (!is_hex(id.s, id.n, scopes[i].min_hex, 64))
			continue;	/* libpod-conmon-..., crio-conmon-...: monitors */
		put(out->runtime, sizeof(out->runtime), scopes[i].runtime, strlen(scopes[i].runtime));
		put(out->id, sizeof(out->id), id.s, id.n);
		return true;
	}
	if (is_hex(c.s, c.n, 64, 64) && (kube || (prev.n == 6 && has_prefix(prev, "docker")))) {
		put(out->runtime, sizeof(out->runtime), kube ? "kubernetes" : "docker",
		    kube ? 10 : 6);
		put(out->id, sizeof(out->id), c.s, c.n);
		return true;
	}
	if (has_prefix(c, "lxc.payload.") && c.n > 12) {
		put(out->runtime, sizeof(out->runtime), "lxc", 3);
		put(out->id, sizeof(out->id), c.s + 12, c.n - 12);
		return true;
	}
	return memchr(c.s, ':', c.n) && colon_form(c, out);
}

static bool unit_comp(struct comp c)
{
	return (has_suffix(c, ".service") && c.n > 8) || (has_suffix(c, ".socket") && c.n > 7) ||
	       (has_suffix(c, ".scope") && c.n > 6);
}

bool ps_cgroup_classify(const char *path, struct ps_cgroup_info *out)
{
	struct comp prev = { "", 0 };
	bool kube = false;

	memset(out, 0, sizeof(*out));
	for (const char *p = path; *p;) {
		struct comp c = { p, strcspn(p, "/") };

		p += c.n + (p[c.n] == '/');
		if (c.n == 0)
			continue;
		if (!kube && memmem(c.s, c.n, "kubepods", 8))
			kube = true;
		if (kube)
			pod_comp(c, out);
		if (!container_comp(c, prev, kube, out) && unit_comp(c))
			put(out->unit, sizeof(out->unit), c.s, c.n);
		prev = c;
	}
	if (out->pod[0] && !out->runtime[0]) {
		put(out->runtime, sizeof(out->runtime), "kubernetes", 10);
		put(out->id, sizeof(out->id), out->pod, strlen(out->pod));
	}
	return out->unit[0] || out->runtime[0];
}

bool ps_cgroup_unit_matches(const struct ps_cgroup_entry *cg, const char *want)
{
	const char *u = cg ? cg->info.unit : "";
	size_t n = strlen(want);

	if (!*u)
		return false;
	if (strcmp(u, want) == 0)
		return true;
	return !strchr(want, '.') && strncmp(u, want, n) == 0 && strcmp(u + n, ".service") == 0;
}

bool ps_cgroup_container_matches(const struct ps_cgroup_entry *cg, const char *want)
{
	return cg && cg->info.id[0] && *want && strncmp(cg->info.id, want, strlen(want)) == 0;
}
