/* libFuzzer target for port specs (probe/ports.c): ps_ports_parse_spec and the
 * command-line form ps_ports_parse_arg, with and without port 0 and a protocol. A spec
 * either parses into a set that holds only valid ports, or fails with a message.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/ports_corpus). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[] = { NULL, "tcp", "udp" };
	char *s;

	if (size > 4096 || !size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	for (int k = 0; k < 2; k++) {
		struct ps_portset set;
		ps_err err;
		bool zero = data[0] & 1;
		const char *proto = protos[(data[0] >> 1) % 3];
		int rc;

		memset(&set, 0, sizeof(set));
		rc = k ? ps_ports_parse_arg(s, proto, zero, &set, &err)
		       : ps_ports_parse_spec(s, proto, zero, &set, &err);
		if (rc < 0) {
			if (!err.msg[0])
				abort();	/* a refusal always says why */
			continue;
		}
		if (!zero && ps_portset_has(&set, 0))
			abort();
		if (ps_portset_next(&set, 0) > 65535)
			abort();
		/* count is the number of members. */
		unsigned members = 0;

		for (size_t w = 0; w < sizeof(set.bits) / sizeof(set.bits[0]); w++)
			members += (unsigned)__builtin_popcountll(set.bits[w]);
		if (members != set.count)
			abort();
	}
	free(s);
	return 0;
}
