/* portscope scan on loopback: listed ports, --all-states, bad specs, and full-range scans
 * compared with ss at the same moment (also under `ulimit -n 64`), inside a private
 * network namespace so other processes' listeners cannot come and go mid-scan. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define PS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PS_UNDER_ASAN 1
#endif
#endif

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A private network namespace with loopback up, for this test process and its children;
 * skips the test without root. */
static void own_netns(void)
{
	if (!t_is_root())
		cr_skip_test("needs root for a private network namespace (unshare CLONE_NEWNET)");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET) not permitted here");
	cr_assert_eq(system("ip link set lo up"), 0);
}

/* The set of TCP ports reachable on 127.0.0.1 according to `ss -H -ltn`. */
static void ss_open_set(unsigned char *set)
{
	char *out = t_capture("ss -H -ltn"), *save = NULL;

	memset(set, 0, 65536);
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char st[32], rq[16], sq[16], local[128];
		char *colon;

		if (sscanf(line, "%31s %15s %15s %127s", st, rq, sq, local) != 4)
			continue;
		colon = strrchr(local, ':');
		if (!colon)
			continue;
		*colon = '\0';
		/* 127.0.0.1, the IPv4 wildcard, or a dual-stack IPv6 wildcard ("*") take
		 * connections to 127.0.0.1; ::1, [::] v6only and 127.0.0.2 do not. */
		if (strcmp(local, "127.0.0.1") && strcmp(local, "0.0.0.0") && strcmp(local, "*"))
			continue;
		set[atoi(colon + 1) & 0xffff] = 1;
	}
	free(out);
}

static void scan_open_set(const char *const *argv, unsigned char *set, json_t **summary)
{
	int status;
	json_t *doc = t_run_json(argv, &status), *res;
	size_t i;
	json_t *r;

	cr_assert_eq(status, 0);
	cr_assert(doc);
	memset(set, 0, 65536);
	res = json_object_get(doc, "results");
	json_array_foreach(res, i, r) {
		cr_assert_str_eq(str(r, "state"), "open");
		set[json_integer_value(json_object_get(r, "port")) & 0xffff] = 1;
	}
	*summary = json_incref(json_object_get(doc, "summary"));
	json_decref(doc);
}

static void assert_same(const unsigned char *want, const unsigned char *got)
{
	for (unsigned p = 1; p < 65536; p++)
		cr_assert_eq(want[p], got[p], "port %u: ss says %s, scan says %s", p,
			     want[p] ? "listening" : "not listening", got[p] ? "open" : "not open");
}

/* Listeners of every kind: some reachable through 127.0.0.1, some not. */
static void open_listeners(int *fds)
{
	uint16_t p;

	for (int i = 0; i < 4; i++) {
		p = 0;
		fds[i] = t_tcp_listen("127.0.0.1", &p, -1);
	}
	p = 0;
	fds[4] = t_tcp_listen("0.0.0.0", &p, -1);
	p = 0;
	fds[5] = t_tcp_listen("::", &p, 0);	/* dual stack: takes 127.0.0.1 too */
	p = 0;
	fds[6] = t_tcp_listen("::1", &p, 1);
	p = 0;
	fds[7] = t_tcp_listen("127.0.0.2", &p, -1);
	p = 65535;
	fds[8] = t_tcp_listen("127.0.0.1", &p, -1);
	p = 1;
	fds[9] = t_tcp_listen("127.0.0.1", &p, -1);
}

