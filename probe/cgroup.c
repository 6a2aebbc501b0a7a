/* The cgroup v2 mount from mountinfo, and the cgroup id -> path map: one walk of the tree
 * (each directory's inode number is its cgroup id on v2), kept in a hash, walked again at
 * most once when a socket names a cgroup made since. The path classifier lives in
 * probe/cgroup_path.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "probe/escape.h"

/* Deeper cgroups are not walked: each level holds a directory open, and no runtime
 * nests anywhere near this deep. */
#define WALK_MAX_DEPTH 64
/* Fields in one mountinfo line: six fixed, the optional tags, "-", then three. */
#define MI_MAX_FIELDS 32
/* An escaped unit name: four bytes of output at most for each byte of one. */
#define LABEL_MAX (4 * sizeof(((struct ps_cgroup_info *)0)->unit))

/* Copy a mountinfo field, undoing the kernel's octal escapes (\040 space, \011 tab,
 * \012 newline, \134 backslash). Returns false when it does not fit or would hold NUL. */
static bool mi_unescape(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (unsigned char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					    (s[i + 3] - '0'));
			i += 3;
		}
		if (c == 0 || o + 1 >= outsz)
			return false;
		out[o++] = (char)c;
	}
	if (o == 0)
		return false;
	out[o] = 0;
	return true;
}

static bool field_is(const char *f, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(f, word, n) == 0;
}

/* How good a cgroup v2 mount line is (see the header); 0 when it is not one. */
static int mi_line(const char *line, size_t n, struct ps_cgroup_mount *m)
{
	const char *f[MI_MAX_FIELDS];
	size_t fl[MI_MAX_FIELDS], nf = 0, sep = 0;
	int score = 1;

	for (size_t i = 0; i < n && nf < MI_MAX_FIELDS;) {
		size_t j = i;

		while (j < n && line[j] != ' ')
			j++;
		if (j > i) {
			f[nf] = line + i;
			fl[nf++] = j - i;
		}
		i = j + 1;
	}
	for (size_t k = 6; k < nf && !sep; k++)
		if (field_is(f[k], fl[k], "-"))
			sep = k;
	if (!sep || sep + 2 >= nf || !field_is(f[sep + 1], fl[sep + 1], "cgroup2"))
		return 0;
	if (!mi_unescape(f[3], fl[3], m->root, sizeof(m->root)) ||
	    !mi_unescape(f[4], fl[4], m->path, sizeof(m->path)) || m->path[0] != '/')
		return 0;
	if (strcmp(m->root, "/") == 0)
		score += 2;
	if (strcmp(m->path, "/sys/fs/cgroup") == 0 || strcmp(m->path, "/sys/fs/cgroup/unified") == 0)
		score += 1;
	return score;
}

int ps_cgroup_parse_mountinfo(const char *text, size_t len, struct ps_cgroup_mount *m)
{
	struct ps_cgroup_mount cand;
	int best = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		int score = mi_line(text + i, n, &cand);

		if (score > best) {
			best = score;
			*m = cand;
		}
		i += n + 1;
	}
	return best > 0;
}

