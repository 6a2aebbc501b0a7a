/* Bad usage and bad input: exit 2 with one line on stderr naming the offending token. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

struct bad_case {
	const char *args[6];
	const char *token;	/* must appear in the message */
};

static void expect_usage_error(const struct bad_case *c)
{
	const char *argv[8] = { NULL };
	char *out = NULL, *err = NULL;
	int rc;

	for (int i = 0; i < 6 && c->args[i]; i++)
		argv[i + 1] = c->args[i];
	rc = t_run(argv, NULL, &out, &err);
	cr_assert_eq(rc, 2, "%s %s: exit %d, stderr: %s", c->args[0], c->args[1] ? c->args[1] : "",
		     rc, err);
	cr_assert_str_empty(out, "nothing on stdout for bad usage: %s", out);
	cr_assert_eq(strncmp(err, "portscope: ", 11), 0, "%s", err);
	cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "one line only: %s", err);
	cr_assert(strstr(err, c->token), "message '%s' does not name '%s'", err, c->token);
	free(out);
	free(err);
}

static const struct bad_case list_cases[] = {
	{ { "list", "--port", "70000" }, "'70000'" },
	{ { "list", "--port", "5-1" }, "'5-1'" },
	{ { "list", "--port", "nosuchsvc" }, "'nosuchsvc'" },
	{ { "list", "--port", "" }, "empty" },
	{ { "list", "--class", "nope" }, "'nope'" },
	{ { "list", "--exposure", "lan" }, "'lan'" },
	{ { "list", "--state", "listening" }, "'listening'" },
	{ { "list", "--bogus" }, "'--bogus'" },
	{ { "list", "-z" }, "'-z'" },
	{ { "list", "-o", "xml" }, "'xml'" },
	{ { "list", "--port" }, "'--port'" },
	{ { "list", "extra" }, "'extra'" },
	{ { "list", "-o", "nagios" }, "'nagios'" },
	{ { "watch", "-o", "prom" }, "'prom'" },
	{ { "serve", "--tcp", "1", "-o", "json" }, "'json'" },
	{ { "serve", "--tcp", "1", "-j" }, "'-j'" },
	{ { "broadcast", "--port", "1", "-o", "prom" }, "'prom'" },
	{ { "scan", "127.0.0.1", "-p", "22", "-o", "nagios" }, "'nagios'" },
	{ { "serve", "--tcp", "1", "--bind", "127.0.0.1", "--bind" }, "'--bind'" },
	/* Empty items and white space count alike everywhere. */
	{ { "list", "--state", "listen,," }, "empty item" },
	{ { "list", "--state", ",listen" }, "empty item" },
	{ { "list", "--port", "22,,23" }, "empty" },
	{ { "check", "--timeout", " 5", "127.0.0.1:1" }, "' 5'" },
	{ { "check", "--timeout", "5 ", "127.0.0.1:1" }, "'5 '" },
	{ { "serve", "--udp", "7", "--reply", "a\tb" }, "printable ASCII" },
	{ { "frobnicate" }, "'frobnicate'" },
	{ { "--frob" }, "'--frob'" },
};

Test(cli, bad_usage)
{
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++)
		expect_usage_error(&list_cases[i]);
}

Test(cli, version_and_help)
{
	const char *v[] = { NULL, "--version", NULL };
	const char *h[] = { NULL, "list", "--help", NULL };
	const char *none[] = { NULL, NULL };
	char *out = NULL, *err = NULL;

	cr_assert_eq(t_run(v, NULL, &out, NULL), 0);
	cr_assert_eq(strncmp(out, "portscope ", 10), 0);
	free(out);
	cr_assert_eq(t_run(h, NULL, &out, NULL), 0);
	cr_assert(strstr(out, "--exposure") && strstr(out, "Exit status"));
	free(out);
	cr_assert_eq(t_run(none, NULL, &out, &err), 2);
	cr_assert(strstr(err, "usage"));
	free(out);
	free(err);
}

