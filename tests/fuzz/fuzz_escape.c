/* libFuzzer target for the escapes (probe/escape.c). ps_escape of any bytes is printable
 * ASCII, fits, and ps_unescape gives the bytes back (when nothing was cut); ps_unescape of
 * any text stays in its buffer or names the bad backslash.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/escape_corpus). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 4 * size + 1, n;
	char *out, *back, *text;
	const char *bad = NULL;
	long m;

	if (size > 4096)
		return 0;
	out = malloc(cap);
	back = malloc(size + 1);
	text = malloc(size + 1);
	if (!out || !back || !text)
		goto end;
	n = ps_escape((const char *)data, size, out, cap);
	if (n >= cap || out[n] != '\0' || strlen(out) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();	/* no control or non-ASCII byte ever comes out */
	m = ps_unescape(out, back, size + 1, &bad);
	if (m != (long)size || memcmp(back, data, size) != 0)
		abort();	/* the escapes read back as the bytes they stand for */
	/* Any text as typed: parsed into its buffer, or refused at a backslash. */
	memcpy(text, data, size);
	text[size] = '\0';
	bad = NULL;
	m = ps_unescape(text, back, size + 1, &bad);
	if (m < 0 ? (bad && (bad < text || bad > text + size)) : m > (long)size)
		abort();
	/* A tiny buffer: cut at an escape boundary, still terminated. */
	n = ps_escape((const char *)data, size, out, 5);
	if (n > 4 || out[n] != '\0')
		abort();
end:
	free(out);
	free(back);
	free(text);
	return 0;
}
