/* libFuzzer target for the exporter's /probe query parser (probe/exporter_query.c). The
 * input is split as the HTTP library splits a query string ('&' between pairs, the first
 * '=' between key and value; no '=' gives a NULL value) and each pair is fed in order.
 * Whatever the bytes: no crash, and either a refusal whose reason is printable ASCII and
 * names a parameter, or a target with a port and a module name.
 * Build and run: `make fuzz` builds build/fuzz/fuzz_exporter_query; `make fuzz-run
 * FUZZ_SECONDS=60` runs it from the seeds in tests/fuzz/exporter_query_corpus. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/exporter_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_xquery q;
	char *text = malloc(size + 1), *save = NULL, *pair;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&q, 0, sizeof(q));
	for (pair = strtok_r(text, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		if (eq)
			*eq++ = '\0';
		ps_xquery_add(&q, pair, eq);
	}
	if (ps_xquery_finish(&q) < 0) {
		if (!q.why[0] || !strstr(q.why, "parameter"))
			abort();
		for (const char *p = q.why; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort();
	} else if (q.target.port == 0 || !q.module[0] || !q.target.host[0]) {
		abort();
	}
	free(text);
	return 0;
}
