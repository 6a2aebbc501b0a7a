/* Start-up cost of a large scan's job stream: time and peak memory to build the set for
 * 198.18.0.0/15 x ports 1-1024 (134 million jobs) and to walk its first million jobs in
 * permuted order. Nothing is sent. Build and run:
 *   cc -O2 -std=gnu11 -D_GNU_SOURCE -I. -o build/addrwalk tests/bench/addrwalk.c \
 *     probe/addrspace.c probe/addrset.c probe/addrwalk.c probe/err.c probe/escape.c
 *   build/addrwalk [JOBS] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "probe/addrspace.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	static uint16_t ports[1024];
	long want = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long rss0 = maxrss_kb(), n = 0;
	struct ps_addrspace set;
	struct ps_addrwalk w;
	struct ps_addrjob job;
	unsigned long sum = 0;
	double t0, t1, t2;
	ps_err err;
	char total[40];

	for (int i = 0; i < 1024; i++)
		ports[i] = (uint16_t)(i + 1);
	t0 = now();
	ps_addrspace_init(&set);
	if (ps_addrspace_add(&set, "198.18.0.0/15", false, &err) != 0 ||
	    ps_addrspace_finalize(&set, false, &err) < 0 ||
	    ps_addrwalk_init(&w, &set, ports, 1024, 42, 0, 1, &err) < 0) {
		fprintf(stderr, "addrwalk: %s\n", err.msg);
		return 1;
	}
	t1 = now();
	while (n < want && ps_addrwalk_next(&w, &job)) {
		sum += job.port + (unsigned char)job.address[8];
		n++;
	}
	t2 = now();
	printf("jobs in all: %s\n", ps_u128_text(ps_addrwalk_total(&w), total));
	printf("set-up: %.1f us; first %ld jobs: %.3f s (%.0f ns/job, %.1f M jobs/s)\n",
	       (t1 - t0) * 1e6, n, t2 - t1, (t2 - t1) * 1e9 / (double)n,
	       (double)n / (t2 - t1) / 1e6);
	printf("peak RSS: %ld kB (%ld kB before set-up); checksum %lu\n", maxrss_kb(), rss0, sum);
	ps_addrspace_free(&set);
	return 0;
}
