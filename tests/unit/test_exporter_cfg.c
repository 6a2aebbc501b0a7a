/* The exporter's config (modules, allow_targets, error positions) and its /probe query
 * parser: pure functions, no server. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "probe/exporter_cfg.h"
#include "probe/exporter_query.h"

static struct ps_xconfig cfg;
static ps_err err;

static int parse(const char *text)
{
	return ps_xconfig_parse(text, strlen(text), "x.json", &cfg, &err);
}

static void teardown(void)
{
	ps_xconfig_free(&cfg);
}

TestSuite(exporter_cfg, .fini = teardown);

Test(exporter_cfg, builtin_modules_and_loopback_only)
{
	char why[128];

	cr_assert_eq(ps_xconfig_default(&cfg, &err), 0);
	cr_assert_not_null(ps_xconfig_module(&cfg, "tcp"));
	cr_assert_eq(ps_xconfig_module(&cfg, "udp")->kind, PS_XMOD_UDP);
	cr_assert_eq(ps_xconfig_module(&cfg, "tls")->o.timeout_ms, 1000);
	cr_assert_null(ps_xconfig_module(&cfg, "icmp"));
	cr_assert(ps_xconfig_allows(&cfg, "127.0.0.5", 80, why, sizeof(why)));
	cr_assert(ps_xconfig_allows(&cfg, "::1", 80, why, sizeof(why)));
	cr_assert(ps_xconfig_allows(&cfg, "localhost", 80, why, sizeof(why)));
	cr_assert_not(ps_xconfig_allows(&cfg, "198.18.0.1", 80, why, sizeof(why)));
	cr_assert_str_eq(why, "target not allowed: without allow_targets only loopback");
	cr_assert_not(ps_xconfig_allows(&cfg, "example.invalid", 80, why, sizeof(why)));
}

Test(exporter_cfg, allow_targets_prefixes_names_ports)
{
	char why[128];

	cr_assert_eq(parse("{\"allow_targets\": [\"198.18.0.0/15\", \"2001:db8::/32\","
			   " {\"host\": \"*.example.net\", \"ports\": \"53,443\"},"
			   " {\"host\": \"db.example.org\", \"ports\": \"5432\"}]}"), 0, "%s", err.msg);
	cr_assert(ps_xconfig_allows(&cfg, "198.19.255.255", 1, why, sizeof(why)));
	cr_assert_not(ps_xconfig_allows(&cfg, "198.20.0.0", 1, why, sizeof(why)));
	cr_assert(ps_xconfig_allows(&cfg, "2001:db8:1::1", 22, why, sizeof(why)));
	cr_assert(ps_xconfig_allows(&cfg, "NS1.Example.NET", 53, why, sizeof(why)));
	cr_assert_not(ps_xconfig_allows(&cfg, "ns1.example.net", 22, why, sizeof(why)));
	cr_assert_not(ps_xconfig_allows(&cfg, "example.net", 53, why, sizeof(why)));
	cr_assert(ps_xconfig_allows(&cfg, "db.example.org", 5432, why, sizeof(why)));
	/* An allow list replaces the loopback default. */
	cr_assert_not(ps_xconfig_allows(&cfg, "127.0.0.1", 22, why, sizeof(why)));
	cr_assert_str_eq(why, "target not allowed by allow_targets");
}

Test(exporter_cfg, modules_take_checks_options)
{
	const struct ps_xmodule *m;

	cr_assert_eq(parse("{\"modules\": {\"smtp\": {\"kind\": \"tcp\", \"expect\": \"220 \\\\r\","
			   " \"timeout_ms\": 250, \"ip_protocol\": \"ipv6\"},"
			   " \"ntp\": {\"kind\": \"udp\", \"payload_hex\": \"e3 00\", \"retries\": 3},"
			   " \"tcp\": {\"kind\": \"tls\", \"cert_days\": 7, \"insecure\": true}}}"),
		     0, "%s", err.msg);
	m = ps_xconfig_module(&cfg, "smtp");
	cr_assert_eq(m->o.timeout_ms, 250);
	cr_assert_eq(m->o.expect_len, 5);
	cr_assert_eq(memcmp(m->o.expect, "220 \r", 5), 0);
	cr_assert_eq(m->family, AF_INET6);
	m = ps_xconfig_module(&cfg, "ntp");
	cr_assert_eq(m->o.udp_payload_len, 2);
	cr_assert_eq(m->o.retries, 3);
	m = ps_xconfig_module(&cfg, "tcp");	/* a built-in name, redefined */
	cr_assert_eq(m->kind, PS_XMOD_TLS);
	cr_assert_eq(m->cert_days, 7);
	cr_assert(m->insecure);
	cr_assert_not_null(ps_xconfig_module(&cfg, "udp"));
}

