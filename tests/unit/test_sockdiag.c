/* The sock_diag parser on recorded dumps (tests/fixtures/, made by make_fixtures.sh in a
 * scratch namespace holding known sockets), and on damaged and crafted messages. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/sockdiag.h"
#include "tests/helpers.h"

static struct sock_rec *find(struct ps_sockvec *sv, uint16_t port, uint8_t state)
{
	for (size_t i = 0; i < sv->len; i++)
		if (sv->v[i].local_port == port && sv->v[i].state == state)
			return &sv->v[i];
	return NULL;
}

static const char *addr(const struct sock_rec *r, char *buf)
{
	return inet_ntop(r->family, &r->local, buf, INET6_ADDRSTRLEN);
}

Test(sockdiag, tcp4_listeners_and_an_established_pair)
{
	struct ps_sockvec sv = { 0 };
	char a[INET6_ADDRSTRLEN];
	struct sock_rec *r;
	size_t len;
	char *buf = t_fixture("tcp4_all.bin", &len);
	ps_err err;

	cr_assert_eq(ps_sockdiag_parse(buf, len, IPPROTO_TCP, &sv, &err), 1);
	cr_assert_eq(sv.len, 5);
	r = find(&sv, 22, PS_SS_LISTEN);
	cr_assert(r);
	cr_assert_str_eq(addr(r, a), "127.0.0.1");
	cr_assert_eq(r->family, AF_INET);
	cr_assert_eq(r->proto, IPPROTO_TCP);
	cr_assert_eq(r->v6only, -1);
	cr_assert_neq(r->inode, 0);
	cr_assert_eq(r->send_q, 5, "a listener's send_q is its backlog");
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_LOOPBACK);
	cr_assert_str_eq(ps_sock_state_name(r), "listen");
	cr_assert_eq(r->cgroup_id, 1, "INET_DIAG_CGROUP_ID, sent unasked since 5.9");
	cr_assert_eq(ps_sock_accepts(r), PS_Q_V4);
	r = find(&sv, 8080, PS_SS_LISTEN);
	cr_assert(r);
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_ALL);
	r = find(&sv, 40000, PS_SS_ESTABLISHED);
	cr_assert(r, "the accepted side of the pair");
	cr_assert_neq(r->remote_port, 0);
	cr_assert_str_eq(ps_sock_state_name(r), "established");
	cr_assert(find(&sv, r->remote_port, PS_SS_ESTABLISHED), "the client side");
	ps_sockvec_free(&sv);
	free(buf);
}

Test(sockdiag, tcp6_dual_stack_and_v6only)
{
	struct ps_sockvec sv = { 0 };
	char a[INET6_ADDRSTRLEN];
	struct sock_rec *r;
	size_t len;
	char *buf = t_fixture("tcp6_listen.bin", &len);

	cr_assert_eq(ps_sockdiag_parse(buf, len, IPPROTO_TCP, &sv, NULL), 1);
	cr_assert_eq(sv.len, 2);
	r = find(&sv, 443, PS_SS_LISTEN);
	cr_assert(r);
	cr_assert_str_eq(addr(r, a), "::");
	cr_assert_eq(r->v6only, 0, "a :: socket without IPV6_V6ONLY takes IPv4 too");
	cr_assert_eq(ps_sock_accepts(r), PS_Q_V4 | PS_Q_V6);
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_ALL);
	r = find(&sv, 631, PS_SS_LISTEN);
	cr_assert(r);
	cr_assert_str_eq(addr(r, a), "::1");
	cr_assert_eq(r->v6only, 1);
	cr_assert_eq(ps_sock_accepts(r), PS_Q_V6);
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_LOOPBACK);
	ps_sockvec_free(&sv);
	free(buf);
}

Test(sockdiag, udp_unconnected)
{
	struct ps_sockvec sv = { 0 };
	size_t len;
	char *buf = t_fixture("udp4_unconn.bin", &len);
	struct sock_rec *r;

	cr_assert_eq(ps_sockdiag_parse(buf, len, IPPROTO_UDP, &sv, NULL), 1);
	cr_assert_eq(sv.len, 2);
	r = find(&sv, 53, PS_SS_CLOSE);
	cr_assert(r);
	cr_assert_str_eq(ps_sock_state_name(r), "unconn");
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_ALL);
	r = find(&sv, 5353, PS_SS_CLOSE);
	cr_assert(r);
	cr_assert_eq(ps_sock_exposure(r), PS_EXPOSE_LOOPBACK);
	free(buf);
	buf = t_fixture("udp6_unconn.bin", &len);
	cr_assert_eq(ps_sockdiag_parse(buf, len, IPPROTO_UDP, &sv, NULL), 1);
	cr_assert_eq(sv.len, 3, "records append");
	r = find(&sv, 123, PS_SS_CLOSE);
	cr_assert(r);
	cr_assert_eq(r->v6only, 1);
	ps_sockvec_free(&sv);
	free(buf);
}

Test(sockdiag, interrupted_dump_is_reported)
{
	struct ps_sockvec sv = { 0 };
	size_t len;
	char *buf = t_fixture("tcp4_all.bin", &len);

	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	cr_assert_eq(ps_sockdiag_parse(buf, len, IPPROTO_TCP, &sv, NULL), -2);
	ps_sockvec_free(&sv);
	free(buf);
}

Test(sockdiag, partial_buffer_asks_for_more)
{
	struct ps_sockvec sv = { 0 };
	size_t len;
	char *buf = t_fixture("tcp4_all.bin", &len);
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	/* Only the first message: no DONE yet. */
	cr_assert_eq(ps_sockdiag_parse(buf, h->nlmsg_len, IPPROTO_TCP, &sv, NULL), 0);
	cr_assert_eq(sv.len, 1);
	ps_sockvec_free(&sv);
	free(buf);
}

