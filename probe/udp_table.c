/* The UDP engine's tables: the probes in flight (a fixed array of slots, hashed by
 * destination address and port, so an answer or an ICMP error finds its probe in one
 * look-up) and the hosts probed (one entry per address, holding its round-trip estimate
 * and pace). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "probe/udp_engine.h"

static bool same_endpoint(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	return ps_sockaddr_same_host(a, b) && ps_sockaddr_port(a) == ps_sockaddr_port(b);
}

static unsigned hash_endpoint(const union ps_sockaddr *sa)
{
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t n;

	if (sa->sa.sa_family == AF_INET) {
		p = (const uint8_t *)&sa->v4.sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&sa->v6.sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= ps_sockaddr_port(sa);
	h *= 2654435761u;
	return h ^ (h >> 15);
}

int ps_udp_table_init(struct ps_udp_engine *e, ps_err *err)
{
	unsigned hs = 1;

	while (hs < 2u * (unsigned)e->cap)
		hs <<= 1;
	e->hmask = hs - 1;
	e->slots = calloc((size_t)e->cap, sizeof(*e->slots));
	e->free_list = calloc((size_t)e->cap, sizeof(*e->free_list));
	e->heads = malloc(hs * sizeof(*e->heads));
	if (!e->slots || !e->free_list || !e->heads)
		return ps_err_nomem(err);
	memset(e->heads, 0xff, hs * sizeof(*e->heads));
	for (int i = 0; i < e->cap; i++)
		e->free_list[e->nfree++] = e->cap - 1 - i;
	return 0;
}

void ps_udp_table_free(struct ps_udp_engine *e)
{
	free(e->heads);
	free(e->free_list);
	free(e->slots);
}

struct ps_udp_dest *ps_udp_dest_for(struct ps_udp_engine *e, const union ps_sockaddr *addr,
				    int sock)
{
	struct ps_udp_dest *d;

	for (int i = 0; i < e->ndests; i++)
		if (e->dests[i].sock == sock && ps_sockaddr_same_host(&e->dests[i].addr, addr))
			return &e->dests[i];
	if (e->ndests == PS_UDP_MAX_DESTS)
		return &e->dests[PS_UDP_MAX_DESTS - 1];
	d = &e->dests[e->ndests++];
	d->addr = *addr;
	d->sock = sock;
	ps_sockaddr_set_port(&d->addr, 0);
	ps_udp_pace_init(&d->pace, ps_sockaddr_is_loopback(addr));
	return d;
}

int ps_udp_slot_add(struct ps_udp_engine *e, const struct ps_probe_job *job,
		    struct ps_udp_dest *d)
{
	int i = e->free_list[--e->nfree];
	int *head = &e->heads[hash_endpoint(&job->addr) & e->hmask];

	/* The same endpoint twice at once would share one verdict: fine, the hash chain
	 * finds both. */
	e->slots[i] = (struct ps_udp_slot){ .job = *job, .dest = d, .sock = d->sock, .used = true };
	e->slots[i].next = *head;
	*head = i;
	e->inflight++;
	return i;
}

int ps_udp_slot_find(const struct ps_udp_engine *e, const union ps_sockaddr *sa)
{
	for (int i = e->heads[hash_endpoint(sa) & e->hmask]; i >= 0; i = e->slots[i].next)
		if (same_endpoint(&e->slots[i].job.addr, sa))
			return i;
	return -1;
}

void ps_udp_slot_release(struct ps_udp_engine *e, int i)
{
	int *pp = &e->heads[hash_endpoint(&e->slots[i].job.addr) & e->hmask];

	while (*pp != i)
		pp = &e->slots[*pp].next;
	*pp = e->slots[i].next;
	e->slots[i].used = false;
	e->free_list[e->nfree++] = i;
	e->inflight--;
}
