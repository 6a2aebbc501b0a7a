/* libFuzzer target for the policy loader: jansson's parse, then the schema checks and the
 * text scan that locates an error's key or value (which walks the same bytes again).
 * Build and run (see README):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_policy tests/fuzz/fuzz_policy.c probe/policy.c probe/jsonpos.c \
 *     probe/ports.c probe/err.c probe/sockdiag.c probe/escape.c \
 *     $(pkg-config --cflags --libs jansson libmnl)
 *   build/fuzz_policy -max_total_time=60 tests/fuzz/policy_corpus */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_policy p;
	ps_err err;

	if (ps_policy_parse((const char *)data, size, "f", &p, &err) == 0)
		ps_policy_free(&p);
	return 0;
}