Test(sockdiag, error_message_names_the_reason)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} m = { 0 };
	struct ps_sockvec sv = { 0 };
	ps_err err;

	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = NLMSG_ERROR;
	m.e.error = -ENOENT;
	cr_assert_eq(ps_sockdiag_parse(&m, sizeof(m), IPPROTO_UDP, &sv, &err), -1);
	cr_assert(strstr(err.msg, "udp") && strstr(err.msg, "not available"), "%s", err.msg);
	m.e.error = -EPERM;
	cr_assert_eq(ps_sockdiag_parse(&m, sizeof(m), IPPROTO_UDP, &sv, &err), -1);
	cr_assert(strstr(err.msg, "not permitted"), "%s", err.msg);
	ps_sockvec_free(&sv);
}

Test(sockdiag, damaged_dumps_never_crash)
{
	size_t len;
	char *orig = t_fixture("tcp4_all.bin", &len);
	char *buf = malloc(len);
	unsigned seed = 12345;

	/* Every truncation, then random byte flips: the parser must stay inside the buffer
	 * (AddressSanitizer checks that in the sanitizer run) and return a verdict. */
	for (size_t cut = 0; cut <= len; cut++) {
		struct ps_sockvec sv = { 0 };
		int rc;

		memcpy(buf, orig, cut);
		rc = ps_sockdiag_parse(buf, cut, IPPROTO_TCP, &sv, NULL);
		cr_assert(rc >= -2 && rc <= 1);
		ps_sockvec_free(&sv);
	}
	for (int i = 0; i < 20000; i++) {
		struct ps_sockvec sv = { 0 };
		int rc;

		memcpy(buf, orig, len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 24);
		}
		rc = ps_sockdiag_parse(buf, len, IPPROTO_TCP, &sv, NULL);
		cr_assert(rc >= -2 && rc <= 1);
		ps_sockvec_free(&sv);
	}
	free(buf);
	free(orig);
}

Test(sockdiag, state_names_round_trip)
{
	unsigned st;

	cr_assert_eq(ps_sock_state_parse("listen", &st), 0);
	cr_assert_eq(st, PS_SS_LISTEN);
	cr_assert_eq(ps_sock_state_parse("unconn", &st), 0);
	cr_assert_eq(st, PS_SS_CLOSE);
	cr_assert_eq(ps_sock_state_parse("time-wait", &st), 0);
	cr_assert_eq(st, PS_SS_TIME_WAIT);
	cr_assert_eq(ps_sock_state_parse("LISTEN", &st), -1);
}

/* A dump that raced socket churn may hold a socket twice: one (port, inode) row is kept,
 * the first; time-wait rows (inode 0) all stay; rows before `from` are not looked at. */
Test(sockdiag, churn_duplicates_dropped)
{
	struct ps_sockvec sv = { 0 };
	static const struct { uint16_t port; uint32_t inode; } rows[] = {
		{ 80, 7 }, { 22, 100 }, { 22, 101 }, { 22, 100 }, { 443, 0 }, { 443, 0 },
		{ 23, 100 }, { 22, 101 }, { 8080, 5 },
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);

	sv.v = calloc(n + 20000, sizeof(*sv.v));
	cr_assert_not_null(sv.v);
	for (size_t i = 0; i < n; i++) {
		sv.v[i].local_port = rows[i].port;
		sv.v[i].inode = rows[i].inode;
	}
	sv.len = n;
	sv.v[0].inode = 5;	/* same inode as the last row, before `from`: not compared */
	sv.v[0].local_port = 8080;
	cr_assert_eq(ps_sockvec_dedup(&sv, 1), 0);
	cr_assert_eq(sv.len, 7, "%zu rows", sv.len);
	cr_assert_eq(sv.v[1].inode, 100);
	cr_assert_eq(sv.v[2].inode, 101);
	cr_assert_eq(sv.v[3].local_port, 443);
	cr_assert_eq(sv.v[4].local_port, 443);
	cr_assert_eq(sv.v[5].local_port, 23);
	cr_assert_eq(sv.v[6].local_port, 8080);
	/* Many rows, every one twice: half go. */
	for (size_t i = 0; i < 20000; i++) {
		sv.v[i].local_port = (uint16_t)(i % 10000);
		sv.v[i].inode = (uint32_t)(i % 10000) + 1;
	}
	sv.len = 20000;
	cr_assert_eq(ps_sockvec_dedup(&sv, 0), 0);
	cr_assert_eq(sv.len, 10000);
	free(sv.v);
}
