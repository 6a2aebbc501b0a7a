/* The walk as the engines' job source (probe/walksrc) and the host table it reads
 * (probe/hoststate): every job once with its own address text and host tag, a stop flag,
 * hosts without a route dropped, unreachable hosts handed to the skip hook, and after
 * discovery only the hosts up walked. Nothing here sends a packet. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "probe/hoststate.h"
#include "probe/walksrc.h"

static struct ps_addrspace set;
static struct ps_walksrc src;
static const uint16_t ports[] = { 22, 80, 443 };
static ps_err err;

static void setup(void)
{
	ps_addrspace_init(&set);
	memset(&src, 0, sizeof(src));
	cr_assert_eq(ps_addrspace_add(&set, "198.18.0.0/28", false, &err), 0);
	cr_assert_eq(ps_addrspace_finalize(&set, false, &err), 0);
	cr_assert_eq(ps_addrwalk_init(&src.w, &set, ports, 3, 9, 0, 1, &err), 0, "%s", err.msg);
	src.tag_base = 100;
}

static void teardown(void)
{
	ps_addrspace_free(&set);
}

TestSuite(walksrc, .init = setup, .fini = teardown);

Test(walksrc, every_job_once_with_its_host_tag)
{
	struct ps_probe_job job;
	int seen[16][3] = { { 0 } }, n = 0;

	while (ps_walksrc_next(&src, &job)) {
		struct in_addr a;
		unsigned host, port = ntohs(job.addr.v4.sin_port), pi;

		cr_assert_eq(inet_pton(AF_INET, job.address, &a), 1, "%s", job.address);
		host = ntohl(a.s_addr) - 0xc6120000u;
		cr_assert_lt(host, 16u);
		cr_assert_eq(job.tag, 100 + host);
		cr_assert_str_eq(job.target, "198.18.0.0/28");
		pi = port == 22 ? 0 : port == 80 ? 1 : 2;
		cr_assert_eq(ports[pi], port);
		seen[host][pi]++;
		n++;
	}
	cr_assert_eq(n, 48);
	for (int h = 0; h < 16; h++)
		for (int p = 0; p < 3; p++)
			cr_assert_eq(seen[h][p], 1);
}

Test(walksrc, stop_flag_ends_the_walk)
{
	volatile int stop = 0;
	struct ps_probe_job job;

	src.stop = &stop;
	cr_assert_eq(ps_walksrc_next(&src, &job), 1);
	stop = 2;
	cr_assert_eq(ps_walksrc_next(&src, &job), 0);
}

static int nskipped;
static void on_skip(void *ctx, const struct ps_probe_job *job)
{
	(void)ctx;
	cr_assert_eq(job->tag, 101);
	nskipped++;
}

Test(walksrc, judged_hosts_are_not_probed)
{
	struct ps_hoststate hs;
	struct probe_result r = { 0 };
	struct ps_probe_job job;
	int n = 0;

	cr_assert_eq(ps_hoststate_init(&hs, 116, &err), 0);
	r.state = PS_PROBE_ERROR;
	r.reason = "no-route";
	cr_assert_eq(ps_hoststate_learn(&hs, 100, &r), PS_HOST_UNKNOWN);
	cr_assert_eq(ps_hoststate_learn(&hs, 100, &r), PS_HOST_NOROUTE);
	r.state = PS_PROBE_UNREACHABLE;
	r.reason = "host-unreachable";
	(void)ps_hoststate_learn(&hs, 101, &r);
	r.state = PS_PROBE_CLOSED;
	(void)ps_hoststate_learn(&hs, 102, &r);
	r.state = PS_PROBE_UNREACHABLE;
	cr_assert_eq(ps_hoststate_learn(&hs, 102, &r), PS_HOST_UP, "up is final");
	cr_assert_eq(ps_hoststate_get(&hs, 102), PS_HOST_UP);
	src.hosts = &hs;
	src.skipped = on_skip;
	nskipped = 0;
	while (ps_walksrc_next(&src, &job)) {
		cr_assert(job.tag != 100 && job.tag != 101);
		n++;
	}
	cr_assert_eq(n, 42);
	cr_assert_eq(nskipped, 3);
	ps_hoststate_free(&hs);
}

Test(walksrc, after_discovery_only_hosts_up_are_probed)
{
	struct ps_hoststate hs;
	struct probe_result r;
	struct ps_probe_job job;
	int n = 0;

	cr_assert_eq(ps_hoststate_init(&hs, 116, &err), 0);
	memset(&r, 0, sizeof(r));
	r.state = PS_PROBE_OPEN;
	(void)ps_hoststate_learn(&hs, 103, &r);
	(void)ps_hoststate_learn(&hs, 111, &r);
	src.hosts = &hs;
	src.only_up = true;
	src.skipped = on_skip;
	nskipped = 0;
	while (ps_walksrc_next(&src, &job)) {
		cr_assert(job.tag == 103 || job.tag == 111, "tag %u", job.tag);
		n++;
	}
	cr_assert_eq(n, 6);
	cr_assert_eq(nskipped, 0, "hosts not up are dropped, not reported");
	ps_hoststate_free(&hs);
}
