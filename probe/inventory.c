/* The shared inventory: dump, filter, sort, owners. list, audit and watch all start here,
 * so a socket is selected and described the same way by each of them. */
#include <stdlib.h>
#include <string.h>

#include "probe/inventory.h"
#include "probe/netns_walk.h"

/* Entries found lately, by the low bits of their id: a cgroup id is the inode number of
 * its directory, and siblings made one after another have consecutive ones, so a host's
 * few dozen services rarely share a slot, and most sockets skip the map's lookup. */
#define CG_RECENT 64

struct cg_resolver {
	struct ps_cgroup_map **map;
	const struct ps_cgroup_entry *recent[CG_RECENT];
	bool off;
	ps_err ignored;
};

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
	if (f->unit && !ps_cgroup_unit_matches(r->cgroup, f->unit))
		return false;
	if (f->container && !ps_cgroup_container_matches(r->cgroup, f->container))
		return false;
	return true;
}

/* Point r->cgroup at its path and owner. Returns 0, or -1 with err on OOM; a tree that
 * cannot be read (or no cgroup v2) turns the resolver off, owners unknown. */
static int cgroup_resolve(struct cg_resolver *cr, struct sock_rec *r, ps_err *err)
{
	const struct ps_cgroup_entry **slot = &cr->recent[r->cgroup_id % CG_RECENT];
	ps_err *ignored = &cr->ignored;	/* only its kind matters; set up once */
	int rc;

	if (!r->cgroup_id || cr->off)
		return 0;
	if (*slot && (*slot)->id == r->cgroup_id) {
		r->cgroup = *slot;
		return 0;
	}
	ignored->kind = PS_ERR_NONE;
	if (!*cr->map && ps_cgroup_map_open(cr->map, ignored) <= 0) {
		cr->off = true;
		return ignored->kind == PS_ERR_NOMEM ? ps_err_nomem(err) : 0;
	}
	rc = ps_cgroup_map_lookup(*cr->map, r->cgroup_id, &r->cgroup, ignored);
	if (rc < 0 && ignored->kind == PS_ERR_NOMEM)
		return ps_err_nomem(err);
	if (rc > 0)
		*slot = r->cgroup;
	return 0;
}

/* Attach cgroups and drop what the filter does not want, in one pass over the records. */
static int select_records(struct ps_inventory *inv, const struct ps_inv_filter *f, ps_err *err)
{
	struct cg_resolver cr = { .map = &inv->cgroups };
	struct ps_sockvec *sv = &inv->sv;
	size_t kept = 0;

	for (size_t i = 0; i < sv->len; i++) {
		if (cgroup_resolve(&cr, &sv->v[i], err) < 0)
			return -1;
		if (!ps_inventory_wanted(f, &sv->v[i]))
			continue;
		if (kept != i)
			sv->v[kept] = sv->v[i];
		kept++;
	}
	sv->len = kept;
	return 0;
}

static size_t sort_key(const struct sock_rec *r)
{
	return (size_t)(r->proto == IPPROTO_UDP) << 16 | r->local_port;
}

/* A counting sort of pointers by (protocol, port): linear, stable, and it moves no
 * records. The placing pass runs twice, IPv4 records then IPv6, so IPv4 comes first within
 * a port (one kernel walk returns both families in hash order). Returns NULL on out of
 * memory. */
static const struct sock_rec **sort_records(const struct ps_sockvec *sv)
{
	uint32_t *count = calloc((size_t)2 * 65536 + 1, sizeof(*count));
	const struct sock_rec **out =
		malloc((sv->len ? sv->len : 1) * sizeof(const struct sock_rec *));

	if (!count || !out) {
		free(count);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < sv->len; i++)
		count[sort_key(&sv->v[i]) + 1]++;
	for (size_t k = 1; k <= (size_t)2 * 65536; k++)
		count[k] += count[k - 1];
	for (int v6 = 0; v6 < 2; v6++)
		for (size_t i = 0; i < sv->len; i++)
			if ((sv->v[i].family == AF_INET6) == v6)
				out[count[sort_key(&sv->v[i])]++] = &sv->v[i];
	free(count);
	return out;
}

int ps_inventory_load(const struct ps_inv_query *q, struct ps_inventory *inv, ps_err *err)
{
	const char *proc = q->proc_root ? q->proc_root : "/proc";
	int rc = q->all_netns ? ps_netns_dump_all(&q->diag, proc, &inv->nets, &inv->sv, err)
			      : ps_sockdiag_dump(&q->diag, &inv->sv, err);

	if (rc < 0 || (q->nat && ps_nat_load(&inv->nat, &inv->sv, err) < 0) ||
	    select_records(inv, &q->filter, err) < 0)
		return -1;
	if (q->processes &&
	    ps_owners_attach(&inv->sv, proc, &inv->owners, err) < 0)
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
	ps_cgroup_map_free(inv->cgroups);
	inv->cgroups = NULL;
	ps_netns_set_free(&inv->nets);
	ps_natset_free(&inv->nat);
	ps_sockvec_free(&inv->sv);
}
