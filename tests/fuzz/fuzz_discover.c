/* libFuzzer target for host discovery's reply parser (probe/discover.c): any datagram, as
 * any socket kind (first byte: bit 0 IPv6, bit 1 raw), is read within its bounds, and an
 * accepted one is an echo reply that carries the identifier on a raw socket.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/discover_corpus). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool v6, raw;
	uint8_t *copy;
	size_t slot = 0;
	uint64_t host = 0;

	if (size < 1 || size > 4096)
		return 0;
	v6 = data[0] & 1;
	raw = data[0] & 2;
	/* An exact-size copy, so reading past the datagram is a heap overflow. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (ps_discover_parse_reply(copy, size - 1, v6, raw, 0x1234, &slot, &host)) {
		if (slot > 0xffff || size - 1 < 16)
			abort();
	}
	free(copy);
	return 0;
}
