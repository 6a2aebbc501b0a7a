/* Policies: parsing, positions of errors, rule matching and findings. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cgroup.h"
#include "probe/policy.h"

static struct ps_policy pol;
static ps_err err;

static int parse(const char *text)
{
	memset(&pol, 0, sizeof(pol));
	return ps_policy_parse(text, strlen(text), "p.json", &pol, &err);
}

static void teardown(void)
{
	ps_policy_free(&pol);
}

TestSuite(policy, .fini = teardown);

static struct sock_rec sock(uint8_t proto, const char *addr, uint16_t port)
{
	struct sock_rec r = { 0 };

	r.proto = proto;
	r.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	r.state = proto == IPPROTO_TCP ? PS_SS_LISTEN : PS_SS_CLOSE;
	r.v6only = -1;
	r.local_port = port;
	cr_assert(inet_pton(r.family, addr, &r.local) == 1);
	return r;
}

Test(policy, issue_example_parses)
{
	cr_assert_eq(parse("{\n"
			   "  \"allow\":   [ {\"proto\": \"tcp\", \"port\": 22},\n"
			   "               {\"proto\": \"tcp\", \"port\": \"8000-8100\", \"exposure\": \"loopback\"},\n"
			   "               {\"proto\": \"udp\", \"port\": \"domain\", \"command\": \"systemd-resolve\"} ],\n"
			   "  \"require\": [ {\"proto\": \"tcp\", \"port\": 22} ]\n"
			   "}\n"), 0, "%s", err.msg);
	cr_assert_eq(pol.nallow, 3);
	cr_assert_eq(pol.nrequire, 1);
	cr_assert_eq(pol.allow[1].has, PS_RULE_PROTO | PS_RULE_PORT | PS_RULE_EXPOSURE);
	cr_assert_eq(pol.allow[1].line, 3);
	cr_assert_eq(pol.allow[1].column, 16);
	cr_assert(ps_portset_has(pol.allow[2].ports, 53));
	cr_assert_eq(pol.require[0].section, PS_SECTION_REQUIRE);
	cr_assert_eq(pol.allow[0].port, 22);
	cr_assert(pol.allow[0].port_is_number);
	cr_assert_null(pol.allow[0].port_text);
	cr_assert_str_eq(pol.allow[1].port_text, "8000-8100");
	cr_assert_eq(pol.require[0].line, 5);
	cr_assert_eq(pol.require[0].column, 16);
	cr_assert_eq(pol.allow[2].index, 2);
}

/* Every schema error names the position of the key or value at fault. */
Test(policy, error_positions)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"allow\": [ {\"proto\": \"tcp\", \"port\": 22,} ]}",
		  "p.json:1:41: string or '}' expected near '}'" },
		{ "{\"allow\": [ {\"proto\": \"tcp\", \"prot\": 22} ]}",
		  "p.json:1:30: unknown field 'prot' (proto, family, port, address, exposure, "
		  "command, user, unit, container, comment)" },
		{ "{\"allow\": [\n  {\"proto\": \"tcp\",\n   \"port\": 70000} ]}",
		  "p.json:3:12: port 70000 out of range (1-65535)" },
		{ "{\"allow\": [ {\"proto\": \"tcp\", \"port\": \"22,foo\"} ]}",
		  "p.json:1:38: bad port: unknown service 'foo'" },
		{ "{\"allow\": [{\"exposure\": \"public\"}]}",
		  "p.json:1:25: unknown exposure 'public' (loopback, all, specific)" },
		{ "{\"allow\": [{\"port\": 1, \"port\": 2}]}",
		  "p.json:1:29: duplicate object key near '\"port\"'" },
		{ "{\"allw\": []}", "p.json:1:2: unknown field 'allw' (allow, require)" },
		{ "[1]", "p.json:1:1: a policy is an object with \"allow\" and \"require\" arrays" },
		{ "{\"allow\": {}}", "p.json:1:11: 'allow' must be an array of rules, not {}" },
		{ "{\"allow\": [3]}", "p.json:1:12: a rule must be an object, not 3" },
		/* An escaped key is still the key; the second rule's value is at fault. */
		{ "{\"require\": [{\"comm\\u0061nd\": \"x\"}, {\"command\": \"averyveryverylongname\"}]}",
		  "p.json:1:49: command 'averyveryverylongname' is longer than the 15 characters "
		  "the kernel keeps of a process name" },
		{ "{\"allow\":[{\"family\":\"ipv6\",\"address\":\"127.0.0.1\"}]}",
		  "p.json:1:38: address '127.0.0.1' is not ipv6" },
		/* Columns count characters, as jansson's do: \u00e9 is one. */
		{ "{\"allow\": [{\"command\": \"\xc3\xa9\", \"proto\": \"xyz\"}]}",
		  "p.json:1:38: unknown proto 'xyz' (tcp, udp)" },
		{ "{\"allow\": [{\"port\": \"ssh\"}, {\"port\": 22.5}]}",
		  "p.json:1:38: port must be a number or a port spec string, not 22.5" },
		{ "{\"allow\": [{\"port\": 0}]}", "p.json:1:21: port 0 out of range (1-65535)" },
		{ "{\"allow\": [{\"user\": -1}]}", "p.json:1:21: uid -1 out of range" },
		{ "{\"allow\": [{\"address\": \"localhost\"}]}",
		  "p.json:1:24: address 'localhost' is not an IPv4 or IPv6 address" },
		{ "{\"allow\": [{\"proto\": \"\"}]}",
		  "p.json:1:22: proto must be a non-empty string, not " },
		/* Strings with brackets and escaped quotes do not fool the scan. */
		{ "{\"allow\": [{\"comment\": \"a } ] \\\" {\", \"family\": \"ipx\"}]}",
		  "p.json:1:48: unknown family 'ipx' (ipv4, ipv6)" },
		{ "", "p.json:1:1: '[' or '{' expected near end of file" },	/* not 1:0 */
		/* A policy read rule by rule still reports what the whole text breaks first:
		 * a syntax error after a bad rule, a key given twice, text after the end. */
		{ "{\"allow\": [{\"port\": 0}],\n \"require\": [}",
		  "p.json:2:14: unexpected token near '}'" },
		{ "{\"allow\": [], \"allow\": [{\"port\": 1}]}",
		  "p.json:1:21: duplicate object key near '\"allow\"'" },
		{ "{\"allow\": [{\"port\": 1}]} x", "p.json:1:26: end of file expected near 'x'" },
		{ "{\"require\": [{\"port\": 1}], \"allow\": [{\"port\": 2}, {\"port\": \"x\"}]}",
		  "p.json:1:60: bad port: unknown service 'x'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(parse(cases[i].text), -1, "case %zu parsed", i);
		cr_expect_str_eq(err.msg, cases[i].msg, "case %zu", i);
	}
}

