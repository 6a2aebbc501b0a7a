/* libFuzzer target for the sock_diag parser: arbitrary bytes as a netlink dump, for both
 * protocols. The recorded dumps in tests/fixtures/ make a good seed corpus.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_sockdiag tests/fuzz/fuzz_sockdiag.c probe/sockdiag.c probe/err.c \
 *     $(pkg-config --cflags --libs libmnl)
 *   build/fuzz_sockdiag -max_total_time=60 tests/fixtures */
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
