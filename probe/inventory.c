/* The shared inventory: dump, filter, sort, owners. list, audit and watch all start here,
 * so a socket is selected and described the same way by each of them. */
#include <stdlib.h>
#include <string.h>

#include "probe/inventory.h"

void ps_inventory_listening(struct ps_sockdiag_query *diag, unsigned protos, unsigned families)
{
	diag->protos = protos;
	diag->families = families;
	diag->tcp_states = 1u << PS_SS_LISTEN;
	/* A bound UDP socket that never connected sits in CLOSE: the "unconn" of ss. */
	diag->udp_states = 1u << PS_SS_CLOSE;
}

bool ps_inventory_wanted(const struct ps_inv_filter *f, const struct sock_rec *r)
{
	if (f->have_port && !ps_portset_has(&f->ports, r->local_port))
		return false;
	if (f->have_class && ps_ports_class(r->local_port) != f->cls)
		return false;
	if (f->have_exposure && ps_sock_exposure(r) != f->exposure)
		return false;
	return true;
}

int ps_inventory_cmp(const void *a, const void *b)
{
	const struct sock_rec *x = a, *y = b;
	int c;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->local_port != y->local_port)
		return x->local_port - y->local_port;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(&x->local, &y->local, sizeof(x->local));
	if (c)
		return c;
	if (x->remote_port != y->remote_port)
		return x->remote_port - y->remote_port;
	return memcmp(&x->remote, &y->remote, sizeof(x->remote));
}

int ps_inventory_load(const struct ps_inv_query *q, struct ps_inventory *inv, ps_err *err)
{
	size_t kept = 0;

	if (ps_sockdiag_dump(&q->diag, &inv->sv, err) < 0)
		return -1;
	for (size_t i = 0; i < inv->sv.len; i++)
		if (ps_inventory_wanted(&q->filter, &inv->sv.v[i]))
			inv->sv.v[kept++] = inv->sv.v[i];
	inv->sv.len = kept;
	qsort(inv->sv.v, inv->sv.len, sizeof(*inv->sv.v), ps_inventory_cmp);
	if (q->processes &&
	    ps_owners_attach(&inv->sv, q->proc_root ? q->proc_root : "/proc", &inv->owners, err) < 0)
		return -1;
	return 0;
}

void ps_inventory_free(struct ps_inventory *inv)
{
	ps_owners_free(&inv->owners);
	ps_sockvec_free(&inv->sv);
}
