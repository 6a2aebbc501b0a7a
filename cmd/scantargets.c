/* scan's target sets from the command line, target files and excludes (see
 * cmd/scantargets.h). Address forms go straight into the sets; anything else is a name,
 * checked as scan's bare host form, resolved once, and every address it has is added. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/scantargets.h"
#include "probe/escape.h"
#include "probe/grow.h"
#include "probe/proto.h"
#include "probe/targets.h"

/* --targets-file, --exclude and --exclude-file, each a list of its own. */
int ps_target_list_option(const struct ps_option *opt, const char *name, const char *arg,
			  void *field)
{
	struct ps_target_cli *c = field;
	const char **v = c->files;
	size_t *n = &c->nfiles;

	if (strcmp(opt->long_name, "exclude") == 0)
		v = c->excludes, n = &c->nexcludes;
	else if (strcmp(opt->long_name, "exclude-file") == 0)
		v = c->exclude_files, n = &c->nexclude_files;
	if (*n == PS_TARGET_LISTS)
		return ps_usage("too many %s (at most %d)", name, PS_TARGET_LISTS);
	v[(*n)++] = arg;
	return 0;
}

int ps_target_seed_option(const struct ps_option *opt, const char *name, const char *arg,
			  void *field)
{
	struct ps_target_cli *c = field;
	char *end;
	unsigned long long v;

	(void)opt;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		return ps_usage("invalid value '%s' for %s (0-18446744073709551615)", arg, name);
	c->seed = v;
	c->seed_given = true;
	return 0;
}

int ps_target_shard_option(const struct ps_option *opt, const char *name, const char *arg,
			   void *field)
{
	struct ps_target_cli *c = field;
	unsigned long i, n;
	char *end, *end2;

	(void)opt;
	errno = 0;
	i = strtoul(arg, &end, 10);
	if (errno || end == arg || *end != '/' || arg[0] == '-' || end[1] == '-')
		return ps_usage("invalid value '%s' for %s (I/N, 1 <= I <= N)", arg, name);
	n = strtoul(end + 1, &end2, 10);
	if (errno || end2 == end + 1 || *end2 || i < 1 || n < 1 || i > n || n > UINT32_MAX)
		return ps_usage("invalid value '%s' for %s (I/N, 1 <= I <= N)", arg, name);
	c->shard = (uint32_t)(i - 1);
	c->nshards = (uint32_t)n;
	return 0;
}

/* One token for the sets mask (bit 0 TCP, bit 1 UDP), as an exclude or a target. */
struct builder {
	struct ps_scan_targets *t;
	unsigned mask;
	int family;
	bool exclude;
};

static int add_unresolved(struct ps_scan_targets *t, const char *name, const char *why,
			  uint8_t proto, ps_err *err)
{
	struct ps_unresolved *u = ps_grow(t->bad, &t->badcap, t->nbad, sizeof(*u), 8);

	if (!u)
		return ps_err_nomem(err);
	t->bad = u;
	u = &t->bad[t->nbad];
	if (!(u->name = strdup(name)))
		return ps_err_nomem(err);
	snprintf(u->why, sizeof(u->why), "%s", why);
	u->proto = proto;
	t->nbad++;
	return 0;
}

/* A name: checked as scan's host form, resolved, each address added to every set of
 * mask; one that does not resolve is kept for an error result (an exclude is dropped). */
static int add_name(struct builder *b, unsigned mask, const char *tok, ps_err *err)
{
	struct ps_target pt;
	struct ps_addrlist al = { 0 };
	ps_err rerr;
	int rc = 0;

	if (ps_targets_parse(tok, false, IPPROTO_TCP, &pt, err) < 0)
		return -1;
	if (ps_targets_resolve(pt.host, b->family, &al, &rerr) < 0) {
		for (int p = 0; p < 2 && !b->exclude && rc == 0; p++)
			if (mask & (1u << p))
				rc = add_unresolved(b->t, tok, rerr.msg,
						    p ? IPPROTO_UDP : IPPROTO_TCP, err);
		return rc;
	}
	for (size_t i = 0; i < al.len && rc == 0; i++)
		for (int p = 0; p < 2 && rc == 0; p++)
			if (mask & (1u << p))
				rc = ps_addrspace_add_addr(&b->t->set[p], &al.v[i].sa, tok,
							   b->exclude, err);
	ps_addrlist_free(&al);
	return rc;
}

