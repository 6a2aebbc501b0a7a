/* Address forms users write for scan targets and excludes (CIDR, octet ranges, literals
 * with an IPv6 scope), parsed into ranges of a ps_addrspace. Sorting, excludes and the
 * count live in probe/addrset.c; the job order in probe/addrwalk.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "probe/addrspace.h"
#include "probe/escape.h"

#define TOKEN_MAX 256		/* longest address form: a v6 CIDR with a scope fits easily */

/* The token as shown in messages: escaped, cut to a readable length. */
static const char *shown(const char *tok, char *buf, size_t len)
{
	size_t tlen = strlen(tok);

	if (tlen > 64) {
		size_t n = ps_escape(tok, 60, buf, len - 4);

		memcpy(buf + n, "...", 4);
		return buf;
	}
	ps_escape(tok, tlen, buf, len);
	return buf;
}

#define SHOWN(tok) shown((tok), (char[300]){ 0 }, 300)

void ps_addrspace_init(struct ps_addrspace *s)
{
	memset(s, 0, sizeof(*s));
}

void ps_addrspace_free(struct ps_addrspace *s)
{
	for (size_t i = 0; i < s->ntokens; i++)
		free(s->tokens[i]);
	free(s->tokens);
	free(s->v);
	free(s->ex);
	free(s->scopes);
	ps_addrspace_init(s);
}

/* Room for n more ranges in v (targets) or ex (excludes). */
static int reserve(struct ps_addrspace *s, bool exclude, size_t n, const char *tok,
		   ps_err *err)
{
	struct ps_addrrange **v = exclude ? &s->ex : &s->v;
	size_t *len = exclude ? &s->exlen : &s->len, *cap = exclude ? &s->excap : &s->cap;
	size_t want = *cap ? *cap : 16;
	struct ps_addrrange *nv;

	if (n > PS_ADDRSPACE_MAX_RANGES || *len + n > PS_ADDRSPACE_MAX_RANGES)
		return ps_err_input(err, "too many separate address ranges at '%s' (at most %u)",
				    SHOWN(tok), PS_ADDRSPACE_MAX_RANGES);
	if (*len + n <= *cap)
		return 0;
	while (want < *len + n)
		want *= 2;
	nv = realloc(*v, want * sizeof(**v));
	if (!nv)
		return ps_err_nomem(err);
	*v = nv;
	*cap = want;
	return 0;
}

/* Keep a copy of a target token; ranges refer to it by index. */
static int keep_token(struct ps_addrspace *s, const char *tok, ps_err *err)
{
	char *copy;

	if (s->ntokens >= UINT32_MAX)
		return ps_err_input(err, "too many targets at '%s'", SHOWN(tok));
	if (s->ntokens == s->tokcap) {
		size_t cap = s->tokcap ? s->tokcap * 2 : 16;
		char **nt = realloc(s->tokens, cap * sizeof(*nt));

		if (!nt)
			return ps_err_nomem(err);
		s->tokens = nt;
		s->tokcap = cap;
	}
	copy = strdup(tok);
	if (!copy)
		return ps_err_nomem(err);
	s->tokens[s->ntokens++] = copy;
	return 0;
}

static void push(struct ps_addrspace *s, bool exclude, int family, ps_u128 lo, ps_u128 hi,
		 uint16_t scope)
{
	struct ps_addrrange *r = exclude ? &s->ex[s->exlen++] : &s->v[s->len++];

	memset(r, 0, sizeof(*r));
	r->lo = lo;
	r->hi = hi;
	r->family = (uint8_t)family;
	r->scope = scope;
	r->src = exclude ? 0 : (uint32_t)s->ntokens;
}

