/* libFuzzer target for the policy loader: jansson's parse, then the schema checks and the
 * text scan that locates an error's key or value (which walks the same bytes again).
 * Build and run: `make fuzz` builds build/fuzz/fuzz_policy; `make fuzz-run FUZZ_SECONDS=60`
 * runs it from the seeds in tests/fuzz/policy_corpus. */
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
