/* libFuzzer target for target text (probe/targets.c: ps_targets_parse, never the
 * resolver): host:port, [v6]:port, schemes, zones, bare hosts. A target either parses with
 * a port in 1-65535 (when one is needed) or fails with a message.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/targets_corpus). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 2048 || !size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	{
		struct ps_target t;
		ps_err err;
		bool need_port = data[0] & 1;
		uint8_t proto = data[0] & 2 ? IPPROTO_UDP : IPPROTO_TCP;

		memset(&t, 0, sizeof(t));
		if (ps_targets_parse(s, need_port, proto, &t, &err) < 0) {
			if (!err.msg[0])
				abort();	/* a refusal always says why */
		} else if ((need_port && t.port == 0) || !t.host[0] ||
			   memchr(t.host, '\0', sizeof(t.host)) == NULL) {
			abort();
		}
	}
	free(s);
	return 0;
}
