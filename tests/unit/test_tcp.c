/* The TCP engine through its API on loopback: every job reported exactly once, verdicts
 * for open and closed ports, rtt, the reply phase, and exact results when descriptors
 * run out (EMFILE) under a tiny RLIMIT_NOFILE. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "probe/tcp.h"
#include "tests/helpers.h"

struct tally {
	unsigned char seen[65536];
	enum ps_probe_state state[65536];
	const char *reason[65536];
	double rtt[65536];
	char banner[PS_BANNER_MAX + 1];
	int expect_ok;
	unsigned calls;
};

static void on_result(const struct probe_result *r, void *ctx)
{
	struct tally *t = ctx;

	cr_assert_eq(r->proto, IPPROTO_TCP);
	cr_assert_str_eq(r->address, "127.0.0.1");
	cr_assert_str_eq(r->target, "lo");
	t->seen[r->port]++;
	t->state[r->port] = r->state;
	t->reason[r->port] = r->reason;
	t->rtt[r->port] = r->rtt_ms;
	if (r->has_banner) {
		memcpy(t->banner, r->banner, r->banner_len);
		t->banner[r->banner_len] = '\0';
	}
	t->expect_ok = r->expect_ok;
	t->calls++;
}

static int run(const char *spec, const struct ps_probe_opts *o, struct tally *t)
{
	static struct ps_portset ports;
	struct ps_endpoint ep = { 0 };
	struct ps_jobsrc src = { 0 };
	ps_err err;
	int rc;

	cr_assert_eq(ps_ports_parse_spec(spec, "tcp", false, &ports, &err), 0);
	ep.target = "lo";
	ep.address = "127.0.0.1";
	ep.addr.v4.sin_family = AF_INET;
	ep.addr.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	src.eps = &ep;
	src.neps = 1;
	src.ports = &ports;
	rc = ps_tcp_probe_many(ps_jobsrc_next, &src, o, on_result, t, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	return rc;
}

Test(tcp, every_job_once_with_verdicts)
{
	static struct tally t;
	struct ps_probe_opts o = { .timeout_ms = 1000, .retries = -1 };
	uint16_t a = 0, b = 0;
	int fa = t_tcp_listen("127.0.0.1", &a, -1), fb = t_tcp_listen("127.0.0.1", &b, -1);
	char spec[64];

	close(fb);
	snprintf(spec, sizeof(spec), "1-2000,%u,%u", a, b);
	run(spec, &o, &t);
	for (unsigned p = 1; p <= 2000; p++)
		cr_assert_eq(t.seen[p], 1, "port %u reported %u times", p, t.seen[p]);
	cr_assert_eq(t.state[a], PS_PROBE_OPEN);
	cr_assert_str_eq(t.reason[a], "syn-ack");
	cr_assert(t.rtt[a] >= 0 && t.rtt[a] < 1000);
	cr_assert_eq(t.state[b], PS_PROBE_CLOSED);
	cr_assert_str_eq(t.reason[b], "reset");
	close(fa);
}

static unsigned open_fds(void)
{
	char *out = t_capture("ls /proc/$PPID/fd | wc -l");
	unsigned n = (unsigned)strtoul(out, NULL, 10);

	free(out);
	return n;
}

/* Silent open ports with --banner hold a descriptor each until the timeout, so asking
 * for 500 in flight with ten descriptors to spare runs into EMFILE: the engine must
 * wait for descriptors and still report every port exactly and correctly. */
Test(tcp, emfile_slows_down_never_misreports)
{
	static struct tally t;
	struct ps_probe_opts o = { .timeout_ms = 300, .retries = -1, .concurrency = 500,
				   .banner = true };
	struct rlimit rl;
	uint16_t ports[30];
	int fds[30];
	char spec[512];
	size_t n;
	struct timespec t0, t1;
	double ms;

	n = (size_t)snprintf(spec, sizeof(spec), "1-2000");
	for (int i = 0; i < 30; i++) {
		ports[i] = 0;
		fds[i] = t_tcp_listen("127.0.0.1", &ports[i], -1);
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, ",%u", ports[i]);
	}
	rl.rlim_cur = rl.rlim_max = open_fds() + 10;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(spec, &o, &t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	for (int i = 0; i < 30; i++) {
		cr_assert_eq(t.seen[ports[i]], 1);
		cr_assert_eq(t.state[ports[i]], PS_PROBE_OPEN, "port %u: %s", ports[i],
			     ps_probe_state_name(t.state[ports[i]]));
	}
	for (unsigned p = 1; p <= 2000; p++) {
		cr_assert_eq(t.seen[p], 1);
		cr_assert(t.state[p] == PS_PROBE_CLOSED || t.state[p] == PS_PROBE_OPEN,
			  "port %u: %s", p, ps_probe_state_name(t.state[p]));
	}
	/* At most ten connections held at once: thirty needed three rounds or more. */
	cr_assert_geq(ms, 3 * 300 - 50, "%.0f ms: descriptors were not the limit", ms);
	for (int i = 0; i < 30; i++)
		close(fds[i]);
}

Test(tcp, expect_reads_the_reply)
{
	static struct tally t;
	static const char greet[] = "SSH-2.0-test\r\n";
	struct ps_probe_opts o = { .timeout_ms = 2000, .retries = -1, .expect = "SSH-2.0",
				   .expect_len = 7 };
	uint16_t p = 0;
	int lfd = t_tcp_listen("127.0.0.1", &p, -1), c;
	pid_t pid = fork();
	char spec[16];

	cr_assert(pid >= 0);
	if (pid == 0) {
		c = accept(lfd, NULL, NULL);
		if (c >= 0 && write(c, greet, sizeof(greet) - 1) > 0)
			usleep(200000);
		_exit(0);
	}
	snprintf(spec, sizeof(spec), "%u", p);
	run(spec, &o, &t);
	cr_assert_eq(t.state[p], PS_PROBE_OPEN);
	cr_assert_str_eq(t.reason[p], "expect-matched");
	cr_assert_eq(t.expect_ok, 1);
	cr_assert_str_eq(t.banner, greet);
	close(lfd);
}