/* A decimal number of at most maxdig digits, no sign, no leading zero. */
static int parse_num(const char *p, size_t len, size_t maxdig, unsigned long max,
		     unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > maxdig || (len > 1 && p[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Four dot-separated octets, each "N" or "N-M" (ranges only when ranges). */
static int parse_octets(const char *p, size_t len, bool ranges, unsigned lo[4], unsigned hi[4])
{
	const char *end = p + len;

	for (int i = 0; i < 4; i++) {
		const char *dot = i < 3 ? memchr(p, '.', (size_t)(end - p)) : end;
		const char *dash;
		unsigned long a, b;

		if (!dot)
			return -1;
		dash = memchr(p, '-', (size_t)(dot - p));
		if (dash && !ranges)
			return -1;
		if (parse_num(p, (size_t)((dash ? dash : dot) - p), 3, 255, &a) < 0)
			return -1;
		b = a;
		if (dash && (parse_num(dash + 1, (size_t)(dot - dash - 1), 3, 255, &b) < 0 || b < a))
			return -1;
		lo[i] = (unsigned)a;
		hi[i] = (unsigned)b;
		p = dot + 1;
	}
	return p == end + 1 ? 0 : -1;
}

static ps_u128 v6_value(const struct in6_addr *a)
{
	ps_u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = (v << 8) | a->s6_addr[i];
	return v;
}

/* The scope table index + 1 for an interface name or number. */
static int find_scope(struct ps_addrspace *s, const char *name, const char *tok,
		      uint16_t *scope, ps_err *err)
{
	unsigned long num;
	unsigned idx;
	char buf[IF_NAMESIZE];
	struct ps_addrscope *ns;

	if (strlen(name) >= IF_NAMESIZE || !*name)
		return ps_err_input(err, "invalid interface name in '%s'", SHOWN(tok));
	if (parse_num(name, strlen(name), 10, UINT32_MAX, &num) == 0)
		idx = if_indextoname((unsigned)num, buf) ? (unsigned)num : 0;
	else
		idx = if_nametoindex(name);
	if (idx == 0)
		return ps_err_input(err, "unknown interface '%s' in '%s'", SHOWN(name), SHOWN(tok));
	for (size_t i = 0; i < s->nscopes; i++) {
		if (s->scopes[i].ifindex == idx) {
			*scope = (uint16_t)(i + 1);
			return 0;
		}
	}
	if (s->nscopes >= UINT16_MAX)
		return ps_err_input(err, "too many interfaces at '%s'", SHOWN(tok));
	ns = realloc(s->scopes, (s->nscopes + 1) * sizeof(*ns));
	if (!ns)
		return ps_err_nomem(err);
	s->scopes = ns;
	ns[s->nscopes].ifindex = idx;
	memcpy(ns[s->nscopes].name, name, strlen(name) + 1);
	*scope = (uint16_t)++s->nscopes;
	return 0;
}

static bool link_local(ps_u128 v)
{
	return (uint64_t)(v >> 118) == 0x3fa;	/* fe80::/10 */
}

/* An IPv6 address with an optional %scope and optional brackets, no prefix length. */
static int parse_v6(struct ps_addrspace *s, const char *p, size_t len, const char *tok,
		    ps_u128 *v, uint16_t *scope, ps_err *err)
{
	char buf[TOKEN_MAX];
	char *pct;
	struct in6_addr a;

	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		p++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return ps_err_input(err, "invalid IPv6 address '%s'", SHOWN(tok));
	memcpy(buf, p, len);
	buf[len] = '\0';
	*scope = 0;
	pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return ps_err_input(err, "invalid IPv6 address '%s'", SHOWN(tok));
	*v = v6_value(&a);
	if (pct)
		return find_scope(s, pct + 1, tok, scope, err);
	if (link_local(*v))
		return ps_err_input(err, "link-local address '%s' needs %%IFNAME", SHOWN(tok));
	return 0;
}

/* ADDR/LEN for either family; host bits of ADDR are ignored, as nmap does. */
static int add_cidr(struct ps_addrspace *s, const char *tok, const char *slash, bool exclude,
		    ps_err *err)
{
	size_t alen = (size_t)(slash - tok);
	bool v6 = memchr(tok, ':', alen) != NULL;
	unsigned long plen;
	unsigned lo[4] = { 0 }, hi[4] = { 0 };
	ps_u128 v = 0, mask;
	uint16_t scope = 0;

	if (parse_num(slash + 1, strlen(slash + 1), 3, v6 ? 128 : 32, &plen) < 0)
		return ps_err_input(err, "invalid prefix length in '%s' (0-%d)", SHOWN(tok),
				    v6 ? 128 : 32);
	if (v6) {
		if (parse_v6(s, tok, alen, tok, &v, &scope, err) < 0)
			return -1;
		mask = plen == 0 ? 0 : ~(ps_u128)0 << (128 - plen);
	} else {
		if (parse_octets(tok, alen, false, lo, hi) < 0)
			return ps_err_input(err, "invalid IPv4 address in '%s'", SHOWN(tok));
		v = ((ps_u128)lo[0] << 24) | (lo[1] << 16) | (lo[2] << 8) | lo[3];
		mask = plen == 0 ? 0 : ((ps_u128)0xffffffffu << (32 - plen)) & 0xffffffffu;
	}
	if (reserve(s, exclude, 1, tok, err) < 0)
		return -1;
	push(s, exclude, v6 ? AF_INET6 : AF_INET, v & mask,
	     (v & mask) | (~mask & (v6 ? ~(ps_u128)0 : 0xffffffffu)), scope);
	return 0;
}

/* An octet box as ranges of consecutive addresses: the octets after the last partial one
 * are whole, so each value of the octets before it starts one range. */
static int add_octets(struct ps_addrspace *s, const char *tok, bool exclude, ps_err *err)
{
	unsigned lo[4], hi[4], cur[4];
	int k = 3;
	size_t pieces = 1;

	if (parse_octets(tok, strlen(tok), true, lo, hi) < 0)
		return ps_err_input(err, "invalid IPv4 address or range '%s'", SHOWN(tok));
	while (k >= 0 && lo[k] == 0 && hi[k] == 255)
		k--;
	for (int i = 0; i < k; i++)
		pieces *= hi[i] - lo[i] + 1;
	if (reserve(s, exclude, pieces, tok, err) < 0)
		return -1;
	memcpy(cur, lo, sizeof(cur));
	for (size_t n = 0; n < pieces; n++) {
		ps_u128 a = 0, b = 0;

		for (int i = 0; i < 4; i++) {
			a = (a << 8) | (i < k ? cur[i] : lo[i]);
			b = (b << 8) | (i < k ? cur[i] : hi[i]);
		}
		push(s, exclude, AF_INET, a, b, 0);
		for (int i = k - 1; i >= 0; i--) {	/* odometer over octets 0..k-1 */
			if (++cur[i] <= hi[i])
				break;
			cur[i] = lo[i];
		}
	}
	return 0;
}

/* Address forms hold digits, dots and dashes (IPv4), or a colon, a slash or a bracket. */
static bool address_form(const char *tok)
{
	if (strpbrk(tok, ":/["))
		return true;
	return strspn(tok, "0123456789.-") == strlen(tok);
}

int ps_addrspace_add(struct ps_addrspace *s, const char *tok, bool exclude, ps_err *err)
{
	const char *slash = strrchr(tok, '/');
	size_t before = exclude ? s->exlen : s->len;
	int rc;

	if (s->final)
		return ps_err_input(err, "target set already final at '%s'", SHOWN(tok));
	if (!*tok)
		return ps_err_input(err, "empty target");
	if (!address_form(tok))
		return 1;
	if (strlen(tok) >= TOKEN_MAX)
		return ps_err_input(err, "target too long: '%s'", SHOWN(tok));
	if (slash) {
		rc = add_cidr(s, tok, slash, exclude, err);
	} else if (strchr(tok, ':') || tok[0] == '[') {
		ps_u128 v = 0;
		uint16_t scope = 0;

		rc = parse_v6(s, tok, strlen(tok), tok, &v, &scope, err);
		if (rc == 0 && (rc = reserve(s, exclude, 1, tok, err)) == 0)
			push(s, exclude, AF_INET6, v, v, scope);
	} else {
		rc = add_octets(s, tok, exclude, err);
	}
	if (rc == 0 && !exclude && (rc = keep_token(s, tok, err)) < 0)
		s->len = before;
	return rc;
}

int ps_addrspace_add_addr(struct ps_addrspace *s, const union ps_sockaddr *sa,
			  const char *tok, bool exclude, ps_err *err)
{
	ps_u128 v;
	uint16_t scope = 0;
	char name[IF_NAMESIZE];

	if (s->final)
		return ps_err_input(err, "target set already final at '%s'", SHOWN(tok));
	if (sa->sa.sa_family == AF_INET) {
		v = ntohl(sa->v4.sin_addr.s_addr);
	} else if (sa->sa.sa_family == AF_INET6) {
		v = v6_value(&sa->v6.sin6_addr);
		if (sa->v6.sin6_scope_id) {
			if (!if_indextoname(sa->v6.sin6_scope_id, name))
				snprintf(name, sizeof(name), "%u", sa->v6.sin6_scope_id);
			if (find_scope(s, name, tok, &scope, err) < 0)
				return -1;
		}
	} else {
		return ps_err_input(err, "'%s' has an address of family %d", SHOWN(tok),
				    sa->sa.sa_family);
	}
	if (reserve(s, exclude, 1, tok, err) < 0)
		return -1;
	push(s, exclude, sa->sa.sa_family, v, v, scope);
	if (!exclude)
		s->v[s->len - 1].named = true;
	if (!exclude && keep_token(s, tok, err) < 0) {
		s->len--;
		return -1;
	}
	return 0;
}