/* All of a /proc file (whose size stat reports as 0) into a malloc'd buffer. */
static char *read_all(const char *path, size_t *len, ps_err *err)
{
	size_t cap = 16384, n = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ps_err_system(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	if (!buf) {
		ps_err_nomem(err);
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				ps_err_nomem(err);
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ps_err_system(err, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

int ps_cgroup_find_mount(struct ps_cgroup_mount *m, ps_err *err)
{
	size_t len;
	char *text = read_all("/proc/self/mountinfo", &len, err);
	int rc;

	if (!text)
		return -1;
	rc = ps_cgroup_parse_mountinfo(text, len, m);
	free(text);
	return rc;
}

struct ps_cgroup_map {
	char *dir;
	char *prefix;		/* "" for none */
	struct ps_cgroup_entry **slot;	/* open addressing on id; cap is a power of two */
	size_t cap, len;
	unsigned walks;
};

struct ps_cgroup_map *ps_cgroup_map_new(const char *dir, const char *prefix, ps_err *err)
{
	struct ps_cgroup_map *m = calloc(1, sizeof(*m));

	if (!prefix || strcmp(prefix, "/") == 0)
		prefix = "";
	if (m) {
		m->dir = strdup(dir);
		m->prefix = strdup(prefix);
	}
	if (!m || !m->dir || !m->prefix) {
		ps_cgroup_map_free(m);
		ps_err_nomem(err);
		return NULL;
	}
	return m;
}

int ps_cgroup_map_open(struct ps_cgroup_map **out, ps_err *err)
{
	struct ps_cgroup_mount *mnt = malloc(sizeof(*mnt));
	int rc;

	*out = NULL;
	if (!mnt)
		return ps_err_nomem(err);
	rc = ps_cgroup_find_mount(mnt, err);
	if (rc == 1) {
		/* A subtree mount shows its root's path: keep paths whole where we can. */
		bool whole = mnt->root[0] == '/' && !strstr(mnt->root, "/..");

		*out = ps_cgroup_map_new(mnt->path, whole ? mnt->root : NULL, err);
		if (!*out)
			rc = -1;
	}
	free(mnt);
	return rc;
}

void ps_cgroup_map_free(struct ps_cgroup_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i]);
	free(m->slot);
	free(m->dir);
	free(m->prefix);
	free(m);
}

size_t ps_cgroup_entry_size(const struct ps_cgroup_entry *e)
{
	return sizeof(*e) + e->label_at + e->label_len + 1;
}

size_t ps_cgroup_map_size(const struct ps_cgroup_map *m)
{
	return m->len;
}

unsigned ps_cgroup_map_walks(const struct ps_cgroup_map *m)
{
	return m->walks;
}

static size_t slot_of(const struct ps_cgroup_map *m, uint64_t id)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull;

	for (size_t i = (size_t)(h ^ (h >> 29)) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->slot[i] || m->slot[i]->id == id)
			return i;
}

static int map_grow(struct ps_cgroup_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, ocap = m->cap;
	struct ps_cgroup_entry **old = m->slot;

	m->slot = calloc(ncap, sizeof(struct ps_cgroup_entry *));
	if (!m->slot) {
		m->slot = old;
		return -1;
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			m->slot[slot_of(m, old[i]->id)] = old[i];
	free(old);
	return 0;
}

/* Add id with path unless it is known already (a second walk keeps earlier entries, so
 * pointers handed out stay valid). Returns 0, or -1 on OOM. */
static int map_add(struct ps_cgroup_map *m, uint64_t id, const char *path)
{
	size_t n = strlen(path) + 1, i, ln = 0;
	struct ps_cgroup_info info;
	struct ps_cgroup_entry *e;
	char label[LABEL_MAX];

	if ((m->len + 1) * 2 > m->cap && map_grow(m) < 0)
		return -1;
	i = slot_of(m, id);
	if (m->slot[i])
		return 0;
	ps_cgroup_classify(path, &info);
	if (info.unit[0])
		ln = ps_escape(info.unit, strlen(info.unit), label, sizeof(label));
	else if (info.id[0])
		ln = ps_escape(info.id, strnlen(info.id, 12), label, sizeof(label));
	e = malloc(sizeof(*e) + n + ln + 1);
	if (!e)
		return -1;
	e->id = id;
	e->info = info;
	memcpy(e->path, path, n);
	memcpy(e->path + n, label, ln);
	e->path[n + ln] = '\0';
	e->label_at = n;
	e->label_len = ln;
	m->slot[i] = e;
	m->len++;
	return 0;
}

struct walk {
	struct ps_cgroup_map *m;
	char path[PATH_MAX];
	ps_err *err;
};

/* Add the cgroup open at fd (closed here) and everything below it; w->path holds its
 * path, plen bytes long. Vanished or unreadable subdirectories are skipped: cgroups come
 * and go while we walk. Returns 0, or -1 with err. */
static int walk_dir(struct walk *w, int fd, size_t plen, unsigned depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return ps_err_system(w->err, "cgroup: cannot stat %s%s: %s", w->m->dir,
				     w->path + strlen(w->m->prefix), strerror(errno));
	}
	if (map_add(w->m, (uint64_t)st.st_ino, plen ? w->path : "/") < 0) {
		close(fd);
		return ps_err_nomem(w->err);
	}
	d = depth < WALK_MAX_DEPTH ? fdopendir(fd) : NULL;
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		size_t nlen = strlen(de->d_name);
		int cfd;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    plen + 1 + nlen >= sizeof(w->path))
			continue;	/* dot files are never cgroups, and "." and ".." are not ours */
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, de->d_name, nlen + 1);
		if (walk_dir(w, cfd, plen + 1 + nlen, depth + 1) < 0) {
			closedir(d);
			return -1;
		}
		w->path[plen] = 0;
	}
	closedir(d);
	return 0;
}

static int map_walk(struct ps_cgroup_map *m, ps_err *err)
{
	struct walk *w = malloc(sizeof(*w));
	size_t plen = strlen(m->prefix);
	int fd, rc;

	if (!w)
		return ps_err_nomem(err);
	if (plen >= sizeof(w->path)) {
		free(w);
		return ps_err_input(err, "cgroup: prefix too long");
	}
	memcpy(w->path, m->prefix, plen + 1);
	w->m = m;
	w->err = err;
	m->walks++;
	fd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = ps_err_system(err, "cgroup: cannot open %s: %s", m->dir, strerror(errno));
	} else {
		rc = walk_dir(w, fd, plen, 0);
	}
	free(w);
	return rc;
}

int ps_cgroup_map_lookup(struct ps_cgroup_map *m, uint64_t id,
			 const struct ps_cgroup_entry **entry, ps_err *err)
{
	*entry = NULL;
	if (id == 0)
		return 0;
	for (;;) {
		if (m->cap) {
			const struct ps_cgroup_entry *e = m->slot[slot_of(m, id)];

			if (e) {
				*entry = e;
				return 1;
			}
		}
		if (m->walks >= 2)
			return 0;
		if (map_walk(m, err) < 0)
			return -1;
	}
}