/* serve binds one address: a second --bind is refused, naming the option, never the last
 * one silently taken. */
Test(cli, serve_refuses_a_second_bind)
{
	const char *argv[] = { NULL, "serve", "--tcp", "1", "--bind", "127.0.0.1", "--bind", "::1",
			       NULL };
	char *out = NULL, *err = NULL;

	cr_assert_eq(t_run(argv, NULL, &out, &err), 2, "%s", err);
	cr_assert(strstr(err, "--bind"), "%s", err);
	cr_assert_str_empty(out);
	free(out);
	free(err);
}

/* What the user typed is escaped in messages: no control byte reaches the terminal, and
 * every message stays one line. */
Test(cli, messages_escape_control_bytes)
{
	static const char *const targets[] = {
		"bad\x1b[31mname:22", "two\nlines:22", "tab\there:22", "bell\x07\x7f\x01:22",
		"\x1b]0;title\x07:99999",
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const char *argv[] = { NULL, "check", targets[i], NULL };
		char *err = NULL;

		cr_assert_eq(t_run(argv, NULL, NULL, &err), 2, "%s", err);
		cr_assert_eq(strncmp(err, "portscope: ", 11), 0, "%s", err);
		cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
		for (const char *c = err; *c; c++)
			cr_assert(*c == '\n' || ((unsigned char)*c >= 0x20 && *c != 0x7f),
				  "raw byte 0x%02x in '%s'", (unsigned char)*c, err);
		free(err);
	}
	{
		const char *argv[] = { NULL, "check", "bad\x1b[31mname:22", NULL };
		char *err = NULL;

		t_run(argv, NULL, NULL, &err);
		cr_assert(strstr(err, "'bad\\x1b[31mname:22'"), "%s", err);
		free(err);
	}
}

static json_t *scan_json(const char *const *args, size_t *nresults)
{
	const char *argv[16] = { NULL, "scan", "127.0.0.1", "--all-states", "-j", "--timeout", "500" };
	size_t n = 7;
	int status;
	json_t *doc;

	while (*args && n < 15)
		argv[n++] = *args++;
	doc = t_run_json(argv, &status);
	cr_assert_eq(status, 0);
	cr_assert(doc);
	*nresults = json_array_size(json_object_get(doc, "results"));
	return doc;
}

/* -p as users type it: spaces around items, -N, N-, and repeated -p adding up. */
Test(cli, scan_port_specs_as_typed)
{
	uint16_t p1 = 0, p2 = 0;
	int f1 = t_tcp_listen("127.0.0.1", &p1, -1), f2 = t_tcp_listen("127.0.0.1", &p2, -1);
	char spec[32], one[8], two[8];
	size_t n;
	json_t *doc;

	snprintf(spec, sizeof(spec), "%u, %u", p1, p2);
	doc = scan_json((const char *[]){ "-p", spec, NULL }, &n);
	cr_assert_eq(n, 2, "'%s' scans both ports", spec);
	json_decref(doc);
	snprintf(one, sizeof(one), "%u", p1);
	snprintf(two, sizeof(two), "%u", p2);
	doc = scan_json((const char *[]){ "-p", one, "-p", two, NULL }, &n);
	cr_assert_eq(n, p1 == p2 ? 1 : 2, "-p %s -p %s scans both", one, two);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "open")), 2);
	json_decref(doc);
	doc = scan_json((const char *[]){ "-p", "-3", NULL }, &n);
	cr_assert_eq(n, 3, "-p -3 is 1-3");
	json_decref(doc);
	doc = scan_json((const char *[]){ "--ports", "65533-", NULL }, &n);
	cr_assert_eq(n, 3, "-p 65533- is 65533-65535");
	json_decref(doc);
	close(f1);
	close(f2);
}