Test(scan, listed_ports_and_all_states)
{
	uint16_t a = 0, b = 0;
	int fa = t_tcp_listen("127.0.0.1", &a, -1), fb = t_tcp_listen("127.0.0.1", &b, -1);
	char spec[64];
	int status;
	json_t *doc, *sum;

	close(fb);	/* b is now (almost surely) closed */
	snprintf(spec, sizeof(spec), "%u,%u", a, b);
	doc = t_run_json((const char *[]){ t_binary(), "scan", "127.0.0.1", "-p", spec, "-o", "json",
					   NULL },
			 &status);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(str(doc, "schema"), "portscope.scan/1");
	cr_assert_eq(json_array_size(json_object_get(doc, "results")), 1);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(doc, "results"), 0), "port")), a);
	sum = json_object_get(doc, "summary");
	cr_assert_eq(json_integer_value(json_object_get(sum, "total")), 2);
	cr_assert_eq(json_integer_value(json_object_get(sum, "open")), 1);
	cr_assert_eq(json_integer_value(json_object_get(sum, "closed")), 1);
	cr_assert(json_is_number(json_object_get(sum, "elapsed_ms")));
	json_decref(doc);

	doc = t_run_json((const char *[]){ t_binary(), "scan", "127.0.0.1", "-p", spec,
					   "--all-states", "-j", NULL },
			 &status);
	cr_assert_eq(status, 0);
	cr_assert_eq(json_array_size(json_object_get(doc, "results")), 2);
	/* Ordered by host, then port. */
	cr_assert_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(doc, "results"), 0), "port")), a < b ? a : b);
	json_decref(doc);
	close(fa);
}

Test(scan, ipv6_and_two_hosts)
{
	uint16_t p = 0;
	int fd = t_tcp_listen("::", &p, 0);
	char spec[16], *out = NULL;
	int status;

	snprintf(spec, sizeof(spec), "%u", p);
	status = t_run((const char *[]){ t_binary(), "scan", "::1", "127.0.0.1", "-p", spec, "--ndjson",
					 NULL },
		       NULL, &out, NULL);
	cr_assert_eq(status, 0);
	cr_assert(strstr(out, "\"address\":\"::1\""), "%s", out);
	cr_assert(strstr(out, "\"address\":\"127.0.0.1\""), "%s", out);
	cr_assert_eq(strchr(strchr(out, '\n') + 1, '\n') - out, (long)strlen(out) - 1, "%s", out);
	free(out);
	close(fd);
}

Test(scan, bad_input_exits_2)
{
	static const char *const cases[][4] = {
		{ "127.0.0.1", "-p", "10-1", "10-1" },
		{ "127.0.0.1", "-p", "70000", "70000" },
		{ "127.0.0.1", "--rate", "0", "0" },
		{ "127.0.0.1:22", "-p", "22", "127.0.0.1:22" },
		{ "127.0.0.1", "--concurrency", "x", "'x'" },
		{ "127.0.0.1", "-x", NULL, "-x" },
	};
	char *out = NULL, *err = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { t_binary(), "scan", cases[i][0], cases[i][1], cases[i][2], NULL };
		int status = t_run(argv, NULL, &out, &err);

		cr_assert_eq(status, 2, "%s %s: exit %d", cases[i][1], cases[i][2], status);
		cr_assert(strstr(err, cases[i][3]), "%s", err);
		free(out);
		free(err);
	}
	cr_assert_eq(t_run((const char *[]){ t_binary(), "scan", "-p", "22", NULL }, NULL, &out, &err),
		     2);
	cr_assert(strstr(err, "missing HOST"), "%s", err);
	free(out);
	free(err);
}

Test(scan, unresolved_host_is_an_error_result)
{
	int status;
	json_t *doc = t_run_json((const char *[]){ t_binary(), "scan", "no-such-host.invalid", "-p",
						   "22", "-j", NULL },
				 &status);
	json_t *r;

	cr_assert_eq(status, 1);
	r = json_array_get(json_object_get(doc, "results"), 0);
	cr_assert_str_eq(str(r, "state"), "error");
	cr_assert(json_is_null(json_object_get(r, "port")));
	json_decref(doc);
}

Test(scan, full_range_matches_ss, .timeout = 60)
{
	static unsigned char want[65536], got[65536], after[65536];
	int fds[10];
	json_t *sum;

	own_netns();
	open_listeners(fds);
	ss_open_set(want);
	scan_open_set((const char *[]){ t_binary(), "scan", "127.0.0.1", "-p", "-", "-o", "json", NULL },
		      got, &sum);
	ss_open_set(after);
	assert_same(want, after);
	assert_same(want, got);
	cr_assert_eq(json_integer_value(json_object_get(sum, "total")), 65535);
	cr_assert_eq(json_integer_value(json_object_get(sum, "open")), 8);
	cr_assert_eq(json_integer_value(json_object_get(sum, "closed")), 65535 - 8);
	json_decref(sum);
}

