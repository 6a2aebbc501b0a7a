/* libFuzzer target for the services-database reader (probe/ports.c,
 * ps_ports_services_parse): any file text gives a table whose names are printable ASCII
 * and whose lookups stay in it, by port and by name.
 * Build and run: `make fuzz`, `make fuzz-run FUZZ_SECONDS=60` (seeds: tests/fuzz/services_corpus). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	ps_ports_services_parse((const char *)data, size);
	/* Every port a line of the text could name, both protocols. */
	for (size_t i = 0; i + 1 < size && i < 64; i++) {
		unsigned port = (unsigned)data[i] << 8 | data[i + 1];

		for (int k = 0; k < 2; k++) {
			const char *name = ps_ports_service(port, k ? IPPROTO_UDP : IPPROTO_TCP);

			if (!name)
				continue;
			if (!*name || strlen(name) > 28)
				abort();
			for (const char *c = name; *c; c++)
				if (*c < 0x20 || *c > 0x7e)
					abort();
		}
	}
	for (unsigned port = 0; port < 8; port++)
		(void)ps_ports_service(port, IPPROTO_TCP);
	/* The input's first word as a service name, for either protocol and each. */
	if (size) {
		char name[64];
		size_t n = 0;

		while (n < size && n + 1 < sizeof(name) && data[n] > ' ')
			name[n] = (char)data[n], n++;
		name[n] = '\0';
		if (ps_ports_service_port(name, NULL) > 65535 ||
		    ps_ports_service_port(name, "tcp") > 65535 ||
		    ps_ports_service_port(name, "udp") > 65535)
			abort();
	}
	return 0;
}
