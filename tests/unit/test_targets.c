/* Target parsing, resolution of literals, and the job source over endpoints x ports. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "probe/jobs.h"
#include "probe/targets.h"

static struct ps_target t;
static ps_err err;

Test(targets, host_port_forms)
{
	cr_assert_eq(ps_targets_parse("127.0.0.1:22", true, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "127.0.0.1");
	cr_assert_eq(t.port, 22);
	cr_assert_eq(t.proto, IPPROTO_TCP);
	cr_assert(!t.proto_given);
	cr_assert_str_eq(t.text, "127.0.0.1:22");

	cr_assert_eq(ps_targets_parse("[::1]:8080", true, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "::1");
	cr_assert_eq(t.port, 8080);

	cr_assert_eq(ps_targets_parse("tcp://example.org:443", true, IPPROTO_UDP, &t, &err), 0);
	cr_assert_str_eq(t.host, "example.org");
	cr_assert_eq(t.proto, IPPROTO_TCP);
	cr_assert(t.proto_given);

	cr_assert_eq(ps_targets_parse("udp://[fe80::1%lo]:53", true, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "fe80::1%lo");
	cr_assert_eq(t.proto, IPPROTO_UDP);
	cr_assert_eq(t.port, 53);

	cr_assert_eq(ps_targets_parse("localhost:ssh", true, IPPROTO_TCP, &t, &err), 0);
	cr_assert_eq(t.port, 22);
}

Test(targets, scan_hosts_without_port)
{
	cr_assert_eq(ps_targets_parse("127.0.0.1", false, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "127.0.0.1");
	cr_assert_eq(t.port, 0);
	cr_assert_eq(ps_targets_parse("::1", false, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "::1");
	cr_assert_eq(ps_targets_parse("[2001:db8::1]", false, IPPROTO_TCP, &t, &err), 0);
	cr_assert_str_eq(t.host, "2001:db8::1");
	cr_assert_eq(ps_targets_parse("udp://localhost", false, IPPROTO_TCP, &t, &err), 0);
	cr_assert_eq(t.proto, IPPROTO_UDP);
	cr_assert_eq(ps_targets_parse("host:22", false, IPPROTO_TCP, &t, &err), -1);
	cr_assert(strstr(err.msg, "'host:22'"), "%s", err.msg);
}

Test(targets, bad_targets_name_the_token)
{
	static const char *const bad[][2] = {
		{ "127.0.0.1:99999", "'99999'" }, { "127.0.0.1", "missing port" },
		{ "127.0.0.1:", "missing port" }, { ":80", "missing host" },
		{ "::1:22", "brackets" }, { "[::1]", "missing port" }, { "[::1:22", "']'" },
		{ "http://x:80", "'http'" }, { "127.0.0.1:0", "'0'" }, { "h:-1", "'-1'" },
		{ "h:22x", "'22x'" }, { "[::1]x:1", "after ']'" }, { "[host]:1", "IPv6" },
		{ "a b:1", "invalid host" }, { "", "empty" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		cr_assert_eq(ps_targets_parse(bad[i][0], true, IPPROTO_TCP, &t, &err), -1, "%s",
			     bad[i][0]);
		cr_assert(strstr(err.msg, bad[i][1]), "'%s' -> %s", bad[i][0], err.msg);
	}
}

Test(targets, resolve_literals_and_families)
{
	struct ps_addrlist l;

	cr_assert_eq(ps_targets_resolve("127.0.0.1", AF_UNSPEC, &l, &err), 0);
	cr_assert_eq(l.len, 1);
	cr_assert_str_eq(l.v[0].text, "127.0.0.1");
	cr_assert_eq(l.v[0].sa.sa.sa_family, AF_INET);
	cr_assert(ps_sockaddr_is_loopback(&l.v[0].sa));
	ps_addrlist_free(&l);

	cr_assert_eq(ps_targets_resolve("::1", AF_UNSPEC, &l, &err), 0);
	cr_assert_eq(l.len, 1);
	cr_assert_str_eq(l.v[0].text, "::1");
	cr_assert(ps_sockaddr_is_loopback(&l.v[0].sa));
	ps_addrlist_free(&l);

	cr_assert_eq(ps_targets_resolve("::1", AF_INET, &l, &err), -1);
	cr_assert(strstr(err.msg, "IPv4"), "%s", err.msg);
	cr_assert_eq(l.len, 0);

	cr_assert_eq(ps_targets_resolve("nonexistent.invalid", AF_UNSPEC, &l, &err), -1);
	cr_assert(strstr(err.msg, "nonexistent.invalid"), "%s", err.msg);

	/* A zone makes it an address literal: a bad one is refused without the resolver
	 * (which once answered "Name or service not known" for ::1%lo). */
	cr_assert_eq(ps_targets_resolve("::1%lo", AF_UNSPEC, &l, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert(strstr(err.msg, "invalid address '::1%lo'"), "%s", err.msg);
	cr_assert_eq(ps_targets_resolve("example%lo", AF_UNSPEC, &l, &err), -1);
	cr_assert(strstr(err.msg, "invalid address"), "%s", err.msg);
}

Test(targets, jobsrc_walks_endpoints_then_ports)
{
	struct ps_portset ports;
	struct ps_endpoint eps[2];
	struct ps_addrlist l;
	struct ps_probe_job job;
	struct ps_jobsrc src = { 0 };
	unsigned seen[8], n = 0;

	cr_assert_eq(ps_ports_parse_spec("80,22,443", "tcp", false, &ports, &err), 0);
	cr_assert_eq(ps_targets_resolve("127.0.0.1", AF_UNSPEC, &l, &err), 0);
	memset(eps, 0, sizeof(eps));
	eps[0] = (struct ps_endpoint){ "a", l.v[0].text, l.v[0].sa, 0, 0 };
	eps[1] = (struct ps_endpoint){ "b", l.v[0].text, l.v[0].sa, 9, 1 };
	src.eps = eps;
	src.neps = 2;
	src.ports = &ports;
	cr_assert_eq(ps_jobsrc_count(&src), 4);
	while (ps_jobsrc_next(&src, &job) == 1) {
		cr_assert(n < 8);
		seen[n++] = ntohs(job.addr.v4.sin_port) + 100000 * job.tag;
	}
	cr_assert_eq(n, 4);
	cr_assert_eq(seen[0], 22);
	cr_assert_eq(seen[1], 80);
	cr_assert_eq(seen[2], 443);
	cr_assert_eq(seen[3], 100009);
	ps_addrlist_free(&l);
}

Test(targets, result_skeleton_from_job)
{
	struct ps_probe_job job = { 0 };
	struct probe_result r;

	job.addr.v6.sin6_family = AF_INET6;
	job.addr.v6.sin6_port = htons(8443);
	job.target = "[::1]:8443";
	snprintf(job.address, sizeof(job.address), "::1");
	job.tag = 7;
	ps_result_from_job(&r, &job, IPPROTO_TCP);
	cr_assert_str_eq(r.target, "[::1]:8443");
	cr_assert_str_eq(r.address, "::1");
	cr_assert_eq(r.family, AF_INET6);
	cr_assert_eq(r.port, 8443);
	cr_assert_eq(r.tag, 7);
	cr_assert(r.rtt_ms < 0);
	cr_assert_eq(r.expect_ok, -1);
}
