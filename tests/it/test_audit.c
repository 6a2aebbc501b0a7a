/* portscope audit against listeners the test opens itself. Other programs listen on this
 * host too, so each audit is narrowed with --port to the test's own port. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "tests/helpers.h"

static char policy_path[64];

static void write_policy(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void write_policy(const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	int fd;

	snprintf(policy_path, sizeof(policy_path), "/tmp/psm-policy-XXXXXX");
	fd = mkstemp(policy_path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	cr_assert_eq(fclose(f), 0);
}

static void cleanup(void)
{
	if (policy_path[0])
		unlink(policy_path);
}

TestSuite(audit, .fini = cleanup);

/* A TCP socket bound to 127.0.0.1 but not listening: while it is open nobody can listen
 * on 127.0.0.1 or 0.0.0.0 at *port. */
static int reserve_port(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static json_t *audit_json(uint16_t port, int *status)
{
	char ps[16];

	snprintf(ps, sizeof(ps), "%u", port);
	const char *argv[] = { t_binary(), "audit", "--policy", policy_path, "--port", ps, "-t", "-4",
			       "-o", "json", NULL };
	return t_run_json(argv, status);
}

Test(audit, unexpected_listener_reported)
{
	uint16_t port = 0;
	int fd = t_tcp_listen("127.0.0.1", &port, -1), status;
	json_t *doc, *f;

	write_policy("{\"allow\": [{\"port\": 1}]}\n");
	doc = audit_json(port, &status);
	cr_assert(doc);
	cr_assert_eq(status, 1);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "portscope.audit/1");
	cr_assert_eq(json_array_size(json_object_get(doc, "findings")), 1);
	f = json_array_get(json_object_get(doc, "findings"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(f, "kind")), "unexpected");
	cr_assert(json_is_null(json_object_get(f, "rule")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(f, "socket"), "local_port")),
		     port);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "socket"), "exposure")),
			 "loopback");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "unexpected")),
		     1);
	json_decref(doc);
	close(fd);
}

Test(audit, allowing_policy_is_clean)
{
	uint16_t port = 0;
	int fd = t_tcp_listen("127.0.0.1", &port, -1), status;
	json_t *doc;

	write_policy("{\"allow\": [{\"proto\": \"tcp\", \"port\": \"%u\", \"exposure\": \"loopback\","
		     " \"command\": \"test_audit\"}],\n \"require\": [{\"port\": %u}]}\n", port, port);
	doc = audit_json(port, &status);
	cr_assert(doc);
	cr_assert_eq(status, 0);
	cr_assert_eq(json_array_size(json_object_get(doc, "findings")), 0);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "sockets")), 1);
	json_decref(doc);
	close(fd);
}

Test(audit, require_rule_missing)
{
	uint16_t port;
	int rfd = reserve_port(&port), status;
	json_t *doc, *f, *rule;

	write_policy("{\"allow\": [{}],\n  \"require\": [{\"proto\": \"tcp\", \"port\": %u}]}\n", port);
	doc = audit_json(port, &status);
	cr_assert(doc);
	cr_assert_eq(status, 1);
	cr_assert_eq(json_array_size(json_object_get(doc, "findings")), 1);
	f = json_array_get(json_object_get(doc, "findings"), 0);
	rule = json_object_get(f, "rule");
	cr_assert_str_eq(json_string_value(json_object_get(f, "kind")), "missing");
	cr_assert(json_is_null(json_object_get(f, "socket")));
	cr_assert_str_eq(json_string_value(json_object_get(rule, "section")), "require");
	cr_assert_eq(json_integer_value(json_object_get(rule, "port")), port);
	cr_assert_eq(json_integer_value(json_object_get(rule, "line")), 2);
	cr_assert_eq(json_integer_value(json_object_get(rule, "column")), 15);
	json_decref(doc);
	close(rfd);
}

