/* The order scan walks hosts x ports in (a keyed permutation, cut into shards), and the
 * reader for target files. See probe/addrspace.h for why a Feistel network. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/addrspace.h"
#include "probe/escape.h"

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t x, uint64_t key)
{
	x ^= key;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void ps_perm_init(struct ps_perm *p, ps_u128 n, uint64_t seed)
{
	unsigned bits = 2;

	memset(p, 0, sizeof(*p));
	p->n = n;
	while (bits < 128 && ((ps_u128)1 << bits) < n)
		bits += 2;
	p->half = bits / 2;
	p->mask = p->half >= 64 ? ~0ull : (1ull << p->half) - 1;
	for (int r = 0; r < PS_PERM_ROUNDS; r++)
		p->key[r] = splitmix(&seed);
}

/* One pass of the Feistel network over 2 * half bits: a bijection whatever mix is. */
static ps_u128 feistel(const struct ps_perm *p, ps_u128 x)
{
	uint64_t l = (uint64_t)(x >> p->half) & p->mask, r = (uint64_t)x & p->mask;

	for (int i = 0; i < PS_PERM_ROUNDS; i++) {
		uint64_t t = l ^ (mix(r, p->key[i]) & p->mask);

		l = r;
		r = t;
	}
	return ((ps_u128)l << p->half) | r;
}

ps_u128 ps_perm_at(const struct ps_perm *p, ps_u128 i)
{
	/* Cycle-walking: the walk from i stays on i's cycle of the bijection, and that cycle
	 * holds at least one value below n (i itself), so this ends. */
	do
		i = feistel(p, i);
	while (i >= p->n);
	return i;
}

int ps_addrwalk_init(struct ps_addrwalk *w, const struct ps_addrspace *s,
		     const uint16_t *ports, size_t nports, uint64_t seed, uint32_t shard,
		     uint32_t nshards, ps_err *err)
{
	memset(w, 0, sizeof(*w));
	if (nshards == 0 || shard >= nshards)
		return ps_err_input(err, "invalid shard %u/%u (0 <= shard < count)", shard,
				    nshards);
	if (!s->final)
		return ps_err_input(err, "target set not finalized");
	if (nports > 65536)
		return ps_err_input(err, "more than 65536 ports");
	w->set = s;
	w->ports = ports;
	w->nports = nports;
	w->jobs = s->count * nports;	/* under 2^96 * 2^17: no overflow */
	w->shard = shard;
	w->nshards = nshards;
	w->pos = shard;
	ps_perm_init(&w->perm, w->jobs, seed);
	return 0;
}

int ps_addrwalk_next(struct ps_addrwalk *w, struct ps_addrjob *job)
{
	ps_u128 j;

	if (w->pos >= w->jobs)
		return 0;
	j = ps_perm_at(&w->perm, w->pos);
	w->pos += w->nshards;
	if (j <= UINT64_MAX)	/* 64-bit division is several times faster */
		ps_addrspace_host(w->set, (uint64_t)j / w->nports,
				  w->ports[(uint64_t)j % w->nports], job);
	else
		ps_addrspace_host(w->set, j / w->nports, w->ports[j % w->nports], job);
	job->index = j;
	return 1;
}

ps_u128 ps_addrwalk_total(const struct ps_addrwalk *w)
{
	if (w->jobs <= w->shard)
		return 0;
	return (w->jobs - w->shard + w->nshards - 1) / w->nshards;
}

/* Cut blanks around the token and a '#' comment after it; NULL when nothing is left. */
static char *trim_line(char *line, size_t len)
{
	char *hash = memchr(line, '#', len);
	char *end;

	if (hash) {
		*hash = '\0';
		len = (size_t)(hash - line);
	}
	while (len && strchr(" \t\r\n\v\f", line[len - 1]))
		line[--len] = '\0';
	end = line + len;
	while (line < end && strchr(" \t\v\f", *line))
		line++;
	return line < end ? line : NULL;
}

/* Prefix err's message with "NAME:LINE: ". */
static int at_line(ps_err *err, const char *name, unsigned long lineno)
{
	char prefix[96];
	size_t plen, mlen;

	if (!err)
		return -1;
	snprintf(prefix, sizeof(prefix), "%.64s:%lu: ", name, lineno);
	plen = strlen(prefix);
	mlen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + mlen >= sizeof(err->msg))
		mlen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + mlen] = '\0';
	return -1;
}

static int one_line(char *line, size_t len, ps_line_fn fn, void *ctx, ps_err *err)
{
	char *tok;

	if (memchr(line, '\0', len))
		return ps_err_input(err, "NUL byte in line");
	if (len > PS_ADDRSPACE_LINE_MAX)
		return ps_err_input(err, "line longer than %d bytes", PS_ADDRSPACE_LINE_MAX);
	tok = trim_line(line, len);
	if (!tok)
		return 0;
	if (tok[strcspn(tok, " \t\v\f")])
		return ps_err_input(err, "one target per line");
	return fn(ctx, tok, err);
}

int ps_addrspace_read_lines(FILE *f, const char *name, ps_line_fn fn, void *ctx, ps_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = 0;

	errno = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		char *l = line;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			l += 3;		/* a UTF-8 byte order mark, as some editors write */
			n -= 3;
		}
		if (one_line(l, (size_t)n, fn, ctx, err) < 0)
			rc = at_line(err, name, lineno);
	}
	if (rc == 0 && ferror(f))
		rc = errno == ENOMEM ? ps_err_nomem(err) : ps_err_system(err, "%s: %s", name,
									 strerror(errno));
	free(line);
	return rc;
}

struct file_ctx {
	struct ps_addrspace *s;
	bool exclude;
	ps_line_fn on_name;
	void *ctx;
};

static int add_line(void *vctx, const char *tok, ps_err *err)
{
	struct file_ctx *c = vctx;
	char shown[80];
	int rc = ps_addrspace_add(c->s, tok, c->exclude, err);

	if (rc != 1)
		return rc;
	if (c->on_name)
		return c->on_name(c->ctx, tok, err);
	ps_escape(tok, strlen(tok), shown, sizeof(shown));
	return ps_err_input(err, "'%s' is not an address form", shown);
}

int ps_addrspace_read_file(struct ps_addrspace *s, FILE *f, const char *name, bool exclude,
			   ps_line_fn on_name, void *ctx, ps_err *err)
{
	struct file_ctx c = { s, exclude, on_name, ctx };

	return ps_addrspace_read_lines(f, name, add_line, &c, err);
}
