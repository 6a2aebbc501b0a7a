/* libFuzzer target for the nftables ruleset parser (probe/nat.c): arbitrary bytes as the
 * JSON `nft -j list ruleset` writes. Every record must be a published port with a rule.
 * Built by make fuzz; seeds in tests/fuzz/nat_corpus. */
#include <stdint.h>
#include <stdlib.h>

#include "probe/nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_sockvec sv = { 0 };
	struct ps_natset rules = { 0 };

	if (ps_nat_parse((const char *)data, size, &rules, &sv, NULL) == 0)
		for (size_t i = 0; i < sv.len; i++)
			if (!sv.v[i].nat || !sv.v[i].local_port || !sv.v[i].remote_port)
				__builtin_trap();
	ps_natset_free(&rules);
	ps_sockvec_free(&sv);
	return 0;
}
