/* libFuzzer target for the rtnetlink parser: arbitrary bytes as a link or address dump,
 * then the names and the MAC text of whatever it made. The recorded dumps
 * tests/fixtures/rtnl_*.bin make a good seed corpus.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_rtaddr tests/fuzz/fuzz_rtaddr.c probe/rtaddr.c probe/nlmsg.c \
 *     probe/err.c $(pkg-config --cflags --libs libmnl)
 *   mkdir -p build/rtaddr_corpus && cp tests/fixtures/rtnl_*.bin build/rtaddr_corpus/
 *   build/fuzz_rtaddr -max_total_time=60 build/rtaddr_corpus */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/rtaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The kernel hands us 4-byte aligned buffers; so does the fuzzer's copy here. */
	static uint32_t buf[65536 / 4];
	struct ps_rtaddr r = { 0 };
	char mac[3 * PS_LINK_ADDR_MAX];
	ps_err err;
	int rc;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	rc = ps_rtaddr_parse(buf, size, &r, &err);
	if (rc < -2 || rc > 1)
		__builtin_trap();
	for (size_t i = 0; i < r.nlinks; i++) {
		if (!memchr(r.links[i].name, 0, sizeof(r.links[i].name)))
			__builtin_trap();
		(void)ps_rtaddr_operstate_name(r.links[i].operstate);
		if (strlen(ps_rtaddr_mac(&r.links[i], mac, sizeof(mac))) >= sizeof(mac))
			__builtin_trap();
	}
	for (size_t i = 0; i < r.naddrs; i++)
		(void)ps_rtaddr_scope_name(r.addrs[i].scope);
	ps_rtaddr_free(&r);
	return 0;
}
