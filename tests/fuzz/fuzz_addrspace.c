/* libFuzzer target for target sets: the file reader and the address forms on arbitrary
 * bytes (a line starting with '!' is an exclude), finalize, then the permuted walk. For
 * small sets every shard is walked and every job must come exactly once, inside the set.
 * Input: 8 bytes of seed, 1 byte of flags (bit 0 force, bits 1-2 shards - 1, bits 3-4
 * ports - 1), then the lines. Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_addrspace tests/fuzz/fuzz_addrspace.c probe/addrspace.c \
 *     probe/addrset.c probe/addrwalk.c probe/err.c probe/escape.c
 *   build/fuzz_addrspace -max_total_time=60 -rss_limit_mb=4096 tests/fuzz/addrspace_corpus */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/addrspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK_MAX 4096		/* sets with at most this many jobs are checked in full */

static int add_line(void *ctx, const char *tok, ps_err *err)
{
	struct ps_addrspace *s = ctx;
	bool exclude = tok[0] == '!';
	int rc = ps_addrspace_add(s, tok + exclude, exclude, err);

	if (rc < 0 && err->kind != PS_ERR_INPUT && err->kind != PS_ERR_NOMEM)
		__builtin_trap();
	return rc < 0 ? rc : 0;
}

/* Walk every shard; each job once, its address maps back to its host index. */
static void walk_all(const struct ps_addrspace *s, const uint16_t *ports, size_t nports,
		     uint64_t seed, uint32_t nshards)
{
	unsigned char seen[CHECK_MAX] = { 0 };
	ps_u128 jobs = ps_addrspace_count(s) * nports, n = 0;
	struct ps_addrwalk w;
	struct ps_addrjob job, again;
	ps_err err;

	for (uint32_t sh = 0; sh < nshards; sh++) {
		if (ps_addrwalk_init(&w, s, ports, nports, seed, sh, nshards, &err) < 0)
			__builtin_trap();
		while (ps_addrwalk_next(&w, &job)) {
			if (job.index >= jobs || seen[(size_t)job.index]++)
				__builtin_trap();
			ps_addrspace_host(s, job.index / nports, job.port, &again);
			if (strcmp(again.address, job.address) || !job.target)
				__builtin_trap();
			n++;
		}
	}
	if (n != jobs)
		__builtin_trap();
}

/* Walk the first jobs of one shard of a large set. */
static void walk_some(const struct ps_addrspace *s, const uint16_t *ports, size_t nports,
		      uint64_t seed, uint32_t nshards)
{
	struct ps_addrwalk w;
	struct ps_addrjob job;
	ps_err err;

	if (ps_addrwalk_init(&w, s, ports, nports, seed, nshards - 1, nshards, &err) < 0)
		__builtin_trap();
	for (int i = 0; i < 256 && ps_addrwalk_next(&w, &job); i++)
		if (job.index >= ps_addrspace_count(s) * nports)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[] = { 22, 80, 443, 65535 };
	struct ps_addrspace s;
	uint64_t seed;
	uint8_t flags;
	size_t nports;
	uint32_t nshards;
	FILE *f;
	ps_err err;

	if (size < 9)
		return 0;
	memcpy(&seed, data, 8);
	flags = data[8];
	nshards = 1u + ((flags >> 1) & 3);
	nports = 1u + ((flags >> 3) & 3);
	f = fmemopen((void *)(data + 9), size - 9 ? size - 9 : 1, "r");
	if (!f)
		return 0;
	ps_addrspace_init(&s);
	if (ps_addrspace_read_lines(f, "f", add_line, &s, &err) == 0 &&
	    ps_addrspace_finalize(&s, flags & 1, &err) == 0) {
		if (ps_addrspace_count(&s) * nports <= CHECK_MAX)
			walk_all(&s, ports, nports, seed, nshards);
		else
			walk_some(&s, ports, nports, seed, nshards);
	}
	fclose(f);
	ps_addrspace_free(&s);
	return 0;
}
