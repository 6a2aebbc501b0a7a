/* Audit policies: matching rules against listening sockets and turning the result into
 * findings (unexpected sockets, missing required ones), with rules indexed by port so a
 * policy of thousands of rules against thousands of sockets stays near linear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cgroup.h"
#include "probe/escape.h"
#include "probe/grow.h"
#include "probe/policy.h"

static bool match_command(const char *want, const struct sock_rec *s)
{
	for (uint32_t i = 0; i < s->nprocs; i++) {
		char shown[4 * sizeof(s->procs[i].command) + 1];

		ps_escape(s->procs[i].command, strlen(s->procs[i].command), shown, sizeof(shown));
		if (strcmp(shown, want) == 0)
			return true;
	}
	return false;
}

static bool match_user(const struct ps_rule *r, const struct sock_rec *s)
{
	const char *name;
	char num[16];

	if (r->user_is_uid)
		return s->uid == r->uid;
	name = ps_sock_user(s->uid);
	if (name)
		return strcmp(name, r->user) == 0;
	/* No passwd entry (a container's user): the uid is all there is to compare. */
	snprintf(num, sizeof(num), "%u", s->uid);
	return strcmp(num, r->user) == 0;
}

bool ps_policy_match(const struct ps_rule *r, const struct sock_rec *s)
{
	if ((r->has & PS_RULE_PROTO) && s->proto != r->proto)
		return false;
	if ((r->has & PS_RULE_FAMILY) && s->family != r->family &&
	    !(ps_sock_accepts(s) & (r->family == AF_INET ? PS_Q_V4 : PS_Q_V6)))
		return false;
	if ((r->has & PS_RULE_PORT) &&
	    !(r->ports ? ps_portset_has(r->ports, s->local_port) : s->local_port == r->port))
		return false;
	if (r->has & PS_RULE_ADDRESS) {
		if (s->family != r->addr_family)
			return false;
		if (memcmp(&s->local, &r->addr, s->family == AF_INET ? 4 : 16) != 0)
			return false;
	}
	if ((r->has & PS_RULE_EXPOSURE) && ps_sock_exposure(s) != r->exposure)
		return false;
	if ((r->has & PS_RULE_COMMAND) && !match_command(r->command, s))
		return false;
	if ((r->has & PS_RULE_USER) && !match_user(r, s))
		return false;
	if ((r->has & PS_RULE_UNIT) && !ps_cgroup_unit_matches(s->cgroup, r->unit))
		return false;
	if ((r->has & PS_RULE_CONTAINER) && !ps_cgroup_container_matches(s->cgroup, r->container))
		return false;
	return true;
}

static int push(struct ps_findings *out, enum ps_finding_kind kind, const struct ps_rule *rule,
		const struct sock_rec *sock, ps_err *err)
{
	struct ps_finding *nv = ps_grow(out->v, &out->cap, out->len, sizeof(*nv), 16);

	if (!nv)
		return ps_err_nomem(err);
	out->v = nv;
	out->v[out->len++] = (struct ps_finding){ kind, rule, sock };
	return 0;
}

/* Rules of one section by port number: a rule with a numeric port is looked at only for
 * sockets on that port, the others (no port, or a SPEC) for every socket. This keeps an
 * --init policy of thousands of rules against thousands of sockets near linear. */
struct rule_index {
	uint32_t *start;	/* 65537 offsets into by_port */
	const struct ps_rule **by_port;
	const struct ps_rule **general;
	size_t ngeneral;
};

static void index_free(struct rule_index *ix)
{
	free(ix->start);
	free(ix->by_port);
	free(ix->general);
}

static int index_build(struct rule_index *ix, const struct ps_rule *rules, size_t n)
{
	memset(ix, 0, sizeof(*ix));
	ix->start = calloc(65537, sizeof(*ix->start));
	ix->by_port = malloc((n ? n : 1) * sizeof(const struct ps_rule *));
	ix->general = malloc((n ? n : 1) * sizeof(const struct ps_rule *));
	if (!ix->start || !ix->by_port || !ix->general)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (rules[i].port_is_number)
			ix->start[rules[i].port + 1]++;
	for (size_t p = 1; p <= 65536; p++)
		ix->start[p] += ix->start[p - 1];
	for (size_t i = 0; i < n; i++) {
		if (rules[i].port_is_number)
			ix->by_port[ix->start[rules[i].port]++] = &rules[i];
		else
			ix->general[ix->ngeneral++] = &rules[i];
	}
	/* The fill advanced each start to the next port's: shift back. */
	for (size_t p = 65536; p > 0; p--)
		ix->start[p] = ix->start[p - 1];
	ix->start[0] = 0;
	return 0;
}

/* Call fn for every rule of ix that matches s, until fn returns true. Returns whether
 * some call did. */
static bool index_each(const struct rule_index *ix, const struct sock_rec *s,
		       bool (*fn)(const struct ps_rule *r, void *ctx), void *ctx)
{
	for (uint32_t k = ix->start[s->local_port]; k < ix->start[s->local_port + 1]; k++)
		if (ps_policy_match(ix->by_port[k], s) && fn(ix->by_port[k], ctx))
			return true;
	for (size_t k = 0; k < ix->ngeneral; k++)
		if (ps_policy_match(ix->general[k], s) && fn(ix->general[k], ctx))
			return true;
	return false;
}

static bool stop_at_first(const struct ps_rule *r, void *ctx)
{
	(void)r;
	(void)ctx;
	return true;
}

struct require_marks {
	const struct ps_rule *base;
	bool *found;
};

static bool mark_found(const struct ps_rule *r, void *ctx)
{
	struct require_marks *m = ctx;

	m->found[r - m->base] = true;
	return false;	/* every require rule this socket satisfies */
}

int ps_policy_audit(const struct ps_policy *p, const struct sock_rec *const *recs, size_t n,
		    struct ps_findings *out, ps_err *err)
{
	struct rule_index allow = { 0 }, require = { 0 };
	struct require_marks marks = { p->require, NULL };
	int rc = -1;

	if (index_build(&allow, p->allow, p->nallow) < 0 ||
	    index_build(&require, p->require, p->nrequire) < 0 ||
	    !(marks.found = calloc(p->nrequire ? p->nrequire : 1, sizeof(*marks.found)))) {
		ps_err_nomem(err);
		goto end;
	}
	for (size_t i = 0; i < n; i++) {
		if (!index_each(&allow, recs[i], stop_at_first, NULL) &&
		    push(out, PS_FINDING_UNEXPECTED, NULL, recs[i], err) < 0)
			goto end;
		index_each(&require, recs[i], mark_found, &marks);
	}
	for (size_t k = 0; k < p->nrequire; k++)
		if (!marks.found[k] && push(out, PS_FINDING_MISSING, &p->require[k], NULL, err) < 0)
			goto end;
	rc = 0;
end:
	free(marks.found);
	index_free(&allow);
	index_free(&require);
	return rc;
}

void ps_findings_free(struct ps_findings *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

const char *ps_finding_kind_name(enum ps_finding_kind k)
{
	return k == PS_FINDING_UNEXPECTED ? "unexpected" : "missing";
}

const char *ps_rule_section_name(enum ps_rule_section s)
{
	return s == PS_SECTION_ALLOW ? "allow" : "require";
}
