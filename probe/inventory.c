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

#define NBUCKETS ((size_t)2 * 65536)	/* one per (protocol, port) */

static size_t bucket(const struct sock_rec *r)
{
	return (size_t)(r->proto == IPPROTO_UDP) * 65536 + r->local_port;
}

/* A counting sort of pointers by (protocol, port): linear, stable (so the kernel's order
 * stays within a port), and it moves no records. Returns NULL on out of memory. */
static const struct sock_rec **sort_records(const struct ps_sockvec *sv)
{
	uint32_t *count = calloc(NBUCKETS + 1, sizeof(*count));
	const struct sock_rec **out =
		malloc((sv->len ? sv->len : 1) * sizeof(const struct sock_rec *));

	if (!count || !out) {
		free(count);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < sv->len; i++)
		count[bucket(&sv->v[i]) + 1]++;
	for (size_t k = 1; k <= NBUCKETS; k++)
		count[k] += count[k - 1];
	for (size_t i = 0; i < sv->len; i++)
		out[count[bucket(&sv->v[i])]++] = &sv->v[i];
	free(count);
	return out;
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
	if (q->processes &&
	    ps_owners_attach(&inv->sv, q->proc_root ? q->proc_root : "/proc", &inv->owners, err) < 0)
		return -1;
	inv->sorted = sort_records(&inv->sv);
	if (!inv->sorted)
		return ps_err_nomem(err);
	return 0;
}

void ps_inventory_free(struct ps_inventory *inv)
{
	free(inv->sorted);
	inv->sorted = NULL;
	ps_owners_free(&inv->owners);
	ps_sockvec_free(&inv->sv);
}
