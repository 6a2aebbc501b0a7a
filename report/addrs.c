/* `addrs` output. A table row is an address (a link without one gets a row of its own), its
 * listeners folded into "tcp/22,udp/53"; JSON nests addresses in their interface and the
 * listeners, as whole socket records, in their address. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/proto.h"
#include "probe/reach.h"
#include "report/addrs.h"
#include "report/json.h"
#include "report/sockets.h"
#include "report/table.h"

struct row {
	const struct ps_link *link;
	const struct ps_ifaddr *addr;	/* NULL: a link with no address */
};

struct ctx {
	const struct sock_rec *const *recs;
	size_t n;
};

static const char *addr_text(const struct ps_ifaddr *a, char *buf, size_t len)
{
	return inet_ntop(a->family, &a->addr, buf, (socklen_t)len);
}

static size_t f_name(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_link *l = ((const struct row *)rec)->link;

	(void)ctx;
	return ps_escape(l->name, strlen(l->name), buf, len);
}

static size_t f_state(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_str(buf, len, 0,
			   ps_rtaddr_operstate_name(((const struct row *)rec)->link->operstate));
}

static size_t f_mac(const void *rec, const void *ctx, char *buf, size_t len)
{
	char mac[3 * PS_LINK_ADDR_MAX];

	(void)ctx;
	ps_rtaddr_mac(((const struct row *)rec)->link, mac, sizeof(mac));
	return ps_cell_str(buf, len, 0, mac[0] ? mac : "-");
}

static size_t f_mtu(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_uint(buf, len, 0, ((const struct row *)rec)->link->mtu);
}

static size_t f_addr(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_ifaddr *a = ((const struct row *)rec)->addr;
	char text[INET6_ADDRSTRLEN];
	size_t o;

	(void)ctx;
	if (!a)
		return ps_cell_str(buf, len, 0, "-");
	o = ps_cell_str(buf, len, 0, addr_text(a, text, sizeof(text)));
	o = ps_cell_str(buf, len, o, "/");
	return ps_cell_uint(buf, len, o, a->prefixlen);
}

static size_t f_scope(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_ifaddr *a = ((const struct row *)rec)->addr;
	const char *s = a ? ps_rtaddr_scope_name(a->scope) : NULL;

	(void)ctx;
	if (!a || s)
		return ps_cell_str(buf, len, 0, s ? s : "-");
	return ps_cell_uint(buf, len, 0, a->scope);
}

/* "tcp/22,tcp/80,udp/53": each protocol and port once (records come sorted by both). */
static size_t f_listeners(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_ifaddr *a = ((const struct row *)rec)->addr;
	const struct ctx *cx = ctx;
	const struct sock_rec *last = NULL;
	size_t o = 0;

	for (size_t i = 0; a && i < cx->n; i++) {
		const struct sock_rec *r = cx->recs[i];

		if (!ps_reach_at(r, a) ||
		    (last && last->proto == r->proto && last->local_port == r->local_port))
			continue;
		if (o + 16 >= len) {
			o = ps_cell_str(buf, len, o, ",...");
			break;
		}
		if (last)
			o = ps_cell_str(buf, len, o, ",");
		o = ps_cell_str(buf, len, o, ps_proto_name(r->proto));
		o = ps_cell_str(buf, len, o, "/");
		o = ps_cell_uint(buf, len, o, r->local_port);
		last = r;
	}
	return last ? o : ps_cell_str(buf, len, 0, "-");
}

static const struct ps_column addr_columns[] = {
	{ "INTERFACE", f_name, false }, { "STATE", f_state, false }, { "MAC", f_mac, false },
	{ "MTU", f_mtu, true },	{ "ADDRESS", f_addr, false }, { "SCOPE", f_scope, false },
	{ "LISTENERS", f_listeners, false },
};

