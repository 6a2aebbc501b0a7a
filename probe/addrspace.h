/* Target sets made of address ranges, and the order scan walks them in.
 *
 * A set is built from tokens as users write them: IPv4 and IPv6 CIDR (198.18.0.0/16,
 * 2001:db8::/112, fe80::%eth0/120), nmap-style IPv4 octet ranges (198.18.0-3.1-254,
 * 198.18.0.2-4) and literals (198.18.0.1, 2001:db8::1, [2001:db8::1], fe80::1%eth0), plus
 * an exclude set of the same forms. Names are not resolved here: a token that is not an
 * address form is handed back (return 1) so the caller can resolve it and add what it gets
 * with ps_addrspace_add_addr. ps_addrspace_finalize turns the tokens into sorted, disjoint
 * ranges (targets minus excludes, overlaps kept once) with an exact 128-bit count.
 * Memory is a few dozen bytes per separate range, never per address.
 *
 * Job order: the jobs are the index space [0, hosts x ports), job j being host j / nports
 * at port ports[j % nports]; it is never materialised. ps_perm is a keyed permutation of
 * [0, n): a balanced Feistel network (six rounds of a splitmix64-style mixer keyed from the
 * seed) over the smallest even number of bits b with 2^b >= n, made a permutation of [0, n)
 * by cycle-walking (apply again while the value is >= n; the domain is under 4n, so under
 * four rounds on average). Position i of the walk is job perm(i). Shard I of N takes the
 * positions i = I, I + N, I + 2N, ...: the shards are disjoint, their union is every job
 * once, and the same seed gives the same order on every machine. */
#ifndef PS_ADDRSPACE_H
#define PS_ADDRSPACE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/err.h"
#include "probe/targets.h"

typedef unsigned __int128 ps_u128;

#define PS_ADDRSPACE_LIMIT ((ps_u128)1 << 24)	/* more addresses need force */
#define PS_ADDRSPACE_HARD_LIMIT ((ps_u128)1 << 96)	/* even with force: jobs fit 112 bits */
#define PS_ADDRSPACE_MAX_RANGES (1u << 20)	/* separate ranges (64 bytes each) */
#define PS_ADDRSPACE_LINE_MAX 1024		/* longest line of a target file */

/* One range of consecutive addresses of one family (and scope, for IPv6). v4 addresses
 * are host-order values in the low 32 bits. */
struct ps_addrrange {
	ps_u128 lo, hi;		/* inclusive */
	ps_u128 before;		/* hosts in the ranges before this one (after finalize) */
	uint32_t src;		/* index of the token it came from (ps_addrspace_token) */
	uint16_t scope;		/* index into the scope table + 1; 0: no scope */
	uint8_t family;		/* AF_INET or AF_INET6 */
	bool named;		/* the token is a host name (ps_addrspace_add_addr) */
};

struct ps_addrscope {
	unsigned ifindex;
	char name[IF_NAMESIZE];	/* as first written */
};

struct ps_addrspace {
	struct ps_addrrange *v;		/* targets; after finalize: sorted, disjoint */
	size_t len, cap;
	struct ps_addrrange *ex;	/* excludes (src unused) */
	size_t exlen, excap;
	char **tokens;			/* target tokens as written */
	size_t ntokens, tokcap;
	struct ps_addrscope *scopes;
	size_t nscopes;
	ps_u128 count;			/* addresses, after finalize */
	bool final;
};

/* One job: an address with its port, the numeric text, and the token it came from. */
struct ps_addrjob {
	union ps_sockaddr addr;		/* port and IPv6 scope id filled in */
	char address[PS_ADDRTEXT_MAX];	/* "198.18.0.1", "fe80::1%eth0" */
	const char *target;		/* the token as written; lives as long as the set */
	bool named;			/* target is a host name, not an address form */
	uint16_t port;
	ps_u128 index;			/* job index in [0, hosts x ports) */
};

/* Start an empty set (or zero it). */
void ps_addrspace_init(struct ps_addrspace *s);
void ps_addrspace_free(struct ps_addrspace *s);

