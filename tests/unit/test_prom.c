/* Prometheus exposition: escaping, HELP/TYPE lines, folding of equal label sets. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cgroup.h"
#include "probe/ports.h"
#include "report/prom.h"

static char *buf;
static size_t len;
static FILE *mem;

static void setup(void)
{
	mem = open_memstream(&buf, &len);
	cr_assert(mem);
}

static void teardown(void)
{
	free(buf);
}

TestSuite(prom, .init = setup, .fini = teardown);

static struct sock_rec rec(uint8_t proto, const char *addr, uint16_t port)
{
	struct sock_rec r = { 0 };

	r.proto = proto;
	r.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	r.state = PS_SS_LISTEN;
	r.local_port = port;
	cr_assert(inet_pton(r.family, addr, &r.local) == 1);
	return r;
}

Test(prom, label_escaping)
{
	/* A control byte is first made printable by ps_escape ("\x01", "\n" as text), then
	 * backslashes and quotes are escaped for the exposition format. */
	ps_prom_label(mem, "a\"b\\c\nd\x01");
	fclose(mem);
	cr_assert_str_eq(buf, "a\\\"b\\\\\\\\c\\\\nd\\\\x01");
}

Test(prom, listening_samples)
{
	struct ps_proc procs[3] = { { 1, "sshd" }, { 2, "x\"y" }, { 3, "sshd" } };
	struct sock_rec r[3] = { rec(IPPROTO_TCP, "0.0.0.0", 22), rec(IPPROTO_UDP, "::1", 5353),
				 rec(IPPROTO_UDP, "::1", 5353) };
	const struct sock_rec *ptrs[3] = { &r[0], &r[1], &r[2] };
	struct ps_view view = { .numeric = true };

	r[0].procs = procs;
	r[0].nprocs = 3;
	cr_assert_eq(ps_prom_listening(mem, ptrs, 3, &view), 0);
	fclose(mem);
	cr_assert(strstr(buf, "# HELP portscope_listening "), "%s", buf);
	cr_assert(strstr(buf, "# TYPE portscope_listening gauge\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_listening{proto=\"tcp\",family=\"ipv4\",address=\"0.0.0.0\","
			      "port=\"22\",service=\"\",exposure=\"all\",command=\"sshd,x\\\"y\",unit=\"\"} 1\n"),
		  "%s", buf);
	/* Two sockets with one label set are one sample counting both. */
	cr_assert(strstr(buf, "portscope_listening{proto=\"udp\",family=\"ipv6\",address=\"::1\","
			      "port=\"5353\",service=\"\",exposure=\"loopback\",command=\"\","
			      "unit=\"\"} 2\n"),
		  "%s", buf);
	cr_assert(strstr(buf, "# TYPE portscope_listening_sockets gauge\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_listening_sockets{proto=\"udp\",exposure=\"loopback\"} 2\n"));
	cr_assert(strstr(buf, "portscope_listening_sockets{proto=\"tcp\",exposure=\"all\"} 1\n"));
	cr_assert(strstr(buf, "portscope_listening_sockets{proto=\"tcp\",exposure=\"specific\"} 0\n"));
}

Test(prom, audit_counts)
{
	struct sock_rec r[2] = { rec(IPPROTO_TCP, "0.0.0.0", 22), rec(IPPROTO_TCP, "0.0.0.0", 22) };
	struct ps_rule rule = { .has = PS_RULE_COMMAND, .section = PS_SECTION_REQUIRE,
				.index = 2, .command = "a\"b" };
	struct ps_finding f[3] = { { PS_FINDING_UNEXPECTED, NULL, &r[0] },
				   { PS_FINDING_UNEXPECTED, NULL, &r[1] },
				   { PS_FINDING_MISSING, &rule, NULL } };
	struct ps_prom_audit_counts counts = { 7, 2, 1 };
	struct ps_view view = { .numeric = true };

	cr_assert_eq(ps_prom_audit(mem, f, 3, &counts, &view), 0);
	fclose(mem);
	cr_assert(strstr(buf, "portscope_audit_unexpected{proto=\"tcp\",family=\"ipv4\","
			      "address=\"0.0.0.0\",port=\"22\",service=\"\",exposure=\"all\","
			      "command=\"\",unit=\"\"} 2\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_audit_missing{rule=\"require[2] command=a\\\"b\"} 1\n"),
		  "%s", buf);
	cr_assert(strstr(buf, "# TYPE portscope_audit_findings gauge\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_audit_findings{kind=\"unexpected\"} 2\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_audit_findings{kind=\"missing\"} 1\n"), "%s", buf);
	cr_assert(strstr(buf, "portscope_audit_sockets 7\n"), "%s", buf);
}


Test(prom, unit_label)
{
	struct sock_rec r = rec(IPPROTO_TCP, "::", 80);
	const struct sock_rec *ptrs[1] = { &r };
	struct ps_view view = { .numeric = true };
	struct ps_cgroup_entry *cg = calloc(1, sizeof(*cg) + 32);

	cr_assert(cg);
	strcpy(cg->path, "/system.slice/nginx.service");
	strcpy(cg->info.unit, "nginx.service");
	r.cgroup = cg;
	cr_assert_eq(ps_prom_listening(mem, ptrs, 1, &view), 0);
	fclose(mem);
	cr_assert(strstr(buf, "command=\"\",unit=\"nginx.service\"} 1\n"), "%s", buf);
	free(cg);
}

/* A services entry with raw bytes (\xff\xfe, ESC) reaches the labels escaped: every
 * byte of the exposition is printable ASCII or a newline, as promtool requires. */
Test(prom, service_names_escaped)
{
	static const char services[] = "# comment\n\xff\xfe 7777/tcp alias # c\n"
				       "ok\x1b]0;x\a 7778/udp\nbad 70000/tcp\n";
	struct sock_rec r[2] = { rec(IPPROTO_TCP, "0.0.0.0", 7777), rec(IPPROTO_UDP, "::1", 7778) };
	const struct sock_rec *ptrs[2] = { &r[0], &r[1] };
	struct ps_view view = { .numeric = false };

	ps_ports_services_parse(services, sizeof(services) - 1);
	cr_assert_eq(ps_prom_listening(mem, ptrs, 2, &view), 0);
	fclose(mem);
	cr_assert(strstr(buf, "service=\"\\\\xff\\\\xfe\""), "%s", buf);
	cr_assert(strstr(buf, "service=\"ok\\\\x1b]0;x\\\\x07\""), "%s", buf);
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		cr_assert(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "raw byte 0x%02x", *p);
	cr_assert_null(ps_ports_service(70000 & 0xffff, IPPROTO_TCP));
	ps_ports_services_load("/etc/services");
}
