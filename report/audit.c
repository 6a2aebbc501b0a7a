/* Audit findings and the --init baseline. A finding pairs a listener (unexpected) or a
 * rule (missing) with its kind; both halves are written with the same field names as
 * list and the policy file use. */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "report/audit.h"
#include "probe/proto.h"
#include "probe/escape.h"
#include "report/table.h"

void ps_report_rule_fields(struct ps_json *j, const struct ps_rule *r)
{
	ps_json_str(j, "section", ps_rule_section_name(r->section));
	ps_json_int(j, "index", (long long)r->index);
	ps_json_int(j, "line", r->line);
	ps_json_int(j, "column", r->column);
	if (r->has & PS_RULE_PROTO)
		ps_json_str(j, "proto", ps_proto_name(r->proto));
	if (r->has & PS_RULE_FAMILY)
		ps_json_str(j, "family", ps_family_name(r->family));
	if ((r->has & PS_RULE_PORT) && r->port_is_number)
		ps_json_int(j, "port", r->port);
	else if (r->has & PS_RULE_PORT)
		ps_json_str(j, "port", r->port_text);
	if (r->has & PS_RULE_ADDRESS)
		ps_json_str(j, "address", r->address_text);
	if (r->has & PS_RULE_EXPOSURE)
		ps_json_str(j, "exposure", ps_exposure_name(r->exposure));
	if (r->has & PS_RULE_COMMAND)
		ps_json_str(j, "command", r->command);
	if ((r->has & PS_RULE_USER) && r->user_is_uid)
		ps_json_int(j, "user", r->uid);
	else if (r->has & PS_RULE_USER)
		ps_json_str(j, "user", r->user);
	if (r->has & PS_RULE_UNIT)
		ps_json_str(j, "unit", r->unit);
	if (r->has & PS_RULE_CONTAINER)
		ps_json_str(j, "container", r->container);
	if (r->comment)
		ps_json_str(j, "comment", r->comment);
}

/* Append " key=value" (value escaped) to buf at *o. */
static void add_kv(char *buf, size_t len, size_t *o, const char *key, const char *val)
{
	int n;

	if (*o + 2 >= len)
		return;
	n = snprintf(buf + *o, len - *o, " %s=", key);
	if (n < 0 || (size_t)n >= len - *o)
		return;
	*o += (size_t)n;
	*o += ps_escape(val, strlen(val), buf + *o, len - *o);
}

size_t ps_report_rule_text(const struct ps_rule *r, char *buf, size_t len)
{
	char num[16];
	size_t o;
	int n;

	n = snprintf(buf, len, "%s[%u]", ps_rule_section_name(r->section), (unsigned)r->index);
	if (n < 0 || (size_t)n >= len)
		return 0;
	o = (size_t)n;
	if (r->has & PS_RULE_PROTO)
		add_kv(buf, len, &o, "proto", ps_proto_name(r->proto));
	if (r->has & PS_RULE_FAMILY)
		add_kv(buf, len, &o, "family", ps_family_name(r->family));
	if (r->has & PS_RULE_PORT) {
		snprintf(num, sizeof(num), "%u", r->port);
		add_kv(buf, len, &o, "port", r->port_is_number ? num : r->port_text);
	}
	if (r->has & PS_RULE_ADDRESS)
		add_kv(buf, len, &o, "address", r->address_text);
	if (r->has & PS_RULE_EXPOSURE)
		add_kv(buf, len, &o, "exposure", ps_exposure_name(r->exposure));
	if (r->has & PS_RULE_COMMAND)
		add_kv(buf, len, &o, "command", r->command);
	if (r->has & PS_RULE_USER) {
		snprintf(num, sizeof(num), "%u", r->uid);
		add_kv(buf, len, &o, "user", r->user_is_uid ? num : r->user);
	}
	if (r->has & PS_RULE_UNIT)
		add_kv(buf, len, &o, "unit", r->unit);
	if (r->has & PS_RULE_CONTAINER)
		add_kv(buf, len, &o, "container", r->container);
	if (!r->has)
		add_kv(buf, len, &o, "any", "yes");
	return o;
}

static size_t f_kind(const void *rec, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return (size_t)snprintf(buf, len, "%s",
				ps_finding_kind_name(((const struct ps_finding *)rec)->kind));
}

static size_t f_rule(const void *rec, const void *ctx, char *buf, size_t len)
{
	const struct ps_finding *fd = rec;

	(void)ctx;
	if (!fd->rule)
		return (size_t)snprintf(buf, len, "(no allow rule matches)");
	return ps_report_rule_text(fd->rule, buf, len);
}

/* KIND, the socket's columns (UNIT when some finding's socket has one), RULE. */
static int render_table(FILE *f, const struct ps_finding *v, size_t n,
			const struct ps_sockref *ref, unsigned flags)
{
	struct ps_column cols[PS_SOCKREF_NCOLS + 2] = { { "KIND", f_kind, false, 0 } };
	bool unit = false;
	size_t ncols = 1;

	for (size_t i = 0; i < n && !unit; i++)
		unit = v[i].sock && ps_sock_has_unit(v[i].sock);
	ncols += ps_sockref_columns(cols + ncols, unit);
	cols[ncols++] = (struct ps_column){ "RULE", f_rule, false, 0 };
	return ps_table_render(f, cols, ncols, v, sizeof(*v), n, ref, flags);
}