Test(exporter_cfg, errors_name_file_line_column)
{
	cr_assert_eq(parse("{\n  \"modules\": {\"a\": {\"kind\": \"tcp\", \"timeout\": 5}}\n}"), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert(strncmp(err.msg, "x.json:2:36: unknown module field 'timeout'", 43) == 0, "%s",
		  err.msg);
	cr_assert_eq(parse("{\"modules\": {\"a\": {\"timeout_ms\": 5}}}"), -1);
	cr_assert_str_eq(err.msg, "x.json:1:14: module 'a' needs a kind (tcp, udp, tls)");
	cr_assert_eq(parse("{\"allow_targets\": [\"10.0.0.0/8\", {\"host\": \"a b\"}]}"), -1);
	cr_assert(strstr(err.msg, "x.json:1:43: bad host 'a b'"), "%s", err.msg);
	cr_assert_eq(parse("{\"allow_targets\": [{\"host\": \"a\", \"ports\": \"99999\"}]}"), -1);
	cr_assert(strncmp(err.msg, "x.json:1:43: invalid port", 25) == 0, "%s", err.msg);
	cr_assert_eq(parse("{\"modules\": {}, \"modules\": {}}"), -1);
	cr_assert_eq(parse("[]"), -1);
	cr_assert_str_eq(err.msg, "x.json:1:1: the configuration must be a JSON object");
	cr_assert_eq(parse("{\"extra\": 1}"), -1);
	cr_assert(strstr(err.msg, "x.json:1:2: unknown field 'extra'"), "%s", err.msg);
}

static int query(struct ps_xquery *q, const char *const *kv, size_t n)
{
	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i + 1 < n; i += 2)
		ps_xquery_add(q, kv[i], kv[i + 1]);
	return ps_xquery_finish(q);
}

Test(exporter_query, target_and_module_once)
{
	struct ps_xquery q;
	const char *ok[] = { "module", "tls", "target", "[::1]:443" };
	const char *rep[] = { "target", "a:1", "target", "b:2", "module", "tcp" };
	const char *none[] = { "module", "tcp" };
	const char *port[] = { "target", "a:0", "module", "tcp" };
	const char *scheme[] = { "target", "udp://a:53", "module", "tcp" };
	const char *extra[] = { "target", "a:1", "module", "tcp", "x\x1b", "1" };
	const char *noval[] = { "target", NULL, "module", "tcp" };
	const char *badmod[] = { "target", "a:1", "module", "a/b" };

	cr_assert_eq(query(&q, ok, 4), 0);
	cr_assert_str_eq(q.target.host, "::1");
	cr_assert_eq(q.target.port, 443);
	cr_assert_str_eq(q.module, "tls");
	cr_assert_eq(query(&q, rep, 6), -1);
	cr_assert_str_eq(q.why, "repeated parameter 'target'");
	cr_assert_eq(query(&q, none, 2), -1);
	cr_assert_str_eq(q.why, "missing parameter 'target'");
	cr_assert_eq(query(&q, port, 4), -1);
	cr_assert_eq(query(&q, scheme, 4), -1);
	cr_assert(strstr(q.why, "parameter 'target'"));
	cr_assert_eq(query(&q, extra, 6), -1);
	cr_assert_str_eq(q.why, "unknown parameter 'x\\x1b' (target, module)");
	cr_assert_eq(query(&q, noval, 4), -1);
	cr_assert_str_eq(q.why, "parameter 'target' needs a value");
	cr_assert_eq(query(&q, badmod, 4), -1);
	cr_assert_str_eq(q.why, "bad parameter 'module': 'a/b'");
}
