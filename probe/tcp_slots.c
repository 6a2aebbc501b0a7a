/* Slot storage of the TCP engine: one slot per attempt in flight, in an array that grows
 * up to the loop's share of the concurrency and never past it, with a free list; two
 * intrusive lists through the slots (the timer list, in the order of deadlines, and
 * the attempts waiting to be launched again); and the pool of refused sockets kept for
 * the next connect to the same address. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/tcp_engine.h"

void ps_tcp_list_push(struct engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];

	s->next = NIL;
	s->prev = l->tail;
	if (l->tail != NIL)
		e->slots[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

void ps_tcp_list_del(struct engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];

	if (s->prev != NIL)
		e->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != NIL)
		e->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NIL;
}

void ps_tcp_timer_add(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	uint32_t after = e->timers.tail;

	/* Deadlines mostly grow with the start: the place is nearly always the tail. */
	while (after != NIL && e->slots[after].deadline > s->deadline)
		after = e->slots[after].prev;
	if (after == e->timers.tail) {
		ps_tcp_list_push(e, &e->timers, i);
		return;
	}
	s->prev = after;
	s->next = after == NIL ? e->timers.head : e->slots[after].next;
	e->slots[s->next].prev = i;
	if (after == NIL)
		e->timers.head = i;
	else
		e->slots[after].next = i;
}

/* A free slot index, growing the array up to the concurrency; NIL when none is left. */
uint32_t ps_tcp_slot_get(struct engine *e)
{
	if (e->nfree == 0) {
		uint32_t n = e->nslots ? e->nslots * 2 : 64;
		struct slot *ns;
		uint32_t *nf;

		if (n > e->maxslots)
			n = e->maxslots;
		if (n <= e->nslots)
			return NIL;
		ns = realloc(e->slots, n * sizeof(*ns));
		if (!ns)
			return NIL;
		e->slots = ns;
		nf = realloc(e->freelist, n * sizeof(*nf));
		if (!nf)
			return NIL;
		e->freelist = nf;
		for (uint32_t i = n; i > e->nslots; i--) {
			memset(&ns[i - 1], 0, sizeof(ns[i - 1]));
			ns[i - 1].fd = -1;
			e->freelist[e->nfree++] = i - 1;
		}
		e->nslots = n;
	}
	e->used++;
	__atomic_add_fetch(&e->sh->busy, 1, __ATOMIC_RELAXED);
	return e->freelist[--e->nfree];
}

void ps_tcp_slot_put(struct engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];

	free(s->buf);
	s->buf = NULL;
	ps_tls_free(s->tls);	/* only when the engine stops early */
	s->tls = NULL;
	s->len = s->cap = s->sent = 0;
	s->fd = -1;
	s->phase = PH_FREE;
	s->registered = false;
	e->freelist[e->nfree++] = i;
	e->used--;
	__atomic_sub_fetch(&e->sh->busy, 1, __ATOMIC_RELAXED);
}

void ps_tcp_slot_finish(struct engine *e, uint32_t i, bool list_member)
{
	if (list_member)
		ps_tcp_list_del(e, &e->timers, i);
	ps_tcp_slot_put(e, i);
}

/* A socket whose connect was refused is closed on the kernel side already and can
 * connect again (Linux resets it): keeping it saves a socket() and a close() per closed
 * port. Sockets are reused only for the same destination address, so nothing of one
 * target (source address, route) carries over to another. */
int ps_tcp_pool_take(struct engine *e, const union ps_sockaddr *a)
{
	while (e->npool > 0) {
		struct pooled *p = &e->pool[--e->npool];

		if (p->addr.sa.sa_family == a->sa.sa_family &&
		    (a->sa.sa_family == AF_INET
			     ? p->addr.v4.sin_addr.s_addr == a->v4.sin_addr.s_addr
			     : memcmp(&p->addr.v6.sin6_addr, &a->v6.sin6_addr, 16) == 0 &&
				       p->addr.v6.sin6_scope_id == a->v6.sin6_scope_id))
			return p->fd;
		(void)close(p->fd);	/* left over from an earlier target */
	}
	return -1;
}

void ps_tcp_pool_put(struct engine *e, int fd, const union ps_sockaddr *a)
{
	/* Kept sockets hold descriptors beyond the concurrency: a small share of it. */
	if (e->npool == POOL_MAX || e->npool >= e->maxslots / 8 + 1) {
		(void)close(fd);
		return;
	}
	e->pool[e->npool].fd = fd;
	e->pool[e->npool++].addr = *a;
}