/* Under `ulimit -n 64` the engine must keep every verdict exact: with the default
 * concurrency (sized from the limit) and with one far above it (EMFILE backoff). */
Test(scan, full_range_exact_under_ulimit_64, .timeout = 120)
{
	static unsigned char want[65536], got[65536];
	static const char *const extra[] = { "", "--concurrency 1000" };
	int fds[10];

	own_netns();
	open_listeners(fds);
	ss_open_set(want);
	for (int i = 0; i < 2; i++) {
		char script[512];
		json_t *sum;

		snprintf(script, sizeof(script), "ulimit -n 64 && exec \"%s\" scan 127.0.0.1 -p - %s -o json",
			 t_binary(), extra[i]);
		scan_open_set((const char *[]){ "/bin/sh", "-c", script, NULL }, got, &sum);
		assert_same(want, got);
		cr_assert_eq(json_integer_value(json_object_get(sum, "closed")), 65535 - 8);
		cr_assert_eq(json_integer_value(json_object_get(sum, "filtered")), 0);
		cr_assert_eq(json_integer_value(json_object_get(sum, "error")), 0);
		json_decref(sum);
	}
}

/* Peak RSS in KiB of a scan with --all-states -o ndjson over spec (GNU time). */
static long scan_rss(const char *spec)
{
	char script[512], *err = NULL;
	long kb;
	int status;

	snprintf(script, sizeof(script),
		 "/usr/bin/time -f %%M \"%s\" scan 127.0.0.1 -p %s --all-states -o ndjson >/dev/null",
		 t_binary(), spec);
	status = t_run((const char *[]){ "/bin/sh", "-c", script, NULL }, NULL, NULL, &err);
	cr_assert_eq(status, 0, "%s", err);
	/* the last line holds the figure */
	{
		char *line = err, *p;

		while ((p = strchr(line, '\n')) && p[1])
			line = p + 1;
		kb = strtol(line, NULL, 10);
	}
	free(err);
	return kb;
}

/* Results stream: a 65,535-port scan printing every result holds no more memory than a
 * 1,000-port one (and stays far under 16 MB). */
Test(scan, memory_flat_over_the_full_range, .timeout = 60)
{
	long small, full;

	if (access("/usr/bin/time", X_OK) != 0)
		cr_skip_test("GNU time (/usr/bin/time) not installed");
	own_netns();
	small = scan_rss("1-1000");
	full = scan_rss("-");
	cr_assert(full > 0 && small > 0);
#if !defined(PS_UNDER_ASAN)
	/* AddressSanitizer's own shadow memory alone is about 16 MB: only the growth
	 * counts there. */
	cr_assert_lt(full, 16 * 1024, "peak RSS %ld KiB", full);
#endif
	cr_assert_lt(full - small, 2048, "1,000 ports: %ld KiB, 65,535 ports: %ld KiB", small, full);
}

/* Wall time of a scan of ports 1-n of 127.0.0.1 at rate attempts a second. */
static double scan_secs(const char *proto, int n, int rate)
{
	char ports[16], r[16], *out = NULL;
	struct timespec a, b;
	int st;

	snprintf(ports, sizeof(ports), "1-%d", n);
	snprintf(r, sizeof(r), "%d", rate);
	clock_gettime(CLOCK_MONOTONIC, &a);
	st = t_run((const char *[]){ t_binary(), "scan", proto, "127.0.0.1", "-p", ports,
				     "--rate", r, "--all-states", "-o", "ndjson", NULL },
		   NULL, &out, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert(st == 0 || st == 1, "scan %s exit %d", proto, st);
	free(out);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* --rate holds: 2,000 closed ports at 4,000 a second take half a second, TCP and UDP
 * (the pacing once woke at most once a millisecond: about 800 a second). */
Test(scan, rate_holds, .timeout = 60)
{
	own_netns();
	for (int k = 0; k < 2; k++) {
		const char *proto = k ? "-u" : "-t";
		double s = scan_secs(proto, 2000, 4000);

		/* 1,999 steps of 0.25 ms; start-up and a loaded machine may add a little. */
		cr_assert(s >= 0.49 && s < 0.62, "scan %s: 2,000 ports at 4,000/s took %.3f s",
			  proto, s);
	}
}