Test(policy, missing_file)
{
	cr_assert_eq(ps_policy_load("/nonexistent/psm.json", &pol, &err), -1);
	cr_assert(strstr(err.msg, "cannot read policy '/nonexistent/psm.json'"), "%s", err.msg);
}

Test(policy, match_fields)
{
	struct sock_rec ssh = sock(IPPROTO_TCP, "0.0.0.0", 22);
	struct sock_rec web = sock(IPPROTO_TCP, "127.0.0.1", 8080);
	struct sock_rec dns = sock(IPPROTO_UDP, "::1", 53);
	struct ps_proc procs[2] = { { 10, "nginx" }, { 11, "a\\b" } };

	web.procs = procs;
	web.nprocs = 2;
	web.uid = 0;
	cr_assert_eq(parse("{\"allow\": ["
			   "{\"proto\": \"tcp\", \"port\": 22},"
			   "{\"port\": \"8000-8100\", \"exposure\": \"loopback\", \"command\": \"nginx\"},"
			   "{\"proto\": \"udp\", \"family\": \"ipv6\", \"address\": \"::1\"},"
			   "{\"command\": \"a\\\\\\\\b\"},"
			   "{\"user\": 0, \"address\": \"127.0.0.1\"},"
			   "{\"command\": \"apache\"},"
			   "{}]}"), 0, "%s", err.msg);
	cr_assert(ps_policy_match(&pol.allow[0], &ssh));
	cr_assert(!ps_policy_match(&pol.allow[0], &web));
	cr_assert(ps_policy_match(&pol.allow[1], &web));
	cr_assert(!ps_policy_match(&pol.allow[1], &ssh));
	cr_assert(ps_policy_match(&pol.allow[2], &dns));
	cr_assert(!ps_policy_match(&pol.allow[2], &web));
	/* command compares with the name as shown (escaped): a\b is written a\\b. */
	cr_assert(ps_policy_match(&pol.allow[3], &web));
	cr_assert(ps_policy_match(&pol.allow[4], &web));
	cr_assert(!ps_policy_match(&pol.allow[4], &ssh));
	cr_assert(!ps_policy_match(&pol.allow[5], &web));
	cr_assert(!ps_policy_match(&pol.allow[5], &ssh), "no owners: command never matches");
	cr_assert(ps_policy_match(&pol.allow[6], &ssh), "an empty rule matches anything");
}