static int add_token(void *ctx, const char *tok, ps_err *err)
{
	struct builder *b = ctx;
	unsigned mask = b->mask;
	int rc = 0;

	if (!b->exclude && strncmp(tok, "tcp://", 6) == 0)
		mask &= 1u, tok += 6;
	else if (!b->exclude && strncmp(tok, "udp://", 6) == 0)
		mask &= 2u, tok += 6;
	else if (!b->exclude && strncmp(tok, "tls://", 6) == 0)
		mask &= 1u, tok += 6, b->t->tls = true;
	if (mask != b->mask)
		b->t->split = true;
	if (!mask)
		return 0;	/* a protocol not scanned */
	for (int p = 0; p < 2 && rc == 0; p++) {
		if (!(mask & (1u << p)))
			continue;
		rc = ps_addrspace_add(&b->t->set[p], tok, b->exclude, err);
		if (rc == 1)
			return add_name(b, mask, tok, err);	/* not an address form */
	}
	return rc;
}

/* Each comma-separated item of an --exclude LIST. */
static int add_exclude_list(struct builder *b, const char *list, ps_err *err)
{
	char item[PS_ADDRSPACE_LINE_MAX];

	while (*list) {
		size_t n = strcspn(list, ",");
		char *p = item, *q;

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, list, n);
		item[n] = '\0';
		list += n + (list[n] == ',');
		while (*p == ' ')
			p++;
		for (q = p + strlen(p); q > p && q[-1] == ' ';)
			*--q = '\0';
		if (*p && add_token(b, p, err) < 0)
			return -1;
	}
	return 0;
}

static int read_file(struct builder *b, const char *path, ps_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	int rc;

	if (!f)
		return ps_err_input(err, "cannot open '%s': %s", path, strerror(errno));
	rc = ps_addrspace_read_lines(f, is_stdin ? "<stdin>" : path, add_token, b, err);
	if (!is_stdin)
		(void)fclose(f);
	return rc;
}

/* Every source of c into t: targets first, then the excludes. */
static int add_all(struct builder *b, const struct ps_target_cli *c, char **hosts,
		   int nhosts, ps_err *err)
{
	for (int i = 0; i < nhosts; i++)
		if (add_token(b, hosts[i], err) < 0)
			return -1;
	for (size_t i = 0; i < c->nfiles; i++)
		if (read_file(b, c->files[i], err) < 0)
			return -1;
	b->exclude = true;
	for (size_t i = 0; i < c->nexcludes; i++)
		if (add_exclude_list(b, c->excludes[i], err) < 0)
			return -1;
	for (size_t i = 0; i < c->nexclude_files; i++)
		if (read_file(b, c->exclude_files[i], err) < 0)
			return -1;
	return 0;
}

int ps_scan_targets_build(struct ps_scan_targets *t, const struct ps_target_cli *c,
			  char **hosts, int nhosts, bool tcp, bool udp, int family)
{
	struct builder b = { t, (tcp ? 1u : 0u) | (udp ? 2u : 0u), family, false };
	ps_err err;

	memset(t, 0, sizeof(*t));
	ps_addrspace_init(&t->set[0]);
	ps_addrspace_init(&t->set[1]);
	if (add_all(&b, c, hosts, nhosts, &err) < 0)
		return ps_cli_err(&err);
	for (int p = 0; p < 2; p++)
		if (ps_addrspace_finalize(&t->set[p], c->force, &err) < 0)
			return ps_cli_err(&err);
	if (!c->nfiles && !nhosts)
		return ps_usage("missing HOST to scan (or --targets-file FILE)");
	return 0;
}

void ps_scan_targets_free(struct ps_scan_targets *t)
{
	ps_addrspace_free(&t->set[0]);
	ps_addrspace_free(&t->set[1]);
	for (size_t i = 0; i < t->nbad; i++)
		free(t->bad[i].name);
	free(t->bad);
	memset(t, 0, sizeof(*t));
}

struct lines {
	char **v;
	size_t n, cap;
};

static int add_line(void *ctx, const char *tok, ps_err *err)
{
	struct lines *l = ctx;
	char **v = ps_grow(l->v, &l->cap, l->n, sizeof(*v), 16);

	if (!v)
		return ps_err_nomem(err);
	l->v = v;
	if (!(v[l->n] = strdup(tok)))
		return ps_err_nomem(err);
	l->n++;
	return 0;
}

int ps_target_file_lines(const char *path, char ***args, size_t *n, size_t *cap)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	struct lines l = { *args, *n, *cap };
	ps_err err;
	int rc;

	if (!f)
		return ps_usage("cannot open '%s': %s", path, strerror(errno));
	rc = ps_addrspace_read_lines(f, is_stdin ? "<stdin>" : path, add_line, &l, &err);
	if (!is_stdin)
		(void)fclose(f);
	*args = l.v;
	*n = l.n;
	*cap = l.cap;
	return rc < 0 ? ps_cli_err(&err) : 0;
}

void ps_scan_targets_argv(int argc, char **argv)
{
	static char long_name[] = "--targets-file";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-iL") == 0)
			argv[i] = long_name;
	}
}
