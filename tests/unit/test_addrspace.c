/* Target sets of address ranges (forms, excludes, counts, limits), the permuted walk of
 * hosts x ports and its shards, and the target-file reader. Nothing here sends a packet. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "probe/addrspace.h"

static struct ps_addrspace set;
static ps_err err;

static void setup(void)
{
	ps_addrspace_init(&set);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	ps_addrspace_free(&set);
}

TestSuite(addrspace, .init = setup, .fini = teardown);

/* Add every target of a NULL-terminated list, and every exclude, then finalize. */
static int build(const char *const *targets, const char *const *excludes, bool force)
{
	for (; targets && *targets; targets++)
		if (ps_addrspace_add(&set, *targets, false, &err) != 0)
			return -1;
	for (; excludes && *excludes; excludes++)
		if (ps_addrspace_add(&set, *excludes, true, &err) != 0)
			return -1;
	return ps_addrspace_finalize(&set, force, &err);
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *host_text(ps_u128 h)
{
	static struct ps_addrjob job;

	ps_addrspace_host(&set, h, 80, &job);
	return job.address;
}

static const char *count_text(void)
{
	static char buf[40];

	return ps_u128_text(ps_addrspace_count(&set), buf);
}

Test(addrspace, ipv4_cidr)
{
	cr_assert_eq(build(LIST("198.18.0.0/16"), NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 65536);
	cr_assert_str_eq(host_text(0), "198.18.0.0");
	cr_assert_str_eq(host_text(65535), "198.18.255.255");
}

Test(addrspace, ipv4_cidr_host_bits_ignored)
{
	cr_assert_eq(build(LIST("198.18.0.5/24", "198.18.9.9/32"), NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 257);
	cr_assert_str_eq(host_text(0), "198.18.0.0");
	cr_assert_str_eq(host_text(256), "198.18.9.9");
}

Test(addrspace, ipv4_octet_ranges)
{
	struct ps_addrjob job;

	cr_assert_eq(build(LIST("198.18.0-3.1-254"), NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 4 * 254);
	cr_assert_eq(set.len, 4);
	cr_assert_str_eq(host_text(0), "198.18.0.1");
	cr_assert_str_eq(host_text(253), "198.18.0.254");
	cr_assert_str_eq(host_text(254), "198.18.1.1");
	cr_assert_str_eq(host_text(4 * 254 - 1), "198.18.3.254");
	ps_addrspace_host(&set, 5, 443, &job);
	cr_assert_str_eq(job.target, "198.18.0-3.1-254");
	cr_assert_eq(ntohs(job.addr.v4.sin_port), 443);
	cr_assert_eq(job.port, 443);
}

Test(addrspace, ipv4_last_octet_range_and_literal)
{
	cr_assert_eq(build(LIST("198.18.0.2-4", "198.18.1.1", "198.18.2-3.0-255"), NULL, false),
		     0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 3 + 1 + 512);
	cr_assert_eq(set.len, 3);	/* 2-3.0-255 is one run of 512 */
	cr_assert_str_eq(host_text(2), "198.18.0.4");
	cr_assert_str_eq(host_text(3), "198.18.1.1");
}

Test(addrspace, ipv6_forms)
{
	cr_assert_eq(build(LIST("2001:db8::/112", "[2001:db8:1::1]", "2001:db8:2::7"), NULL,
			   false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 65536 + 2);
	cr_assert_str_eq(host_text(0), "2001:db8::");
	cr_assert_str_eq(host_text(65535), "2001:db8::ffff");
	cr_assert_str_eq(host_text(65536), "2001:db8:1::1");
	cr_assert_str_eq(host_text(65537), "2001:db8:2::7");
}

Test(addrspace, ipv6_scope_kept)
{
	struct ps_addrjob job;
	unsigned lo = if_nametoindex("lo");

	cr_assert_eq(build(LIST("fe80::1%lo", "fe80::%lo/120"), NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 256);	/* ::1 is inside the /120 */
	ps_addrspace_host(&set, 1, 22, &job);
	cr_assert_str_eq(job.address, "fe80::1%lo");
	cr_assert_eq(job.addr.v6.sin6_scope_id, lo);
	cr_assert_eq(job.addr.v6.sin6_family, AF_INET6);
	cr_assert_eq(ntohs(job.addr.v6.sin6_port), 22);
}

Test(addrspace, names_are_handed_back)
{
	static const char *const names[] = { "example.org", "localhost", "my-host", "h1",
					     "198.18.0.1%eth0" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err.kind = PS_ERR_NONE;
		cr_assert_eq(ps_addrspace_add(&set, names[i], false, &err), 1, "%s", names[i]);
		cr_assert_eq(err.kind, PS_ERR_NONE);
	}
	cr_assert_eq(set.len, 0);
	cr_assert_eq(set.ntokens, 0);
}

Test(addrspace, bad_forms_name_the_token)
{
	static const char *const bad[][2] = {
		{ "198.18.0.256", "'198.18.0.256'" }, { "198.18.0", "'198.18.0'" },
		{ "198.18.0.1.2", "'198.18.0.1.2'" }, { "198.18.4-2.1", "'198.18.4-2.1'" },
		{ "198.18.01.1", "'198.18.01.1'" }, { "198.18.0.0/33", "prefix length" },
		{ "2001:db8::/129", "'2001:db8::/129'" }, { "2001:db8::g", "'2001:db8::g'" },
		{ "fe80::1", "needs %IFNAME" }, { "fe80::/64", "needs %IFNAME" },
		{ "fe80::1%nosuchif0", "unknown interface 'nosuchif0'" },
		{ "198.18.0-3.0/24", "'198.18.0-3.0/24'" }, { "198.18.0.0/", "'198.18.0.0/'" },
		{ "/24", "'/24'" }, { "1-2", "'1-2'" }, { "198.18.0.0/024", "'198.18.0.0/024'" },
		{ "198.18.0.1\x01/24", "'198.18.0.1\\x01/24'" }, { "", "empty" },
		{ "[198.18.0.1]", "'[198.18.0.1]'" }, { "198.18.0.-1", "'198.18.0.-1'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.kind = PS_ERR_NONE;
		cr_assert_eq(ps_addrspace_add(&set, bad[i][0], false, &err), -1, "%s", bad[i][0]);
		cr_assert_eq(err.kind, PS_ERR_INPUT, "%s", bad[i][0]);
		cr_assert(strstr(err.msg, bad[i][1]), "%s: %s", bad[i][0], err.msg);
	}
	cr_assert_eq(set.len, 0);
	cr_assert_eq(set.exlen, 0);
}

Test(addrspace, overlapping_targets_count_once)
{
	struct ps_addrjob job;

	cr_assert_eq(build(LIST("198.18.0.0/25", "198.18.0.5", "198.18.0.0/24", "198.18.0.0/24"),
			   NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 256);
	ps_addrspace_host(&set, 5, 1, &job);
	cr_assert_str_eq(job.target, "198.18.0.0/25");
	ps_addrspace_host(&set, 200, 1, &job);
	cr_assert_str_eq(job.target, "198.18.0.0/24");
}

Test(addrspace, exclude_splits_a_range)
{
	cr_assert_eq(build(LIST("198.18.0.0/24"), LIST("198.18.0.128/28"), false), 0, "%s",
		     err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 240);
	cr_assert_eq(set.len, 2);
	cr_assert_str_eq(host_text(127), "198.18.0.127");
	cr_assert_str_eq(host_text(128), "198.18.0.144");
	cr_assert_str_eq(host_text(239), "198.18.0.255");
}

Test(addrspace, exclude_forms)
{
	cr_assert_eq(build(LIST("198.18.0.0/24", "2001:db8::/120"),
			   LIST("198.18.0.1-9", "198.18.0.255", "2001:db8::/121", "198.19.0.0/16"),
			   false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 256 - 10 + 128);
	cr_assert_str_eq(host_text(0), "198.18.0.0");
	cr_assert_str_eq(host_text(1), "198.18.0.10");
	cr_assert_str_eq(host_text(246), "2001:db8::80");
}

Test(addrspace, exclude_removes_everything)
{
	cr_assert_eq(build(LIST("198.18.0.0/24", "198.18.1.7"), LIST("198.18.0.0/16"), false), 0,
		     "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 0);
	cr_assert_eq(set.len, 0);
}

Test(addrspace, unscoped_exclude_applies_to_every_scope)
{
	cr_assert_eq(build(LIST("fe80::%lo/126", "2001:db8::%lo/126"),
			   LIST("2001:db8::1", "fe80::2%lo"), false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 6);
}

Test(addrspace, limit_2_24_refused_without_force)
{
	cr_assert_eq(build(LIST("198.18.0.0/24", "10.0.0.0/8"), NULL, false), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert(strstr(err.msg, "'10.0.0.0/8'"), "%s", err.msg);
	cr_assert(strstr(err.msg, "--force"), "%s", err.msg);
}

Test(addrspace, limit_2_24_with_force)
{
	cr_assert_eq(build(LIST("198.18.0.0/24", "10.0.0.0/8"), NULL, true), 0, "%s", err.msg);
	cr_assert_str_eq(count_text(), "16777472");
}

Test(addrspace, limit_counts_after_excludes)
{
	cr_assert_eq(build(LIST("10.0.0.0/8", "198.18.0.0/24"), LIST("10.0.0.0/24"), false), 0,
		     "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), (ps_u128)1 << 24);
}

Test(addrspace, ipv6_slash_64_counts)
{
	cr_assert_eq(build(LIST("2001:db8::/64"), NULL, false), -1);
	cr_assert(strstr(err.msg, "'2001:db8::/64'"), "%s", err.msg);
	ps_addrspace_free(&set);
	cr_assert_eq(build(LIST("2001:db8::/64", "2001:db8:0:1::/64"), NULL, true), 0, "%s",
		     err.msg);
	cr_assert_eq(ps_addrspace_count(&set), (ps_u128)1 << 65);
	cr_assert_str_eq(count_text(), "36893488147419103232");
	cr_assert_str_eq(host_text(((ps_u128)1 << 65) - 1), "2001:db8:0:1:ffff:ffff:ffff:ffff");
}

Test(addrspace, hard_limit_even_with_force)
{
	cr_assert_eq(build(LIST("2001:db8::/16"), NULL, true), -1);
	cr_assert(strstr(err.msg, "'2001:db8::/16'"), "%s", err.msg);
	ps_addrspace_free(&set);
	cr_assert_eq(build(LIST("::/0"), NULL, true), -1);
	cr_assert(strstr(err.msg, "2^96"), "%s", err.msg);
	ps_addrspace_free(&set);
	cr_assert_eq(build(LIST("0.0.0.0/0"), NULL, true), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), (ps_u128)1 << 32);
}

Test(addrspace, resolved_addresses_keep_the_name)
{
	union ps_sockaddr sa = { 0 };
	struct ps_addrjob job;

	sa.v4.sin_family = AF_INET;
	sa.v4.sin_addr.s_addr = htonl(0xc6120007);	/* 198.18.0.7 */
	cr_assert_eq(ps_addrspace_add_addr(&set, &sa, "gateway.example", false, &err), 0);
	cr_assert_eq(ps_addrspace_finalize(&set, false, &err), 0);
	ps_addrspace_host(&set, 0, 53, &job);
	cr_assert_str_eq(job.address, "198.18.0.7");
	cr_assert_str_eq(job.target, "gateway.example");
}

Test(addrspace, u128_text)
{
	char buf[40];

	cr_assert_str_eq(ps_u128_text(0, buf), "0");
	cr_assert_str_eq(ps_u128_text(~(ps_u128)0, buf), "340282366920938463463374607431768211455");
}

/* ps_perm_at over [0, n) hits every value exactly once. */
static void check_perm(ps_u128 n, uint64_t seed)
{
	struct ps_perm p;
	unsigned char *seen = calloc((size_t)n, 1);

	cr_assert_not_null(seen);
	ps_perm_init(&p, n, seed);
	for (ps_u128 i = 0; i < n; i++) {
		ps_u128 v = ps_perm_at(&p, i);

		cr_assert(v < n);
		cr_assert_eq(seen[(size_t)v], 0, "value seen twice for n=%u", (unsigned)n);
		seen[(size_t)v] = 1;
	}
	free(seen);
}

Test(addrspace, permutation_visits_each_once)
{
	static const unsigned sizes[] = { 1, 2, 3, 97, 1024, 4096, 7000, 65521 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		check_perm(sizes[i], 1);
		check_perm(sizes[i], 0xdeadbeef);
	}
}

static const uint16_t ports7[] = { 22, 1, 80, 443, 8080, 65535, 53 };

/* 1000 hosts (198.18.0-3.1-250) x 7 ports. */
static void build_1000(void)
{
	cr_assert_eq(build(LIST("198.18.0-3.1-250"), NULL, false), 0, "%s", err.msg);
	cr_assert_eq(ps_addrspace_count(&set), 1000);
}

/* The job index a job's address and port stand for: checks the mapping both ways. */
static size_t job_slot(const struct ps_addrjob *job)
{
	uint32_t a = ntohl(job->addr.v4.sin_addr.s_addr);
	size_t h = ((a >> 8) & 0xff) * 250 + (a & 0xff) - 1, pi = 0;

	cr_assert_eq(a >> 16, 0xc612);
	while (pi < 7 && ports7[pi] != job->port)
		pi++;
	cr_assert(pi < 7);
	cr_assert_eq(ntohs(job->addr.v4.sin_port), job->port);
	cr_assert_eq(job->index, h * 7 + pi);
	return h * 7 + pi;
}

/* Walk one shard, marking seen[]; returns the jobs it yielded. */
static size_t walk_shard(uint64_t seed, uint32_t shard, uint32_t nshards, unsigned char *seen)
{
	struct ps_addrwalk w;
	struct ps_addrjob job;
	size_t n = 0;

	cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 7, seed, shard, nshards, &err), 0);
	while (ps_addrwalk_next(&w, &job)) {
		size_t slot = job_slot(&job);

		cr_assert_eq(seen[slot], 0, "job %zu twice", slot);
		seen[slot] = 1;
		n++;
	}
	cr_assert_eq(ps_addrwalk_total(&w), n);
	return n;
}

Test(addrspace, walk_yields_every_job_once)
{
	unsigned char seen[7000] = { 0 };

	build_1000();
	cr_assert_eq(walk_shard(42, 0, 1, seen), 7000);
	for (size_t i = 0; i < 7000; i++)
		cr_assert_eq(seen[i], 1);
}

Test(addrspace, four_shards_make_the_whole)
{
	unsigned char seen[7000] = { 0 };
	size_t total = 0;

	build_1000();
	for (uint32_t s = 0; s < 4; s++)
		total += walk_shard(7, s, 4, seen);
	cr_assert_eq(total, 7000);
	for (size_t i = 0; i < 7000; i++)
		cr_assert_eq(seen[i], 1);
}

Test(addrspace, more_shards_than_jobs)
{
	struct ps_addrwalk w;
	struct ps_addrjob job;
	int n = 0;

	cr_assert_eq(build(LIST("198.18.0.1-3"), NULL, false), 0);
	for (uint32_t s = 0; s < 5; s++) {
		cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 1, 3, s, 5, &err), 0);
		cr_assert_eq(ps_addrwalk_total(&w), s < 3 ? 1 : 0);
		while (ps_addrwalk_next(&w, &job))
			n++;
	}
	cr_assert_eq(n, 3);
	cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 1, 3, 5, 5, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 1, 3, 0, 0, &err), -1);
}

Test(addrspace, empty_set_walks_nothing)
{
	struct ps_addrwalk w;
	struct ps_addrjob job;

	cr_assert_eq(build(LIST("198.18.0.0/24"), LIST("198.18.0.0/24"), false), 0);
	cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 7, 1, 0, 1, &err), 0);
	cr_assert_eq(ps_addrwalk_next(&w, &job), 0);
	cr_assert_eq(ps_addrwalk_total(&w), 0);
}

static void order(uint64_t seed, ps_u128 *out, size_t n)
{
	struct ps_addrwalk w;
	struct ps_addrjob job;

	cr_assert_eq(ps_addrwalk_init(&w, &set, ports7, 7, seed, 0, 1, &err), 0);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(ps_addrwalk_next(&w, &job), 1);
		out[i] = job.index;
	}
}

Test(addrspace, seed_decides_the_order)
{
	ps_u128 a[200], b[200], c[200];
	size_t same = 0, spread = 0;

	build_1000();
	order(1234, a, 200);
	order(1234, b, 200);
	order(1235, c, 200);
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	for (size_t i = 0; i < 200; i++) {
		same += a[i] == c[i];
		spread += a[i] / 7 != (i ? a[i - 1] / 7 : ~(ps_u128)0);
	}
	cr_assert_lt(same, 10, "different seeds gave %zu equal positions", same);
	cr_assert_gt(spread, 190, "consecutive jobs on one host %zu times", 200 - spread);
}

static int collect_name(void *ctx, const char *tok, ps_err *e)
{
	(void)e;
	strcat(ctx, tok);
	strcat(ctx, ";");
	return 0;
}

Test(addrspace, file_reader)
{
	static const char text[] = "\xef\xbb\xbf# scan list\n\n  198.18.0.1  \n198.18.1.0/30 # four\n"
				   "\t2001:db8::/126\r\nexample.org\n#198.18.9.9\n198.18.0.1";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	char names[100] = "";

	cr_assert_eq(ps_addrspace_read_file(&set, f, "list.txt", false, collect_name, names,
					    &err), 0, "%s", err.msg);
	fclose(f);
	cr_assert_str_eq(names, "example.org;");
	cr_assert_eq(ps_addrspace_finalize(&set, false, &err), 0);
	cr_assert_eq(ps_addrspace_count(&set), 1 + 4 + 4);
}

static void bad_file(const char *text, const char *want)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	ps_addrspace_free(&set);
	cr_assert_eq(ps_addrspace_read_file(&set, f, "list.txt", true, NULL, NULL, &err), -1,
		     "%s", text);
	fclose(f);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert(strstr(err.msg, want), "%s: %s", text, err.msg);
}

Test(addrspace, file_reader_errors_name_the_line)
{
	bad_file("198.18.0.1\n# fine\n198.18.0.300\n", "list.txt:3: invalid IPv4 address or range "
		 "'198.18.0.300'");
	bad_file("198.18.0.1 198.18.0.2\n", "list.txt:1: one target per line");
	bad_file("\n\nexample.org\n", "list.txt:3: 'example.org' is not an address form");
	bad_file("198.18.0.1\nfe80::1\n", "list.txt:2: link-local");
}

Test(addrspace, file_reader_long_line)
{
	static char text[1200];

	memset(text, ' ', sizeof(text) - 2);
	memcpy(text + 1100, "198.18.0.1", 10);
	text[sizeof(text) - 2] = '\n';
	bad_file(text, "list.txt:1: line longer than 1024 bytes");
}

Test(addrspace, no_adding_once_final)
{
	union ps_sockaddr sa = { .v4 = { .sin_family = AF_INET } };

	cr_assert_eq(build(LIST("198.18.0.1"), NULL, false), 0);
	cr_assert_eq(ps_addrspace_add(&set, "198.18.0.2", false, &err), -1);
	cr_assert_eq(ps_addrspace_add_addr(&set, &sa, "x", true, &err), -1);
	cr_assert_eq(ps_addrspace_count(&set), 1);
}

Test(addrspace, file_reader_nul_byte)
{
	static const char text[] = "198.18.0.1\n198.18\0.0.2\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	cr_assert_eq(ps_addrspace_read_file(&set, f, "-", false, NULL, NULL, &err), -1);
	fclose(f);
	cr_assert(strstr(err.msg, "-:2: NUL byte"), "%s", err.msg);
}
