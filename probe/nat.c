/* DNAT rules of an nftables ruleset in its JSON form (libnftables-json(5)): a rule is a
 * list of expressions; we keep the destination-port and destination-address matches and
 * the dnat statement, and ignore the rest (counters, interface matches). Published ports
 * are bounded so a rule over a huge range cannot flood the listing. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "probe/grow.h"
#include "probe/nat.h"

/* One rule over 1-65535 is still one port each; past this many records we stop. */
#define NAT_MAX_RECORDS (1u << 20)

void ps_natset_free(struct ps_natset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* What one rule says, before it becomes records. */
struct rule_parse {
	uint8_t proto;
	const json_t *ports;	/* the dport match's right side */
	int daddr_family;
	struct in6_addr daddr;
	int to_family;
	struct in6_addr to;
	json_int_t to_port;	/* 0: the original port */
};

static int parse_addr(const char *s, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s && inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (s && inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	return 0;
}

static void match_expr(const json_t *m, struct rule_parse *rp)
{
	const json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right");
	const json_t *payload = json_object_get(left, "payload");
	const char *proto = json_string_value(json_object_get(payload, "protocol"));
	const char *field = json_string_value(json_object_get(payload, "field"));
	const char *meta = json_string_value(json_object_get(json_object_get(left, "meta"), "key"));

	if (!json_is_string(json_object_get(m, "op")) ||
	    strcmp(json_string_value(json_object_get(m, "op")), "==") != 0)
		return;
	if (proto && field && strcmp(field, "dport") == 0 &&
	    (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0)) {
		rp->proto = proto[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		rp->ports = right;
	} else if (proto && field && strcmp(field, "daddr") == 0 &&
		   (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0)) {
		rp->daddr_family = parse_addr(json_string_value(right), &rp->daddr);
	} else if (meta && strcmp(meta, "l4proto") == 0 && json_is_string(right) && !rp->proto) {
		if (strcmp(json_string_value(right), "tcp") == 0)
			rp->proto = IPPROTO_TCP;
		else if (strcmp(json_string_value(right), "udp") == 0)
			rp->proto = IPPROTO_UDP;
	}
}

static void dnat_expr(const json_t *d, struct rule_parse *rp)
{
	const json_t *port = json_object_get(d, "port");

	rp->to_family = parse_addr(json_string_value(json_object_get(d, "addr")), &rp->to);
	rp->to_port = json_is_integer(port) ? json_integer_value(port) : 0;
	if (port && !json_is_integer(port))
		rp->to_family = 0;	/* a port range or map: not one destination */
}

static int emit(const struct rule_parse *rp, const struct ps_nat_rule *rule, json_int_t port,
		struct ps_sockvec *out, ps_err *err)
{
	struct sock_rec *nv, *r;

	if (port < 1 || port > 65535 || out->len >= NAT_MAX_RECORDS)
		return 0;
	nv = ps_grow(out->v, &out->cap, out->len, sizeof(*nv), 64);
	if (!nv)
		return ps_err_nomem(err);
	out->v = nv;
	r = &out->v[out->len++];
	memset(r, 0, sizeof(*r));
	r->proto = rp->proto;
	r->family = (uint8_t)rp->to_family;
	r->v6only = -1;
	r->local_port = (uint16_t)port;
	if (rp->daddr_family == rp->to_family)
		r->local = rp->daddr;
	r->remote = rp->to;
	r->remote_port = (uint16_t)(rp->to_port ? rp->to_port : port);
	r->nat = rule;
	return 0;
}

/* One record per port of v: a number, {"range": [a, b]} or {"set": [...]} of those. */
static int emit_ports(const struct rule_parse *rp, const struct ps_nat_rule *rule,
		      const json_t *v, struct ps_sockvec *out, ps_err *err)
{
	const json_t *range = json_object_get(v, "range"), *set = json_object_get(v, "set");
	size_t i;
	const json_t *item;

	if (json_is_integer(v))
		return emit(rp, rule, json_integer_value(v), out, err);
	if (json_is_array(range) && json_array_size(range) == 2 &&
	    json_is_integer(json_array_get(range, 0)) && json_is_integer(json_array_get(range, 1))) {
		json_int_t a = json_integer_value(json_array_get(range, 0));
		json_int_t b = json_integer_value(json_array_get(range, 1));

		for (json_int_t p = a < 1 ? 1 : a; p <= b && p <= 65535; p++)
			if (emit(rp, rule, p, out, err) < 0)
				return -1;
		return 0;
	}
	json_array_foreach(set, i, item) {
		if (json_is_object(item) && emit_ports(rp, rule, item, out, err) < 0)
			return -1;
		if (json_is_integer(item) && emit(rp, rule, json_integer_value(item), out, err) < 0)
			return -1;
	}
	return 0;
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(dst, size, "%s", s ? s : "");
}

/* A rule object: its records into out, its identity into rules (room reserved). */
static int parse_rule(const json_t *rule, struct ps_natset *rules, struct ps_sockvec *out,
		      ps_err *err)
{
	struct rule_parse rp = { 0 };
	struct ps_nat_rule *nr;
	const json_t *expr, *e;
	size_t i;

	json_array_foreach(json_object_get(rule, "expr"), i, expr) {
		if ((e = json_object_get(expr, "match")) && json_is_object(e))
			match_expr(e, &rp);
		else if ((e = json_object_get(expr, "dnat")) && json_is_object(e))
			dnat_expr(e, &rp);
	}
	if (!rp.proto || !rp.ports || !rp.to_family || rules->len == rules->cap)
		return 0;
	nr = &rules->v[rules->len++];
	copy_str(nr->family, sizeof(nr->family), json_object_get(rule, "family"));
	copy_str(nr->table, sizeof(nr->table), json_object_get(rule, "table"));
	copy_str(nr->chain, sizeof(nr->chain), json_object_get(rule, "chain"));
	nr->handle = (uint64_t)json_integer_value(json_object_get(rule, "handle"));
	return emit_ports(&rp, nr, rp.ports, out, err);
}

int ps_nat_parse(const char *json, size_t len, struct ps_natset *rules, struct ps_sockvec *out,
		 ps_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *list, *item;
	size_t i, n;
	int rc = 0;

	list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		json_decref(root);
		errno = EBADMSG;
		return ps_err_system(err, "nftables: the ruleset is not the JSON libnftables writes");
	}
	/* Room for every rule at once: records point into rules, which must not move. */
	n = json_array_size(list);
	ps_natset_free(rules);
	rules->v = calloc(n ? n : 1, sizeof(*rules->v));
	if (!rules->v) {
		json_decref(root);
		return ps_err_nomem(err);
	}
	rules->cap = n;
	json_array_foreach(list, i, item) {
		const json_t *rule = json_object_get(item, "rule");

		if (json_is_object(rule) && (rc = parse_rule(rule, rules, out, err)) < 0)
			break;
	}
	json_decref(root);
	return rc;
}