Test(audit, init_round_trips_to_clean)
{
	uint16_t port = 0, uport = 0;
	int fd = t_tcp_listen("::1", &port, 1), ufd = t_udp_bind("127.0.0.1", &uport, -1), status;
	char *out = NULL, ps[32], want[160];
	json_t *pol, *doc;

	snprintf(ps, sizeof(ps), "%u,%u", port, uport);
	const char *init[] = { t_binary(), "audit", "--init", "--port", ps, NULL };
	cr_assert_eq(t_run(init, NULL, &out, NULL), 0);
	pol = json_loads(out, 0, NULL);
	cr_assert(pol, "not JSON: %s", out);
	/* Other programs may listen on the same port numbers with another address or
	 * protocol: the policy covers them too, and ours must be there. */
	cr_assert_geq(json_array_size(json_object_get(pol, "allow")), 2, "%s", out);
	snprintf(want, sizeof(want),
		 "{\"proto\":\"tcp\",\"family\":\"ipv6\",\"address\":\"::1\",\"port\":%u,"
		 "\"command\":\"test_audit\"}", port);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want),
		 "{\"proto\":\"udp\",\"family\":\"ipv4\",\"address\":\"127.0.0.1\",\"port\":%u,"
		 "\"command\":\"test_audit\"}", uport);
	cr_assert(strstr(out, want), "%s", out);
	write_policy("%s", out);
	free(out);
	json_decref(pol);

	const char *argv[] = { t_binary(), "audit", "--policy", policy_path, "--port", ps, "-o", "json",
			       NULL };
	doc = t_run_json(argv, &status);
	cr_assert(doc);
	cr_assert_eq(status, 0);
	cr_assert_geq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "sockets")),
		      2);
	json_decref(doc);
	close(fd);
	close(ufd);
	/* With the listeners gone, the same policy is still clean (allow only). */
	cr_assert_eq(t_run(argv, NULL, NULL, NULL), 0);
}

Test(audit, ndjson_and_table)
{
	uint16_t port = 0;
	int fd = t_tcp_listen("127.0.0.1", &port, -1);
	char ps[16], *out = NULL;
	json_t *line;

	snprintf(ps, sizeof(ps), "%u", port);
	write_policy("{\"allow\": []}");
	const char *nd[] = { t_binary(), "audit", "--policy", policy_path, "--port", ps, "-t", "-4",
			     "--ndjson", NULL };
	cr_assert_eq(t_run(nd, NULL, &out, NULL), 1);
	cr_assert_eq(strchr(out, '\n') - out + 1, (long)strlen(out), "one line: %s", out);
	line = json_loads(out, 0, NULL);
	cr_assert(line);
	cr_assert_str_eq(json_string_value(json_object_get(line, "kind")), "unexpected");
	json_decref(line);
	free(out);

	const char *tb[] = { t_binary(), "audit", "--policy", policy_path, "--port", ps, "-t", "-4",
			     NULL };
	cr_assert_eq(t_run(tb, NULL, &out, NULL), 1);
	cr_assert(strncmp(out, "KIND", 4) == 0, "%s", out);
	cr_assert(strstr(out, "unexpected"), "%s", out);
	free(out);
	close(fd);
}

/* Every bad policy exits 2 with FILE:LINE:COLUMN and the reason. */
Test(audit, bad_policies_exit_2_with_position)
{
	static const struct {
		const char *text, *where, *reason;
	} cases[] = {
		{ "{\"allow\": [ {\"port\": 22,, } ]}", ":1:25: ", "string or '}' expected" },
		{ "{\"allow\": [\n {\"proto\": \"tcp\", \"prot\": 22}]}", ":2:19: ", "unknown field 'prot'" },
		{ "{\"allow\": [\n {\"port\": 70000}]}", ":2:11: ", "port 70000 out of range" },
		{ "{\"allow\": [\n {\"port\": \"22-x\"}]}", ":2:11: ", "bad port" },
		{ "{\"require\": [\n\n   {\"exposure\": \"public\"}]}", ":3:17: ", "unknown exposure 'public'" },
		{ "{\"allow\": [{\"port\": 1, \"port\": 2}]}", ":1:29: ", "duplicate object key" },
		{ "{\"allow\": [}", ":1:12: ", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL, want[128];

		write_policy("%s", cases[i].text);
		const char *argv[] = { t_binary(), "audit", "--policy", policy_path, NULL };
		cr_assert_eq(t_run(argv, NULL, NULL, &err), 2, "case %zu", i);
		snprintf(want, sizeof(want), "portscope: %s%s%s", policy_path, cases[i].where,
			 cases[i].reason);
		cr_expect(strncmp(err, want, strlen(want)) == 0, "case %zu: want '%s', got '%s'", i,
			  want, err);
		cr_expect_eq(strchr(err, '\n') - err + 1, (long)strlen(err), "one line: %s", err);
		free(err);
		unlink(policy_path);
	}
	policy_path[0] = '\0';
	{
		char *err = NULL;
		const char *argv[] = { t_binary(), "audit", "--policy", "/nonexistent/psm-policy.json", NULL };

		cr_assert_eq(t_run(argv, NULL, NULL, &err), 2);
		cr_assert(strstr(err, "cannot read policy '/nonexistent/psm-policy.json'"), "%s", err);
		free(err);
	}
}

Test(audit, usage_errors)
{
	const char *none[] = { t_binary(), "audit", NULL };
	const char *both[] = { t_binary(), "audit", "--init", "--policy", "x", NULL };

	cr_assert_eq(t_run(none, NULL, NULL, NULL), 2);
	cr_assert_eq(t_run(both, NULL, NULL, NULL), 2);
}
