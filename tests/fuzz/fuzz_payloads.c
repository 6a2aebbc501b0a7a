/* libFuzzer target for payloads (probe/payloads.c): --payload text and --payload-hex
 * parse within PS_UDP_PAYLOAD_MAX or say why; the responder's request and reply
 * recognisers never read past the datagram; a reply built from any text fits its buffer.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/payloads_corpus). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/payloads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_payload p;
	char *s, reply[PS_RESPONDER_REQUEST_SIZE + 1];
	const char *info;
	size_t ilen, n;
	ps_err err;

	if (size > 8192)
		return 0;
	/* The datagram exactly as received: an allocation of its size, so ASan sees any
	 * read past it. */
	if (ps_payload_is_reply(data, size, &info, &ilen) &&
	    ((const uint8_t *)info < data || (const uint8_t *)info + ilen > data + size))
		abort();
	(void)ps_payload_is_request(data, size);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ps_payload_parse_text(s, &p, &err) == 0 ? p.len > PS_UDP_PAYLOAD_MAX : !err.msg[0])
		abort();
	if (ps_payload_parse_hex(s, &p, &err) == 0 ? p.len > PS_UDP_PAYLOAD_MAX : !err.msg[0])
		abort();
	n = ps_payload_reply_build(reply, sizeof(reply), s);
	if (n >= sizeof(reply) || reply[n] != '\0' ||
	    !ps_payload_is_reply((const uint8_t *)reply, n, NULL, NULL))
		abort();
	free(s);
	return 0;
}
