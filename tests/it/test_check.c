/* portscope check against sockets the test opens on loopback: verdicts, exit codes,
 * every output format, --send/--expect/--banner against a small forked server. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

/* A port with a bound, non-listening socket on it: connects get a reset. */
static int closed_port(const char *addr, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert(inet_pton(AF_INET, addr, &a.sin_addr) == 1);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A child serving lfd for at most 10 s: greets each connection with greet, or when
 * reply is set, reads a request up to a blank line and answers reply. */
static pid_t serve(int lfd, const char *greet, size_t glen, const char *reply)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid > 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	for (int round = 0; round < 100; round++) {
		struct pollfd p = { lfd, POLLIN, 0 };
		char req[512];
		size_t got = 0;
		int c;

		if (poll(&p, 1, 10000) <= 0)
			break;
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		if (greet)
			(void)send(c, greet, glen, MSG_NOSIGNAL);
		while (reply && got < sizeof(req) - 1) {
			struct pollfd q = { c, POLLIN, 0 };
			ssize_t n;

			if (poll(&q, 1, 2000) <= 0 || (n = recv(c, req + got, sizeof(req) - 1 - got, 0)) <= 0)
				break;
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n")) {
				(void)send(c, reply, strlen(reply), MSG_NOSIGNAL);
				break;
			}
		}
		usleep(100000);
		close(c);
	}
	_exit(0);
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static json_t *result_at(json_t *doc, size_t i)
{
	json_t *r = json_array_get(json_object_get(doc, "results"), i);

	cr_assert(r, "no result %zu", i);
	return r;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

Test(check, open_and_closed_with_exit_codes)
{
	uint16_t op = 0, cp = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1), cfd = closed_port("127.0.0.1", &cp);
	char open_t[64], closed_t[64];
	int status;
	json_t *doc, *r;

	snprintf(open_t, sizeof(open_t), "127.0.0.1:%u", op);
	snprintf(closed_t, sizeof(closed_t), "tcp://127.0.0.1:%u", cp);

	doc = t_run_json((const char *[]){ t_binary(), "check", open_t, "-o", "json", NULL }, &status);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(str(doc, "schema"), "portscope.check/1");
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "target"), open_t);
	cr_assert_str_eq(str(r, "address"), "127.0.0.1");
	cr_assert_str_eq(str(r, "family"), "ipv4");
	cr_assert_str_eq(str(r, "proto"), "tcp");
	cr_assert_eq(json_integer_value(json_object_get(r, "port")), op);
	cr_assert_str_eq(str(r, "state"), "open");
	cr_assert_str_eq(str(r, "reason"), "syn-ack");
	cr_assert(json_is_number(json_object_get(r, "rtt_ms")));
	cr_assert(json_is_null(json_object_get(r, "error")));
	cr_assert(json_is_null(json_object_get(r, "banner")));
	cr_assert_str_eq(str(r, "port_class"), op >= 49152 ? "dynamic" : "registered");
	cr_assert(json_object_get(r, "service"));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "open")), 1);
	json_decref(doc);

	doc = t_run_json((const char *[]){ t_binary(), "check", closed_t, "--json", NULL }, &status);
	cr_assert_eq(status, 1);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "state"), "closed");
	cr_assert_str_eq(str(r, "reason"), "reset");
	json_decref(doc);

	/* Mixed: several targets, one verdict each in the order given, exit 1. */
	doc = t_run_json((const char *[]){ t_binary(), "check", closed_t, open_t, "-j", NULL }, &status);
	cr_assert_eq(status, 1);
	cr_assert_str_eq(str(result_at(doc, 0), "state"), "closed");
	cr_assert_str_eq(str(result_at(doc, 1), "state"), "open");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "total")), 2);
	json_decref(doc);
	close(lfd);
	close(cfd);
}

Test(check, ipv6_loopback)
{
	uint16_t op = 0;
	int lfd = t_tcp_listen("::1", &op, 1);
	char target[64];
	int status;
	json_t *doc, *r;

	snprintf(target, sizeof(target), "[::1]:%u", op);
	doc = t_run_json((const char *[]){ t_binary(), "check", target, "-o", "json", NULL }, &status);
	cr_assert_eq(status, 0);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "address"), "::1");
	cr_assert_str_eq(str(r, "family"), "ipv6");
	cr_assert_str_eq(str(r, "state"), "open");
	json_decref(doc);
	/* -4 leaves no address for an IPv6 literal: an error result, exit 1. */
	doc = t_run_json((const char *[]){ t_binary(), "check", "-4", target, "-o", "json", NULL }, &status);
	cr_assert_eq(status, 1);
	cr_assert_str_eq(str(result_at(doc, 0), "state"), "error");
	json_decref(doc);
	close(lfd);
}