Test(policy, family_follows_accepts_and_cgroup_rules)
{
	struct sock_rec dual = sock(IPPROTO_TCP, "::", 80), v6 = dual, v4 = sock(IPPROTO_TCP,
										  "0.0.0.0", 80);
	struct ps_cgroup_entry *web = calloc(1, sizeof(*web) + 64);
	struct ps_cgroup_entry *box = calloc(1, sizeof(*box) + 96);

	cr_assert(web && box);
	dual.v6only = 0;
	v6.v6only = 1;
	strcpy(web->info.unit, "nginx.service");
	strcpy(box->info.runtime, "docker");
	strcpy(box->info.id, "3f4e5a6b7c8d9e0f");
	dual.cgroup = web;
	v6.cgroup = box;
	cr_assert_eq(parse("{\"allow\": [{\"family\": \"ipv4\"}, {\"family\": \"ipv6\"},"
			   "{\"unit\": \"nginx\"}, {\"unit\": \"nginx.service\"},"
			   "{\"container\": \"3f4e5a6b7c8d\"}, {\"unit\": \"ngin\"}]}"), 0, "%s",
		     err.msg);
	cr_assert(ps_policy_match(&pol.allow[0], &dual), "a dual-stack :: listener takes IPv4");
	cr_assert(!ps_policy_match(&pol.allow[0], &v6));
	cr_assert(ps_policy_match(&pol.allow[0], &v4));
	cr_assert(ps_policy_match(&pol.allow[1], &dual));
	cr_assert(!ps_policy_match(&pol.allow[1], &v4));
	cr_assert(ps_policy_match(&pol.allow[2], &dual), "NAME alone is NAME.service");
	cr_assert(ps_policy_match(&pol.allow[3], &dual));
	cr_assert(!ps_policy_match(&pol.allow[3], &v4), "no cgroup: no unit");
	cr_assert(ps_policy_match(&pol.allow[4], &v6), "a prefix of the container id");
	cr_assert(!ps_policy_match(&pol.allow[4], &dual));
	cr_assert(!ps_policy_match(&pol.allow[5], &dual));
	free(web);
	free(box);
}

Test(policy, service_name_follows_proto)
{
	struct sock_rec r = sock(IPPROTO_UDP, "0.0.0.0", 53);

	cr_assert_eq(parse("{\"allow\": [{\"port\": \"domain\", \"proto\": \"udp\"}]}"), 0, "%s",
		     err.msg);
	cr_assert(ps_policy_match(&pol.allow[0], &r));
}

Test(policy, findings)
{
	struct sock_rec recs[2] = { sock(IPPROTO_TCP, "0.0.0.0", 22),
				    sock(IPPROTO_TCP, "0.0.0.0", 8080) };
	const struct sock_rec *ptrs[2] = { &recs[0], &recs[1] };
	struct ps_findings f = { 0 };

	cr_assert_eq(parse("{\"allow\": [{\"port\": 22}],"
			   " \"require\": [{\"port\": 22}, {\"proto\": \"udp\"}]}"), 0);
	cr_assert_eq(ps_policy_audit(&pol, ptrs, 2, &f, &err), 0);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(f.v[0].kind, PS_FINDING_UNEXPECTED);
	cr_assert_eq(f.v[0].sock, &recs[1]);
	cr_assert_null(f.v[0].rule);
	cr_assert_eq(f.v[1].kind, PS_FINDING_MISSING);
	cr_assert_eq(f.v[1].rule, &pol.require[1]);
	cr_assert_null(f.v[1].sock);
	cr_assert_str_eq(ps_finding_kind_name(f.v[1].kind), "missing");
	ps_findings_free(&f);
}

/* A large --init style policy: rules looked up by port must give the same answers as a
 * scan of every rule. */
Test(policy, many_rules_indexed)
{
	enum { N = 5000 };
	size_t cap = N * 64 + 256, o = 0;
	char *text = malloc(cap);
	struct sock_rec *recs = calloc(N + 3, sizeof(*recs));
	const struct sock_rec **ptrs = calloc(N + 3, sizeof(*ptrs));
	struct ps_findings f = { 0 };

	cr_assert(text && recs && ptrs);
	o += (size_t)snprintf(text + o, cap - o, "{\"allow\": [");
	for (int p = 1; p <= N; p++)
		o += (size_t)snprintf(text + o, cap - o, "{\"proto\":\"tcp\",\"port\":%d},", p);
	o += (size_t)snprintf(text + o, cap - o,
			      "{\"port\": \"6000-6010\"}, {\"proto\": \"tcp\", \"port\": 22, \"command\": \"x\"}],"
			      " \"require\": [{\"port\": 100}, {\"port\": 7000}, {\"port\": \"6005\"}]}");
	cr_assert_eq(parse(text), 0, "%s", err.msg);
	cr_assert_eq(pol.nallow, N + 2);
	cr_assert_eq(pol.allow[N].line, 1);
	for (int p = 1; p <= N; p++)
		recs[p - 1] = sock(IPPROTO_TCP, "127.0.0.1", (uint16_t)p);
	recs[N] = sock(IPPROTO_TCP, "127.0.0.1", 6005);
	recs[N + 1] = sock(IPPROTO_TCP, "127.0.0.1", 7001);
	recs[N + 2] = sock(IPPROTO_UDP, "127.0.0.1", 4000);	/* the rule for 4000 is tcp */
	for (int i = 0; i < N + 3; i++)
		ptrs[i] = &recs[i];
	cr_assert_eq(ps_policy_audit(&pol, ptrs, N + 3, &f, &err), 0);
	cr_assert_eq(f.len, 3);
	cr_assert_eq(f.v[0].kind, PS_FINDING_UNEXPECTED);
	cr_assert_eq(f.v[0].sock->local_port, 7001);
	cr_assert_eq(f.v[1].sock->local_port, 4000);
	cr_assert_eq(f.v[2].kind, PS_FINDING_MISSING);
	cr_assert_eq(f.v[2].rule->port, 7000);
	ps_findings_free(&f);
	free(text);
	free(recs);
	free(ptrs);
}