static int render_table(FILE *f, const struct ps_rtaddr *rt, const struct ctx *cx,
			unsigned flags)
{
	struct row *rows = malloc((rt->naddrs + rt->nlinks + 1) * sizeof(*rows));
	size_t nrows = 0;
	int rc;

	if (!rows)
		return -1;
	for (size_t l = 0; l < rt->nlinks; l++) {
		size_t before = nrows;

		for (size_t k = 0; k < rt->naddrs; k++)
			if (rt->addrs[k].ifindex == rt->links[l].index)
				rows[nrows++] = (struct row){ &rt->links[l], &rt->addrs[k] };
		if (nrows == before)
			rows[nrows++] = (struct row){ &rt->links[l], NULL };
	}
	rc = ps_table_render(f, addr_columns, sizeof(addr_columns) / sizeof(addr_columns[0]),
			     rows, sizeof(*rows), nrows, cx, flags);
	free(rows);
	return rc;
}

static void address_fields(struct ps_json *j, const struct ps_ifaddr *a, const struct ctx *cx,
			   const struct ps_view *view)
{
	char text[INET6_ADDRSTRLEN];

	ps_json_str(j, "family", ps_family_name(a->family));
	ps_json_str(j, "address", addr_text(a, text, sizeof(text)));
	ps_json_int(j, "prefix", a->prefixlen);
	ps_json_str(j, "scope", ps_rtaddr_scope_name(a->scope));
	ps_json_array(j, "listeners");
	for (size_t i = 0; i < cx->n; i++) {
		if (!ps_reach_at(cx->recs[i], a))
			continue;
		ps_json_object(j, NULL);
		ps_report_sock_fields(j, cx->recs[i], view);
		ps_json_end(j);
	}
	ps_json_end(j);
}

static void link_fields(struct ps_json *j, const struct ps_rtaddr *rt, const struct ps_link *l,
			const struct ctx *cx, const struct ps_view *view)
{
	char mac[3 * PS_LINK_ADDR_MAX];

	ps_rtaddr_mac(l, mac, sizeof(mac));
	ps_json_str(j, "name", l->name);
	ps_json_int(j, "index", l->index);
	ps_json_str(j, "state", ps_rtaddr_operstate_name(l->operstate));
	ps_json_str(j, "mac", mac[0] ? mac : NULL);
	ps_json_int(j, "mtu", l->mtu);
	ps_json_array(j, "addresses");
	for (size_t k = 0; k < rt->naddrs; k++) {
		if (rt->addrs[k].ifindex != l->index)
			continue;
		ps_json_object(j, NULL);
		address_fields(j, &rt->addrs[k], cx, view);
		ps_json_end(j);
	}
	ps_json_end(j);
}

int ps_report_addrs(FILE *f, enum ps_format fmt, const struct ps_rtaddr *rt,
		    const struct sock_rec *const *recs, size_t n, const struct ps_view *view)
{
	struct ctx cx = { recs, n };
	struct ps_json j;

	if (fmt == PS_FMT_NDJSON) {
		for (size_t l = 0; l < rt->nlinks; l++) {
			ps_json_line_begin(&j, f);
			link_fields(&j, rt, &rt->links[l], &cx, view);
			ps_json_line_end(&j);
		}
		return 0;
	}
	if (fmt != PS_FMT_JSON)
		return render_table(f, rt, &cx, view->table_flags);
	ps_json_init(&j, f, 2);
	ps_json_begin_doc(&j, "addrs");
	ps_json_array(&j, "interfaces");
	for (size_t l = 0; l < rt->nlinks; l++) {
		ps_json_object(&j, NULL);
		link_fields(&j, rt, &rt->links[l], &cx, view);
		ps_json_end(&j);
	}
	ps_json_end(&j);
	ps_json_object(&j, "summary");
	ps_json_int(&j, "interfaces", (long long)rt->nlinks);
	ps_json_int(&j, "addresses", (long long)rt->naddrs);
	ps_json_int(&j, "listeners", (long long)n);
	ps_json_end(&j);
	ps_json_end_doc(&j);
	return 0;
}
