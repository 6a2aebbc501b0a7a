/* A target set made final: targets sorted and made disjoint (an address written twice is
 * kept once, under the first token in address order), excludes subtracted, the exact
 * count checked against the limits, and a host index mapped back to its address. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "probe/addrspace.h"
#include "probe/escape.h"

static int cmp_range(const void *pa, const void *pb)
{
	const struct ps_addrrange *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return 0;
}

static bool same_key(const struct ps_addrrange *a, const struct ps_addrrange *b)
{
	return a->family == b->family && a->scope == b->scope;
}

/* Sort v and make it disjoint. keep_src: a part covered by an earlier range is dropped and
 * the rest keeps its own token; else touching ranges merge whatever their token. */
static size_t normalize(struct ps_addrrange *v, size_t len, bool keep_src)
{
	size_t out = 0;

	if (len == 0)
		return 0;
	qsort(v, len, sizeof(*v), cmp_range);
	for (size_t i = 1; i < len; i++) {
		struct ps_addrrange *c = &v[out], r = v[i];
		bool touch = r.lo <= c->hi || r.lo - 1 == c->hi;

		if (same_key(c, &r) && touch && (!keep_src || r.src == c->src)) {
			if (r.hi > c->hi)
				c->hi = r.hi;
			continue;
		}
		if (same_key(c, &r) && r.lo <= c->hi) {
			if (r.hi <= c->hi)
				continue;	/* wholly written before */
			r.lo = c->hi + 1;
		}
		v[++out] = r;
	}
	return out + 1;
}