/* --port repeated on list adds up, as -p does on scan. */
Test(cli, list_port_repeats_add_up)
{
	uint16_t p1 = 0, p2 = 0;
	int f1 = t_tcp_listen("127.0.0.1", &p1, -1), f2 = t_tcp_listen("127.0.0.1", &p2, -1);
	char one[8], two[8];
	int status;
	json_t *doc;

	snprintf(one, sizeof(one), "%u", p1);
	snprintf(two, sizeof(two), "%u", p2);
	doc = t_run_json((const char *[]){ NULL, "list", "-t", "-4", "-P", "--port", one, "--port",
					   two, "-j", NULL }, &status);
	cr_assert_eq(status, 0);
	cr_assert_eq(json_array_size(json_object_get(doc, "sockets")), 2);
	json_decref(doc);
	close(f1);
	close(f2);
}

/* A socket bound to the lo device is only reachable from this host, whatever its address:
 * exposure loopback, found by --exposure loopback. */
Test(cli, lo_device_is_loopback_exposure)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char port[8];
	int status;
	json_t *doc, *s;

	cr_assert(fd >= 0);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0) {
		cr_assert(errno == EPERM, "SO_BINDTODEVICE: %s", strerror(errno));
		close(fd);
		cr_skip_test("SO_BINDTODEVICE needs CAP_NET_RAW on this kernel");
	}
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(fd, 1) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	snprintf(port, sizeof(port), "%u", ntohs(sin.sin_port));
	doc = t_run_json((const char *[]){ NULL, "list", "-t", "-P", "--port", port, "--exposure",
					   "loopback", "-j", NULL }, &status);
	cr_assert_eq(status, 0);
	s = json_array_get(json_object_get(doc, "sockets"), 0);
	cr_assert(s, "not found by --exposure loopback");
	cr_assert_str_eq(json_string_value(json_object_get(s, "local_address")), "0.0.0.0");
	cr_assert_str_eq(json_string_value(json_object_get(s, "exposure")), "loopback");
	json_decref(doc);
	doc = t_run_json((const char *[]){ NULL, "list", "-t", "-P", "--port", port, "--exposure",
					   "all", "-j", NULL }, &status);
	cr_assert_eq(json_array_size(json_object_get(doc, "sockets")), 0);
	json_decref(doc);
	close(fd);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `watch ... | head -1`: once the reader is gone, watch ends with 0 by itself, though no
 * further event comes. Bounded: killed after 10 s. */
Test(cli, watch_ends_when_its_reader_goes, .timeout = 30)
{
	uint16_t port = 0;
	int lfd = t_tcp_listen("127.0.0.1", &port, -1), p[2], status = -1;
	char portarg[8], line[4096];
	long long deadline;
	ssize_t n;
	pid_t pid;

	snprintf(portarg, sizeof(portarg), "%u", port);
	cr_assert(pipe2(p, O_CLOEXEC) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);	/* as a shell starts it */
		dup2(p[1], 1);
		execl(t_binary(), t_binary(), "watch", "--initial", "--ndjson", "-P", "-t",
		      "--port", portarg, "--interval", "100", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line) - 1);
	cr_assert(n > 0 && memchr(line, '\n', (size_t)n), "the first event");
	close(p[0]);	/* head -1 is done */
	deadline = ms_now() + 10000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (ms_now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_assert_fail("watch still runs 10 s after its reader has gone");
		}
		poll(NULL, 0, 50);
	}
	cr_assert(WIFEXITED(status), "watch ended by signal %d", WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
	close(lfd);
}

/* -w -0 is 0 in the perfdata, not -0.000000. */
Test(cli, nagios_negative_zero)
{
	char *out = NULL;
	int rc = t_run((const char *[]){ t_binary(), "check", "-o", "nagios", "-w", "-0",
					 "127.0.0.1:1", NULL }, NULL, &out, NULL);

	cr_assert(rc == 2 || rc == 0, "exit %d", rc);
	cr_assert_null(strstr(out, "-0.0"), "%s", out);
	cr_assert(strstr(out, ";0.000000;"), "%s", out);
	free(out);
}
