/* The DNAT rules of an nftables ruleset (its JSON form, recorded from nft 1.0.6 in
 * tests/fixtures/nft_dnat.json) as published-port records. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/nat.h"
#include "tests/helpers.h"

static const struct sock_rec *find(const struct ps_sockvec *sv, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < sv->len; i++)
		if (sv->v[i].proto == proto && sv->v[i].local_port == port)
			return &sv->v[i];
	return NULL;
}

static const char *ntop(const struct sock_rec *r, bool local, char *buf)
{
	return inet_ntop(r->family, local ? &r->local : &r->remote, buf, INET6_ADDRSTRLEN);
}

Test(nat, dnat_rules_become_published_ports)
{
	struct ps_sockvec sv = { 0 };
	struct ps_natset rules = { 0 };
	char a[INET6_ADDRSTRLEN];
	size_t len;
	char *text = t_fixture("nft_dnat.json", &len);
	const struct sock_rec *r;
	ps_err err;

	cr_assert_eq(ps_nat_parse(text, len, &rules, &sv, &err), 0, "%s", err.msg);
	/* 8080, 8443, 5353, 5354, 9000, 7000-7002; the map and the accept rule are not. */
	cr_assert_eq(sv.len, 8);
	r = find(&sv, IPPROTO_TCP, 8080);
	cr_assert(r && r->family == AF_INET && r->remote_port == 80);
	cr_assert_str_eq(ntop(r, false, a), "198.18.5.2");
	cr_assert_str_eq(ntop(r, true, a), "0.0.0.0");
	cr_assert_str_eq(ps_sock_state_name(r), "dnat");
	cr_assert_str_eq(r->nat->table, "nat");
	cr_assert_str_eq(r->nat->chain, "prerouting");
	cr_assert_eq(r->nat->handle, 2);
	r = find(&sv, IPPROTO_TCP, 8443);
	cr_assert(r);
	cr_assert_str_eq(ntop(r, true, a), "198.18.4.1", "the rule's ip daddr");
	r = find(&sv, IPPROTO_UDP, 5354);
	cr_assert(r && r->remote_port == 5354, "no port in dnat: the original one");
	r = find(&sv, IPPROTO_TCP, 9000);
	cr_assert(r && r->family == AF_INET6 && r->remote_port == 9001);
	cr_assert_str_eq(ntop(r, false, a), "fd00::2");
	cr_assert_str_eq(r->nat->family, "inet");
	cr_assert(find(&sv, IPPROTO_TCP, 7001), "a range is one record per port");
	cr_assert(!find(&sv, IPPROTO_TCP, 9999) && !find(&sv, IPPROTO_TCP, 22));
	ps_natset_free(&rules);
	ps_sockvec_free(&sv);
	free(text);
}

Test(nat, not_a_ruleset)
{
	struct ps_sockvec sv = { 0 };
	struct ps_natset rules = { 0 };
	ps_err err;

	cr_assert_eq(ps_nat_parse("[1,2]", 5, &rules, &sv, &err), -1);
	cr_assert(strstr(err.msg, "nftables"), "%s", err.msg);
	cr_assert_eq(ps_nat_parse("{\"nftables\": []}", 16, &rules, &sv, &err), 0);
	cr_assert_eq(sv.len, 0);
	ps_natset_free(&rules);
	ps_sockvec_free(&sv);
}