Test(check, unresolved_name_is_a_result)
{
	uint16_t op = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1);
	char target[64];
	int status;
	json_t *doc, *r;

	snprintf(target, sizeof(target), "127.0.0.1:%u", op);
	doc = t_run_json((const char *[]){ t_binary(), "check", "no-such-host.invalid:80", target, "-o",
					   "json", NULL },
			 &status);
	cr_assert_eq(status, 1);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "target"), "no-such-host.invalid:80");
	cr_assert_str_eq(str(r, "state"), "error");
	cr_assert(json_is_null(json_object_get(r, "address")));
	cr_assert(strstr(str(r, "error"), "no-such-host.invalid"), "%s", str(r, "error"));
	cr_assert_str_eq(str(result_at(doc, 1), "state"), "open");
	json_decref(doc);
	close(lfd);
}

Test(check, bad_input_exits_2_naming_the_token)
{
	static const char *const cases[][3] = {
		{ "127.0.0.1:99999", NULL, "99999" },
		{ "127.0.0.1", NULL, "127.0.0.1" },
		{ "--timeout", "-5", "-5" },
		{ "--bogus", NULL, "--bogus" },
		{ "::1:22", NULL, "::1:22" },
		{ "--expect", "\\q", "\\q" },
		{ "-o", "xml", "xml" },
		{ "--starttls", "nope", "'nope'" },
		{ "--cert-days", "5,30", "'5,30'" },
		{ "--cert-days", "x", "'x'" },
		{ "--ca", "/nonexistent.pem", "/nonexistent.pem" },
		{ "--alpn", "h2,,x", "h2,,x" },
		{ "tls://127.0.0.1:99999", NULL, "99999" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL, *err = NULL;
		const char *argv[6] = { t_binary(), "check", cases[i][0], cases[i][1], NULL, NULL };
		int status;

		if (cases[i][1])
			argv[4] = "tls://127.0.0.1:1";
		status = t_run(argv, NULL, &out, &err);
		cr_assert_eq(status, 2, "%s: exit %d", cases[i][0], status);
		cr_assert(strncmp(err, "portscope: ", 11) == 0, "%s", err);
		cr_assert(strstr(err, cases[i][2]), "%s: %s", cases[i][0], err);
		cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
		cr_assert_str_eq(out, "");
		free(out);
		free(err);
	}
}

Test(check, table_and_ndjson)
{
	uint16_t op = 0, cp = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1), cfd = closed_port("127.0.0.1", &cp);
	char t1[64], t2[64], *out = NULL, *line2;
	json_t *a, *b;
	int status;

	snprintf(t1, sizeof(t1), "127.0.0.1:%u", op);
	snprintf(t2, sizeof(t2), "127.0.0.1:%u", cp);
	status = t_run((const char *[]){ t_binary(), "check", t1, t2, NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 1);
	cr_assert(strstr(out, "TARGET") && strstr(out, "STATE"), "%s", out);
	cr_assert(strstr(out, "open") && strstr(out, "closed"), "%s", out);
	cr_assert(strstr(out, "2 results"), "%s", out);
	free(out);

	status = t_run((const char *[]){ t_binary(), "check", t1, t2, "--ndjson", NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 1);
	line2 = strchr(out, '\n');
	cr_assert(line2);
	*line2++ = '\0';
	a = json_loads(out, 0, NULL);
	b = json_loads(line2, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert(a && b, "%s / %s", out, line2);
	cr_assert(json_object_get(a, "state") && json_object_get(b, "state"));
	cr_assert_null(json_object_get(a, "schema"));
	json_decref(a);
	json_decref(b);
	free(out);
	close(lfd);
	close(cfd);
}

Test(check, nagios_line_and_codes)
{
	uint16_t op = 0, cp = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1), cfd = closed_port("127.0.0.1", &cp);
	char t1[64], t2[64], want[128], *out = NULL;
	int status;

	snprintf(t1, sizeof(t1), "127.0.0.1:%u", op);
	snprintf(t2, sizeof(t2), "127.0.0.1:%u", cp);
	status = t_run((const char *[]){ t_binary(), "check", t1, "-o", "nagios", NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 0);
	cr_assert(strncmp(out, "PORTSCOPE OK - 1/1 reachable, worst ", 36) == 0, "%s", out);
	snprintf(want, sizeof(want), " | '%s'=0.", t1);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "s;;;0;\n"), "%s", out);
	free(out);
	status = t_run((const char *[]){ t_binary(), "check", t1, t2, "-o", "nagios", NULL }, NULL, &out,
		       NULL);
	cr_assert_eq(status, 2);
	cr_assert(strstr(out, "PORTSCOPE CRITICAL - 1/2 reachable"), "%s", out);
	snprintf(want, sizeof(want), ": %s closed (reset) |", t2);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want), " '%s'=U;;;0;\n", t2);
	cr_assert(strstr(out, want), "%s", out);
	free(out);
	/* Thresholds: a loopback connect takes longer than a microsecond. */
	status = t_run((const char *[]){ t_binary(), "check", t1, "-o", "nagios", "-w", "0.001", NULL },
		       NULL, &out, NULL);
	cr_assert_eq(status, 1, "%s", out);
	cr_assert(strncmp(out, "PORTSCOPE WARNING - 1/1 reachable", 33) == 0, "%s", out);
	cr_assert(strstr(out, "s;0.000001;;0;\n"), "%s", out);
	free(out);
	status = t_run((const char *[]){ t_binary(), "check", t1, "-o", "nagios", "-w", "0.001", "-c",
					 "0.002", NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 2, "%s", out);
	free(out);
	status = t_run((const char *[]){ t_binary(), "check", t1, "-o", "nagios", "-w", "60000", "-c",
					 "60000", NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert(strstr(out, "s;60.000000;60.000000;0;\n"), "%s", out);
	free(out);
	/* Bad usage is UNKNOWN, on stdout as a plugin line. */
	status = t_run((const char *[]){ t_binary(), "check", "-o", "nagios", "--bogus", t1, NULL }, NULL,
		       &out, NULL);
	cr_assert_eq(status, 3);
	cr_assert_str_eq(out, "PORTSCOPE UNKNOWN - unknown option '--bogus'\n");
	free(out);
	status = t_run((const char *[]){ t_binary(), "check", "-w", "5", t1, NULL }, NULL, NULL, NULL);
	cr_assert_eq(status, 2, "-w without -o nagios is a usage error");
	close(lfd);
	close(cfd);
}

static const char evil[] = "220 evil\x1b[2J\x07 ready\r\n";

Test(check, expect_matches_and_mismatches_banner)
{
	uint16_t op = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1);
	pid_t pid = serve(lfd, evil, sizeof(evil) - 1, NULL);
	char target[64], *out = NULL;
	int status;
	json_t *doc, *r;

	snprintf(target, sizeof(target), "127.0.0.1:%u", op);
	doc = t_run_json((const char *[]){ t_binary(), "check", target, "--expect", "220 ", "-o", "json",
					   NULL },
			 &status);
	cr_assert_eq(status, 0);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "state"), "open");
	cr_assert_str_eq(str(r, "reason"), "expect-matched");
	cr_assert_str_eq(str(r, "banner"), evil, "JSON decodes to the banner as it came");
	json_decref(doc);

	doc = t_run_json((const char *[]){ t_binary(), "check", target, "--expect", "SSH-2.0", "--timeout",
					   "500", "-o", "json", NULL },
			 &status);
	cr_assert_eq(status, 1);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "state"), "open");
	cr_assert_str_eq(str(r, "reason"), "expect-mismatch");
	json_decref(doc);

	/* The table shows the banner escaped: no control byte reaches the terminal. */
	status = t_run((const char *[]){ t_binary(), "check", target, "--banner", NULL }, NULL, &out, NULL);
	cr_assert_eq(status, 0);
	cr_assert(strstr(out, "220 evil\\x1b[2J\\x07 ready\\r\\n"), "%s", out);
	for (const char *p = out; *p; p++)
		cr_assert(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "raw byte 0x%02x", *p);
	free(out);
	stop(pid);
	close(lfd);
}

Test(check, send_then_expect)
{
	uint16_t op = 0;
	int lfd = t_tcp_listen("127.0.0.1", &op, -1);
	pid_t pid = serve(lfd, NULL, 0, "HTTP/1.0 200 OK\r\n\r\n");
	char target[64];
	int status;
	json_t *doc, *r;

	snprintf(target, sizeof(target), "127.0.0.1:%u", op);
	doc = t_run_json((const char *[]){ t_binary(), "check", target, "--send", "GET / HTTP/1.0\\r\\n\\r\\n",
					   "--expect", "200 OK", "-o", "json", NULL },
			 &status);
	cr_assert_eq(status, 0);
	r = result_at(doc, 0);
	cr_assert_str_eq(str(r, "reason"), "expect-matched");
	cr_assert(strstr(str(r, "banner"), "HTTP/1.0 200 OK"), "%s", str(r, "banner"));
	json_decref(doc);
	stop(pid);
	close(lfd);
}
