/* libFuzzer target for the STARTTLS reply parsers (probe/starttls.c): the first byte picks
 * the protocol, the second the chunk size the server's bytes arrive in, the rest is what
 * the server says. Queued requests are taken as sent. Besides the sanitizers, it checks
 * the machine's promises: it never uses more than it is given, a verdict is final, and
 * nothing is used while a request waits to be sent.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_starttls tests/fuzz/fuzz_starttls.c probe/starttls.c probe/err.c
 *   build/fuzz_starttls -max_total_time=60 tests/fuzz/starttls_corpus */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe/starttls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_starttls s;
	size_t chunk, off = 2, len, n;
	enum ps_starttls_verdict v;

	if (size < 2)
		return 0;
	ps_starttls_init(&s, (enum ps_starttls_proto)(1 + data[0] % PS_STARTTLS_XMPP), "x.test",
			 NULL);
	chunk = 1 + data[1] % 64;
	while (s.verdict == PS_STARTTLS_MORE && off < size) {
		if (ps_starttls_pending(&s, &len)) {
			if (len > PS_STARTTLS_OUT_MAX || ps_starttls_feed(&s, "x", 1) != 0)
				__builtin_trap();
			ps_starttls_sent(&s, len);
			continue;
		}
		len = size - off < chunk ? size - off : chunk;
		n = ps_starttls_feed(&s, (const char *)data + off, len);
		if (n > len)
			__builtin_trap();
		if (n == 0 && s.verdict == PS_STARTTLS_MORE && !ps_starttls_pending(&s, &len))
			__builtin_trap();
		off += n;
	}
	v = s.verdict;
	if (v != PS_STARTTLS_MORE && (ps_starttls_feed(&s, "220 x\r\n", 7) != 0 || s.verdict != v ||
				      !memchr(s.why, '\0', sizeof(s.why))))
		__builtin_trap();
	return 0;
}