static void finding_fields(struct ps_json *j, const struct ps_finding *fd,
			   const struct ps_view *view)
{
	ps_json_str(j, "kind", ps_finding_kind_name(fd->kind));
	if (fd->rule) {
		ps_json_object(j, "rule");
		ps_report_rule_fields(j, fd->rule);
		ps_json_end(j);
	} else {
		ps_json_null(j, "rule");
	}
	if (fd->sock) {
		ps_json_object(j, "socket");
		ps_report_sock_fields(j, fd->sock, view);
		ps_json_end(j);
	} else {
		ps_json_null(j, "socket");
	}
}

int ps_report_audit(FILE *f, enum ps_format fmt, const struct ps_finding *v, size_t n,
		    const struct ps_audit_summary *sum, const struct ps_view *view)
{
	struct ps_sockref ref = { view, offsetof(struct ps_finding, sock) };
	size_t kinds[2] = { 0 };
	struct ps_json j;

	for (size_t i = 0; i < n; i++)
		kinds[v[i].kind]++;
	switch (fmt) {
	case PS_FMT_JSON:
		ps_json_init(&j, f, 2);
		ps_json_begin_doc(&j, "audit");
		ps_json_str(&j, "policy", sum->policy);
		ps_json_array(&j, "findings");
		for (size_t i = 0; i < n; i++) {
			ps_json_object(&j, NULL);
			finding_fields(&j, &v[i], view);
			ps_json_end(&j);
		}
		ps_json_end(&j);
		ps_json_object(&j, "summary");
		ps_json_int(&j, "sockets", (long long)sum->sockets);
		ps_json_int(&j, "allow_rules", (long long)sum->nallow);
		ps_json_int(&j, "require_rules", (long long)sum->nrequire);
		ps_json_int(&j, "findings", (long long)n);
		ps_json_int(&j, "unexpected", (long long)kinds[PS_FINDING_UNEXPECTED]);
		ps_json_int(&j, "missing", (long long)kinds[PS_FINDING_MISSING]);
		ps_json_end(&j);
		ps_json_end_doc(&j);
		return 0;
	case PS_FMT_NDJSON:
		for (size_t i = 0; i < n; i++) {
			ps_json_line_begin(&j, f);
			finding_fields(&j, &v[i], view);
			ps_json_line_end(&j);
		}
		return 0;
	default:
		if (n == 0) {
			char name[256];

			ps_escape(sum->policy, strlen(sum->policy), name, sizeof(name));
			fprintf(f, "no findings: %zu listening socket%s match %s\n", sum->sockets,
				sum->sockets == 1 ? "" : "s", name);
			return 0;
		}
		return render_table(f, v, n, &ref, view->table_flags);
	}
}

/* The processes' one command when they all share it, else NULL. */
static const char *sole_command(const struct sock_rec *r)
{
	if (r->nprocs == 0)
		return NULL;
	for (uint32_t i = 1; i < r->nprocs; i++)
		if (strcmp(r->procs[i].command, r->procs[0].command) != 0)
			return NULL;
	return r->procs[0].command;
}

static bool same_place(const struct sock_rec *a, const struct sock_rec *b)
{
	return a->proto == b->proto && a->family == b->family && a->local_port == b->local_port &&
	       memcmp(&a->local, &b->local, sizeof(a->local)) == 0;
}

static bool same_command(const struct sock_rec *a, const struct sock_rec *b)
{
	const char *ca = sole_command(a), *cb = sole_command(b);

	return ca && cb ? strcmp(ca, cb) == 0 : ca == cb;
}

void ps_report_policy_init(FILE *f, const struct sock_rec *const *recs, size_t n)
{
	struct ps_json j;
	char addr[INET6_ADDRSTRLEN], shown[4 * sizeof(recs[0]->procs[0].command) + 1];

	ps_json_init(&j, f, 2);
	ps_json_object(&j, NULL);
	ps_json_array(&j, "allow");
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *r = recs[i];
		const char *cmd = sole_command(r);
		bool dup = false;

		/* SO_REUSEPORT groups and the like: one rule covers them all. Records come
		 * ordered by protocol and port, so the candidates sit just before this one. */
		for (size_t k = i; k-- > 0 && recs[k]->proto == r->proto &&
				   recs[k]->local_port == r->local_port && !dup;)
			dup = same_place(recs[k], r) && same_command(recs[k], r);
		if (dup)
			continue;
		ps_json_object(&j, NULL);
		ps_json_str(&j, "proto", ps_proto_name(r->proto));
		ps_json_str(&j, "family", ps_family_name(r->family));
		ps_json_str(&j, "address", ps_report_addr(r, true, addr, sizeof(addr)));
		ps_json_int(&j, "port", r->local_port);
		/* Rules compare a command as tables show it (ps_escape), so the baseline
		 * carries that form. */
		if (cmd) {
			ps_escape(cmd, strlen(cmd), shown, sizeof(shown));
			ps_json_str(&j, "command", shown);
		}
		ps_json_end(&j);
	}
	ps_json_end(&j);
	ps_json_array(&j, "require");
	ps_json_end(&j);
	ps_json_end_doc(&j);
}
