/* libFuzzer target for the SYN scan's packet parsers (probe/syn_pkt.c): arbitrary bytes
 * as what a raw TCP or ICMP socket returned. A packet taken must hold the fields read, and
 * a SYN built from what was parsed must parse back as the same ports. Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_syn_pkt tests/fuzz/fuzz_syn_pkt.c probe/syn_pkt.c
 *   build/fuzz_syn_pkt -max_total_time=60 tests/fuzz/syn_pkt_corpus */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/syn_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_syn_reply r;
	uint8_t pkt[20 + PS_SYN_LEN];

	if (ps_syn_parse_tcp(data, size, &r) == 0) {
		if (size < 40 || r.icmp_type != -1)
			__builtin_trap();
		/* Our SYN toward what answered, wrapped in an IPv4 header, parses back. */
		memset(pkt, 0, 20);
		pkt[0] = 0x45;
		pkt[9] = 6;
		memcpy(pkt + 12, &r.addr, 4);
		ps_syn_build(pkt + 20, 0, r.addr, r.port, r.our_port, r.seq + 1);
		struct ps_syn_reply b;

		if (ps_syn_parse_tcp(pkt, sizeof(pkt), &b) != 0 || b.port != r.port ||
		    b.our_port != r.our_port || b.addr != r.addr)
			__builtin_trap();
	}
	if (ps_syn_parse_icmp(data, size, &r) == 0 && (size < 56 || r.icmp_type != 3))
		__builtin_trap();
	return 0;
}