/* Index of the first exclude in ex[0..n) with hi >= lo (n when none). */
static size_t first_reaching(const struct ps_addrrange *ex, size_t n, ps_u128 lo)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (ex[m].hi < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* Subtract ex[0..n) (sorted, disjoint, one family) from the targets of that family whose
 * scope is scope (0: every scope), into a new array. */
static int subtract(struct ps_addrspace *s, const struct ps_addrrange *ex, size_t n,
		    ps_err *err)
{
	size_t cap = s->len + 2 * n + 1, out = 0;
	struct ps_addrrange *nv = malloc(cap * sizeof(*nv));

	if (!nv)
		return ps_err_nomem(err);
	for (size_t i = 0; i < s->len; i++) {
		struct ps_addrrange r = s->v[i];
		size_t j;

		if (r.family != ex->family || (ex->scope && ex->scope != r.scope)) {
			nv[out++] = r;
			continue;
		}
		for (j = first_reaching(ex, n, r.lo); j < n && ex[j].lo <= r.hi; j++) {
			if (ex[j].lo > r.lo) {
				nv[out] = r;
				nv[out++].hi = ex[j].lo - 1;
			}
			if (ex[j].hi >= r.hi)
				break;
			r.lo = ex[j].hi + 1;
		}
		if (j == n || ex[j].lo > r.hi)
			nv[out++] = r;
	}
	free(s->v);
	s->v = nv;
	s->len = out;
	s->cap = cap;
	if (out > PS_ADDRSPACE_MAX_RANGES)
		return ps_err_input(err, "too many separate address ranges after the excludes "
				    "(at most %u)", PS_ADDRSPACE_MAX_RANGES);
	return 0;
}

/* Subtract each group of excludes of one family and scope in turn. */
static int apply_excludes(struct ps_addrspace *s, ps_err *err)
{
	size_t g = 0;

	s->exlen = normalize(s->ex, s->exlen, false);
	while (g < s->exlen) {
		size_t e = g + 1;

		while (e < s->exlen && same_key(&s->ex[e], &s->ex[g]))
			e++;
		if (subtract(s, s->ex + g, e - g, err) < 0)
			return -1;
		g = e;
	}
	return 0;
}

static int over_limit(struct ps_addrspace *s, ps_u128 limit, bool hard, ps_err *err)
{
	ps_u128 *per = calloc(s->ntokens ? s->ntokens : 1, sizeof(*per));
	ps_u128 sum = 0;
	size_t t;
	char tok[80], num[40];

	if (!per)
		return ps_err_nomem(err);
	for (size_t i = 0; i < s->len; i++) {
		ps_u128 n = s->v[i].hi - s->v[i].lo;

		per[s->v[i].src] += n >= limit ? limit : n + 1;
	}
	for (t = 0; t < s->ntokens; t++) {
		sum += per[t];
		if (sum > limit)
			break;
	}
	free(per);
	if (t == s->ntokens)
		t = s->ntokens - 1;
	ps_escape(s->tokens[t], strlen(s->tokens[t]), tok, sizeof(tok));
	if (hard)
		return ps_err_input(err, "'%s' takes the targets over 2^96 addresses, more than "
				    "can be scanned", tok);
	return ps_err_input(err, "'%s' takes the targets over 2^24 (%s) addresses; --force "
			    "to scan them", tok, ps_u128_text(PS_ADDRSPACE_LIMIT, num));
}

int ps_addrspace_finalize(struct ps_addrspace *s, bool force, ps_err *err)
{
	ps_u128 count = 0;

	if (s->final)
		return 0;
	s->len = normalize(s->v, s->len, true);
	if (apply_excludes(s, err) < 0)
		return -1;
	for (size_t i = 0; i < s->len; i++) {
		ps_u128 n = s->v[i].hi - s->v[i].lo;

		if (n >= PS_ADDRSPACE_HARD_LIMIT || count + n + 1 > PS_ADDRSPACE_HARD_LIMIT)
			return over_limit(s, PS_ADDRSPACE_HARD_LIMIT, true, err);
		s->v[i].before = count;
		count += n + 1;
	}
	if (count > PS_ADDRSPACE_LIMIT && !force)
		return over_limit(s, PS_ADDRSPACE_LIMIT, false, err);
	s->count = count;
	s->final = true;
	return 0;
}

/* Dotted quad of a host-order address; inet_ntop costs more than the rest of a job. */
static void v4_text(uint32_t a, char *out)
{
	for (int i = 3; i >= 0; i--) {
		unsigned o = (a >> (8 * i)) & 0xff;

		if (o >= 100)
			*out++ = (char)('0' + o / 100);
		if (o >= 10)
			*out++ = (char)('0' + o / 10 % 10);
		*out++ = (char)('0' + o % 10);
		*out++ = i ? '.' : '\0';
	}
}

void ps_addrspace_host(const struct ps_addrspace *s, ps_u128 h, uint16_t port,
		       struct ps_addrjob *job)
{
	size_t a = 0, b = s->len;
	const struct ps_addrrange *r;
	ps_u128 v;

	while (b - a > 1) {		/* the last range with before <= h */
		size_t m = a + (b - a) / 2;

		if (s->v[m].before <= h)
			a = m;
		else
			b = m;
	}
	r = &s->v[a];
	v = r->lo + (h - r->before);
	memset(&job->addr, 0, sizeof(job->addr));
	job->target = s->tokens[r->src];
	job->named = r->named;
	job->port = port;
	if (r->family == AF_INET) {
		job->addr.v4.sin_family = AF_INET;
		job->addr.v4.sin_port = htons(port);
		job->addr.v4.sin_addr.s_addr = htonl((uint32_t)v);
		v4_text((uint32_t)v, job->address);
		return;
	}
	job->addr.v6.sin6_family = AF_INET6;
	job->addr.v6.sin6_port = htons(port);
	for (int i = 15; i >= 0; i--, v >>= 8)
		job->addr.v6.sin6_addr.s6_addr[i] = (uint8_t)v;
	inet_ntop(AF_INET6, &job->addr.v6.sin6_addr, job->address, sizeof(job->address));
	if (r->scope) {
		const struct ps_addrscope *sc = &s->scopes[r->scope - 1];
		size_t n = strlen(job->address);

		job->addr.v6.sin6_scope_id = sc->ifindex;
		snprintf(job->address + n, sizeof(job->address) - n, "%%%s", sc->name);
	}
}

char *ps_u128_text(ps_u128 v, char buf[40])
{
	char tmp[40];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}