/* Add one token to the targets (exclude false) or the excludes. Returns 0 when it was an
 * address form, 1 when it is not one (a name: nothing added, err untouched), or -1 with
 * err (PS_ERR_INPUT naming the token, PS_ERR_NOMEM). Only before finalize. */
int ps_addrspace_add(struct ps_addrspace *s, const char *token, bool exclude, ps_err *err);

/* Add one resolved address (AF_INET or AF_INET6; an IPv6 scope id is kept) for token, the
 * name as the user wrote it. Returns 0, or -1 with err. */
int ps_addrspace_add_addr(struct ps_addrspace *s, const union ps_sockaddr *sa,
			  const char *token, bool exclude, ps_err *err);

/* Sort, merge and subtract the excludes; count. A set over PS_ADDRSPACE_LIMIT addresses
 * is an input error naming the token that takes it over, unless force (and never over
 * PS_ADDRSPACE_HARD_LIMIT). An empty result (everything excluded) is not an error here.
 * Returns 0, or -1 with err. */
int ps_addrspace_finalize(struct ps_addrspace *s, bool force, ps_err *err);

/* Addresses in a finalized set. */
static inline ps_u128 ps_addrspace_count(const struct ps_addrspace *s)
{
	return s->count;
}

/* Fill job with the address of host index h (< count) at port. */
void ps_addrspace_host(const struct ps_addrspace *s, ps_u128 h, uint16_t port,
		       struct ps_addrjob *job);

/* Decimal text of v into buf (40 bytes hold any value); returns buf. */
char *ps_u128_text(ps_u128 v, char buf[40]);

/* Read target tokens from f, one per line: leading and trailing blanks are ignored, so are
 * blank lines and everything from '#'. For each token call fn; its error (or a line that
 * is too long, holds a NUL or two tokens) comes back as "NAME:LINE: message".
 * Returns 0, or -1 with err (PS_ERR_SYSTEM for a read error). */
typedef int (*ps_line_fn)(void *ctx, const char *token, ps_err *err);
int ps_addrspace_read_lines(FILE *f, const char *name, ps_line_fn fn, void *ctx, ps_err *err);

/* ps_addrspace_read_lines adding each token to s; a name goes to on_name(ctx, token, err)
 * (which may resolve it and call ps_addrspace_add_addr), or is an error when on_name is
 * NULL. */
int ps_addrspace_read_file(struct ps_addrspace *s, FILE *f, const char *name, bool exclude,
			   ps_line_fn on_name, void *ctx, ps_err *err);

/* A keyed permutation of [0, n). */
#define PS_PERM_ROUNDS 6
struct ps_perm {
	ps_u128 n;
	unsigned half;			/* bits in each Feistel half */
	uint64_t mask;			/* (1 << half) - 1 */
	uint64_t key[PS_PERM_ROUNDS];
};

/* n <= 2^126. */
void ps_perm_init(struct ps_perm *p, ps_u128 n, uint64_t seed);
/* The value at position i (< n). */
ps_u128 ps_perm_at(const struct ps_perm *p, ps_u128 i);

/* Walks one shard of the jobs of a finalized set times ports in permuted order. The set
 * and ports must outlive it; its own memory is constant. */
struct ps_addrwalk {
	const struct ps_addrspace *set;
	const uint16_t *ports;
	size_t nports;
	struct ps_perm perm;
	ps_u128 jobs;			/* hosts x ports, all shards */
	ps_u128 pos;			/* next position of this shard */
	uint32_t shard, nshards;
};

/* Start shard (0-based, < nshards) of nshards over s x ports[0..nports). Returns 0, or -1
 * with an input error (bad shard numbers, too many jobs). */
int ps_addrwalk_init(struct ps_addrwalk *w, const struct ps_addrspace *s,
		     const uint16_t *ports, size_t nports, uint64_t seed, uint32_t shard,
		     uint32_t nshards, ps_err *err);
/* Fill job with the next job of the shard. Returns 1, or 0 when the shard is done. */
int ps_addrwalk_next(struct ps_addrwalk *w, struct ps_addrjob *job);
/* Jobs of this shard, in all (done and to come). */
ps_u128 ps_addrwalk_total(const struct ps_addrwalk *w);

#endif
