/* libFuzzer target for the sock_diag parser: arbitrary bytes as a netlink dump, for both
 * protocols. Seeds: the recorded dumps of tests/fixtures/ (linked from
 * tests/fuzz/sockdiag_corpus). `make fuzz` builds build/fuzz/fuzz_sockdiag;
 * `make fuzz-run FUZZ_SECONDS=60` runs it. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_sockvec sv = { 0 };
	ps_err err;
	int rc;

	/* The kernel hands us 4-byte aligned buffers; so does the fuzzer's copy here. */
	static uint32_t buf[65536 / 4];

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	rc = ps_sockdiag_parse(buf, size, IPPROTO_TCP, &sv, &err);
	if (rc < -2 || rc > 1)
		__builtin_trap();
	rc = ps_sockdiag_parse(buf, size, IPPROTO_UDP, &sv, &err);
	if (rc < -2 || rc > 1)
		__builtin_trap();
	for (size_t i = 0; i < sv.len; i++)
		(void)ps_sock_state_name(&sv.v[i]);
	ps_sockvec_free(&sv);
	return 0;
}
