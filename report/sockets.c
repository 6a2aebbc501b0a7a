/* Socket records as a table (the ss -ltunp view), a JSON document with a summary, or
 * NDJSON. Addresses are formatted here; every decision about a socket, its state,
 * exposure and owners, was made in probe/. */
#include <arpa/inet.h>
#include <string.h>

#include "probe/cgroup.h"
#include "probe/nat.h"
#include "probe/netns.h"
#include "probe/proto.h"
#include "probe/ports.h"
#include "probe/escape.h"
#include "report/sockets.h"
#include "report/table.h"

const char *ps_report_addr(const struct sock_rec *r, bool local, char *buf, size_t len)
{
	const struct in6_addr *a = local ? &r->local : &r->remote;

	/* glibc formats IPv4 through sprintf; this is the hot path of a large listing. */
	if (r->family == AF_INET && len >= INET_ADDRSTRLEN) {
		size_t o = 0;

		for (int i = 0; i < 4; i++) {
			unsigned v = a->s6_addr[i];

			if (i)
				buf[o++] = '.';
			if (v >= 100)
				buf[o++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[o++] = (char)('0' + v / 10 % 10);
			buf[o++] = (char)('0' + v % 10);
		}
		buf[o] = '\0';
		return buf;
	}
	inet_ntop(r->family, a, buf, (socklen_t)len);
	return buf;
}

const char *ps_report_service(const struct sock_rec *r, const struct ps_view *view)
{
	return view->numeric ? NULL : ps_ports_service(r->local_port, r->proto);
}

/* A listening or unconnected socket has no peer: the kernel reports a wildcard. */
static bool has_peer(const struct sock_rec *r)
{
	if (r->remote_port != 0)
		return true;
	if (r->family == AF_INET)
		return r->remote.s6_addr32[0] != 0;
	return !IN6_IS_ADDR_UNSPECIFIED(&r->remote);
}

static size_t fmt_endpoint(const struct sock_rec *r, bool local, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *ifname = local ? ps_sock_ifname(r->ifindex) : NULL;
	size_t o = 0;

	if (!local && !has_peer(r))
		return ps_cell_str(buf, len, 0, "*");
	ps_report_addr(r, local, addr, sizeof(addr));
	if (r->family == AF_INET6)
		o = ps_cell_str(buf, len, o, "[");
	o = ps_cell_str(buf, len, o, addr);
	if (ifname) {
		o = ps_cell_str(buf, len, o, "%");
		o = ps_cell_str(buf, len, o, ifname);
	}
	o = ps_cell_str(buf, len, o, r->family == AF_INET6 ? "]:" : ":");
	return ps_cell_uint(buf, len, o, local ? r->local_port : r->remote_port);
}

static size_t f_proto(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct sock_rec *r = rec;
	static const char *const names[2][2] = { { "tcp", "tcp6" }, { "udp", "udp6" } };

	(void)ctx;
	return ps_cell_str(buf, len, 0, names[r->proto == IPPROTO_UDP][r->family == AF_INET6]);
}

static size_t f_state(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_str(buf, len, 0, ps_sock_state_name(rec));
}

static size_t f_recvq(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_uint(buf, len, 0, ((const struct sock_rec *)rec)->recv_q);
}

static size_t f_sendq(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return ps_cell_uint(buf, len, 0, ((const struct sock_rec *)rec)->send_q);
}

static size_t f_local(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return fmt_endpoint(rec, true, buf, len);
}

static size_t f_peer(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return fmt_endpoint(rec, false, buf, len);
}

static size_t f_service(const void *rec, const void *ctx, char *buf, size_t len)
{
	const char *s = ps_report_service(rec, ctx);

	return ps_cell_str(buf, len, 0, s ? s : "-");
}

static size_t f_exposure(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct sock_rec *r = rec;
	enum ps_exposure e = ps_sock_exposure(r);

	(void)ctx;
	/* A dual-stack wildcard takes IPv4 too: say so where the table has no v6only column. */
	if (e == PS_EXPOSE_ALL && r->family == AF_INET6 && r->v6only == 0)
		return ps_cell_str(buf, len, 0, "all+v4");
	return ps_cell_str(buf, len, 0, ps_exposure_name(e));
}

static size_t f_user(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct sock_rec *r = rec;
	const char *u = r->nat ? "-" : ps_sock_user(r->uid);

	(void)ctx;
	if (u)
		return ps_escape(u, strlen(u), buf, len);
	return ps_cell_uint(buf, len, 0, r->uid);
}

static size_t nat_cell(const struct ps_nat_rule *n, char *buf, size_t len)
{
	char text[300];

	snprintf(text, sizeof(text), "nft %s %s/%s", n->family, n->table, n->chain);
	return ps_escape(text, strlen(text), buf, len);
}

static size_t f_process(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct sock_rec *r = rec;
	size_t o = 0;

	(void)ctx;
	if (r->nat)	/* where the published port comes from: "nft ip nat/prerouting" */
		return nat_cell(r->nat, buf, len);
	if (r->nprocs == 0)
		return ps_cell_str(buf, len, 0, "-");
	for (uint32_t i = 0; i < r->nprocs && o + 8 < len; i++) {
		const struct ps_proc *p = &r->procs[i];
		int n;

		if (i > 0)
			buf[o++] = ',';
		o += ps_escape(p->command, strlen(p->command), buf + o, len - o);
		n = snprintf(buf + o, len - o, "(%d)", p->pid);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	buf[o < len ? o : len - 1] = '\0';
	return o < len ? o : len - 1;
}

/* The unit, else the container (its id cut to docker's twelve characters), else "-". */
static size_t f_unit(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_cgroup_entry *cg = ((const struct sock_rec *)rec)->cgroup;

	(void)ctx;
	if (cg && cg->label_len && cg->label_len < len) {	/* escaped once per cgroup */
		memcpy(buf, ps_cgroup_label(cg), cg->label_len + 1);
		return cg->label_len;
	}
	if (cg && cg->label_len)	/* too long for a cell: cut at an escape boundary */
		return cg->info.unit[0] ? ps_escape(cg->info.unit, strlen(cg->info.unit), buf, len)
					: ps_escape(cg->info.id, strnlen(cg->info.id, 12), buf, len);
	return ps_cell_str(buf, len, 0, "-");
}

bool ps_sock_has_unit(const struct sock_rec *r)
{
	return r->cgroup && r->cgroup->label_len;
}

/* --all-netns: the namespace's name, else net:[INODE] as /proc/PID/ns/net reads. */
static size_t f_netns(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_netns_ref *ns = ((const struct sock_rec *)rec)->netns;
	size_t o;

	(void)ctx;
	if (!ns)
		return ps_cell_str(buf, len, 0, "-");
	if (ns->name[0])
		return ps_escape(ns->name, strlen(ns->name), buf, len);
	o = ps_cell_str(buf, len, 0, "net:[");
	o = ps_cell_uint(buf, len, o, (unsigned long)ns->inode);
	return ps_cell_str(buf, len, o, "]");
}

/* NETNS leads and UNIT sits before PROCESS, each only when some row has one. */
static const struct ps_column sock_columns[] = {
	{ "NETNS", f_netns, false },
	{ "PROTO", f_proto, false },
	{ "STATE", f_state, false },
	{ "RECV-Q", f_recvq, true },
	{ "SEND-Q", f_sendq, true },
	{ "LOCAL", f_local, false },
	{ "PEER", f_peer, false },
	{ "SERVICE", f_service, false },
	{ "EXPOSURE", f_exposure, false },
	{ "USER", f_user, false },
	{ "UNIT", f_unit, false },
	{ "PROCESS", f_process, false },
};
#define SOCK_NCOLS (sizeof(sock_columns) / sizeof(sock_columns[0]))
#define SOCK_UNIT_COL (SOCK_NCOLS - 2)
#define SOCK_NETNS_COL 0

/* The socket a sockref record holds, or NULL. */
static const struct sock_rec *ref_sock(const void *rec, const void *ctx)
{
	const struct ps_sockref *ref = ctx;
	const struct sock_rec *r;

	memcpy(&r, (const char *)rec + ref->offset, sizeof(const struct sock_rec *));
	return r;
}

#define SOCKREF_FIELD(name, field)                                                         \
	size_t ps_sockref_##name(const void *rec, const void *ctx, char *buf, size_t len) \
	{                                                                                  \
		const struct sock_rec *r = ref_sock(rec, ctx);                             \
                                                                                           \
		if (!r)                                                                    \
			return ps_cell_str(buf, len, 0, "-");                              \
		return field(r, ((const struct ps_sockref *)ctx)->view, buf, len);         \
	}

SOCKREF_FIELD(proto, f_proto)
SOCKREF_FIELD(local, f_local)
SOCKREF_FIELD(exposure, f_exposure)
SOCKREF_FIELD(user, f_user)
SOCKREF_FIELD(process, f_process)
SOCKREF_FIELD(unit, f_unit)

size_t ps_sockref_columns(struct ps_column *cols, bool unit)
{
	static const struct ps_column all[PS_SOCKREF_NCOLS] = {
		{ "PROTO", ps_sockref_proto, false, 5 },
		{ "LOCAL", ps_sockref_local, false, 24 },
		{ "EXPOSURE", ps_sockref_exposure, false, 8 },
		{ "USER", ps_sockref_user, false, 8 },
		{ "UNIT", ps_sockref_unit, false, 16 },
		{ "PROCESS", ps_sockref_process, false, 0 },
	};
	size_t n = 0;

	for (size_t c = 0; c < PS_SOCKREF_NCOLS; c++)
		if (unit || all[c].field != ps_sockref_unit)
			cols[n++] = all[c];
	return n;
}

static void netns_field(struct ps_json *j, const struct ps_netns_ref *ns)
{
	ps_json_object(j, "netns");
	ps_json_str(j, "name", ns->name[0] ? ns->name : NULL);
	ps_json_int(j, "inode", (long long)ns->inode);
	if (ns->pid > 0)
		ps_json_int(j, "pid", ns->pid);
	else
		ps_json_null(j, "pid");
	ps_json_end(j);
}

/* A published port has no owner of its own: its rule stands in. */
static void nat_fields(struct ps_json *j, const struct ps_nat_rule *n)
{
	ps_json_object(j, "nat");
	ps_json_str(j, "family", n->family);
	ps_json_str(j, "table", n->table);
	ps_json_str(j, "chain", n->chain);
	ps_json_int(j, "handle", (long long)n->handle);
	ps_json_end(j);
	ps_json_null(j, "uid");
	ps_json_null(j, "user");
	ps_json_null(j, "inode");
}

static const char *const accepts_names[] = { "ipv4", "ipv6" };

/* accepts, cgroup, unit, container: what the kernel's cgroup id and IPV6_V6ONLY add. */
static void owner_fields(struct ps_json *j, const struct sock_rec *r)
{
	const struct ps_cgroup_entry *cg = r->cgroup;
	unsigned acc = ps_sock_accepts(r);

	ps_json_array(j, "accepts");
	for (unsigned k = 0; k < 2; k++)
		if (acc & (1u << k))
			ps_json_str(j, NULL, accepts_names[k]);
	ps_json_end(j);
	ps_json_str(j, "cgroup", cg ? cg->path : NULL);
	ps_json_str(j, "unit", cg && cg->info.unit[0] ? cg->info.unit : NULL);
	if (cg && cg->info.id[0]) {
		ps_json_object(j, "container");
		ps_json_str(j, "runtime", cg->info.runtime);
		ps_json_str(j, "id", cg->info.id);
		ps_json_end(j);
	} else {
		ps_json_null(j, "container");
	}
	if (r->netns)
		netns_field(j, r->netns);
}

void ps_report_sock_fields(struct ps_json *j, const struct sock_rec *r,
			   const struct ps_view *view)
{
	char addr[INET6_ADDRSTRLEN];
	bool peer = has_peer(r);

	ps_json_str(j, "proto", ps_proto_name(r->proto));
	ps_json_str(j, "family", ps_family_name(r->family));
	ps_json_str(j, "state", ps_sock_state_name(r));
	ps_json_str(j, "local_address", ps_report_addr(r, true, addr, sizeof(addr)));
	ps_json_int(j, "local_port", r->local_port);
	if (peer) {
		ps_json_str(j, "remote_address", ps_report_addr(r, false, addr, sizeof(addr)));
		ps_json_int(j, "remote_port", r->remote_port);
	} else {
		ps_json_null(j, "remote_address");
		ps_json_null(j, "remote_port");
	}
	ps_json_str(j, "port_class", ps_ports_class_name(ps_ports_class(r->local_port)));
	ps_json_bool(j, "ephemeral", ps_ports_ephemeral(r->local_port));
	ps_json_str(j, "service", ps_report_service(r, view));
	ps_json_str(j, "exposure", ps_exposure_name(ps_sock_exposure(r)));
	ps_json_str(j, "interface", ps_sock_ifname(r->ifindex));
	if (r->v6only < 0)
		ps_json_null(j, "v6only");
	else
		ps_json_bool(j, "v6only", r->v6only);
	owner_fields(j, r);
	if (r->nat) {
		nat_fields(j, r->nat);
	} else {
		ps_json_int(j, "uid", r->uid);
		ps_json_str(j, "user", ps_sock_user(r->uid));
		ps_json_int(j, "inode", r->inode);
	}
	ps_json_int(j, "recv_q", r->recv_q);
	ps_json_int(j, "send_q", r->send_q);
	ps_json_array(j, "processes");
	for (uint32_t i = 0; i < r->nprocs; i++) {
		ps_json_object(j, NULL);
		ps_json_int(j, "pid", r->procs[i].pid);
		ps_json_str(j, "command", r->procs[i].command);
		ps_json_end(j);
	}
	ps_json_end(j);
}

static void write_summary(struct ps_json *j, const struct sock_rec *const *recs, size_t n)
{
	size_t proto[2] = { 0 }, cls[3] = { 0 }, exp[3] = { 0 }, fam[2] = { 0 };

	for (size_t i = 0; i < n; i++) {
		proto[recs[i]->proto == IPPROTO_UDP]++;
		fam[recs[i]->family == AF_INET6]++;
		cls[ps_ports_class(recs[i]->local_port)]++;
		exp[ps_sock_exposure(recs[i])]++;
	}
	ps_json_object(j, "summary");
	ps_json_int(j, "total", (long long)n);
	ps_json_object(j, "proto");
	ps_json_int(j, ps_proto_name(IPPROTO_TCP), (long long)proto[0]);
	ps_json_int(j, ps_proto_name(IPPROTO_UDP), (long long)proto[1]);
	ps_json_end(j);
	ps_json_object(j, "family");
	ps_json_int(j, ps_family_name(AF_INET), (long long)fam[0]);
	ps_json_int(j, ps_family_name(AF_INET6), (long long)fam[1]);
	ps_json_end(j);
	ps_json_object(j, "port_class");
	for (int c = 0; c < 3; c++)
		ps_json_int(j, ps_ports_class_name((enum ps_port_class)c), (long long)cls[c]);
	ps_json_end(j);
	ps_json_object(j, "exposure");
	for (int e = 0; e < 3; e++)
		ps_json_int(j, ps_exposure_name((enum ps_exposure)e), (long long)exp[e]);
	ps_json_end(j);
	ps_json_end(j);
}

static int render_table(FILE *f, const struct sock_rec *const *recs, size_t n,
			const struct ps_view *view)
{
	struct ps_column cols[SOCK_NCOLS];
	size_t ncols = 0;
	bool unit = false, netns = false;

	for (size_t i = 0; i < n; i++) {
		unit |= ps_sock_has_unit(recs[i]);
		netns |= recs[i]->netns != NULL;
	}
	for (size_t c = 0; c < SOCK_NCOLS; c++)
		if ((c != SOCK_UNIT_COL || unit) && (c != SOCK_NETNS_COL || netns))
			cols[ncols++] = sock_columns[c];
	return ps_table_render_ptrs(f, cols, ncols, (const void *const *)recs, n, view,
				    view->table_flags);
}

int ps_report_sockets(FILE *f, enum ps_format fmt, const struct sock_rec *const *recs, size_t n,
		      const struct ps_view *view)
{
	struct ps_json j;

	switch (fmt) {
	case PS_FMT_JSON:
		ps_json_init(&j, f, 2);
		ps_json_begin_doc(&j, "list");
		ps_json_array(&j, "sockets");
		for (size_t i = 0; i < n; i++) {
			ps_json_object(&j, NULL);
			ps_report_sock_fields(&j, recs[i], view);
			ps_json_end(&j);
		}
		ps_json_end(&j);
		write_summary(&j, recs, n);
		ps_json_end_doc(&j);
		return 0;
	case PS_FMT_NDJSON:
		for (size_t i = 0; i < n; i++) {
			ps_json_line_begin(&j, f);
			ps_report_sock_fields(&j, recs[i], view);
			ps_json_line_end(&j);
		}
		return 0;
	default:
		return render_table(f, recs, n, view);
	}
}
