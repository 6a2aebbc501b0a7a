/* The exporter's configuration (portscope exporter --config FILE): probe modules by name
 * (kind tcp, udp or tls, with check's options and defaults) and the targets /probe may
 * reach (allow_targets). A JSON file read like an audit policy: jansson parses it, and a
 * schema error is located as FILE:LINE:COLUMN through probe/jsonpos. Without a file the
 * built-in modules tcp, udp and tls exist and only loopback targets are allowed. */
#ifndef PS_EXPORTER_CFG_H
#define PS_EXPORTER_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/jobs.h"
#include "probe/payloads.h"
#include "probe/ports.h"
#include "probe/targets.h"

enum ps_xmod_kind { PS_XMOD_TCP, PS_XMOD_UDP, PS_XMOD_TLS };

#define PS_XMOD_NAME_MAX 64

/* One module: what a /probe?module=NAME request runs. */
struct ps_xmodule {
	char name[PS_XMOD_NAME_MAX];
	enum ps_xmod_kind kind;
	int family;			/* AF_UNSPEC, AF_INET, AF_INET6 */
	struct ps_probe_opts o;		/* timeout_ms, retries, send, expect, payload */
	char send[PS_PAYLOAD_MAX], expect[PS_PAYLOAD_MAX];
	struct ps_payload payload;
	bool has_payload;
	char *sni, *ca;			/* tls: NULL when not given */
	bool insecure;			/* tls: a verification failure does not fail */
	long cert_days;			/* tls: fail when the chain expires in fewer days; -1 off */
};

/* One allow_targets entry: an address prefix or a host name (exact, or "*.suffix"),
 * with the ports it admits. */
struct ps_xallow {
	bool is_name;
	char *name;			/* lowercase; "*.example.com" matches below it */
	int family;			/* prefix: AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
	struct ps_portset *ports;	/* every port when NULL */
};

struct ps_xconfig {
	struct ps_xmodule *mods;
	size_t nmods;
	struct ps_xallow *allow;
	size_t nallow;
	bool allow_given;		/* false: loopback only */
};

/* The built-in configuration: modules tcp, udp, tls with check's defaults (timeout 1000
 * ms), loopback targets only. Returns 0, or -1 with err (out of memory). */
int ps_xconfig_default(struct ps_xconfig *c, ps_err *err);

/* Parse a configuration from text (len bytes; name for messages). Members: "modules"
 * {NAME: {kind, timeout_ms, retries, send, expect, payload, payload_hex, ip_protocol,
 * sni, ca, insecure, cert_days}}, "allow_targets" [ "CIDR" | "NAME" | {host, ports} ].
 * The built-in modules stay unless the file redefines their names. Returns 0, or -1 with
 * err ("FILE:LINE:COLUMN: reason" for input errors); c is empty after a failure. */
int ps_xconfig_parse(const char *text, size_t len, const char *name, struct ps_xconfig *c,
		     ps_err *err);
/* Read and parse path. As ps_xconfig_parse. */
int ps_xconfig_load(const char *path, struct ps_xconfig *c, ps_err *err);
void ps_xconfig_free(struct ps_xconfig *c);

/* The module named name, or NULL. */
const struct ps_xmodule *ps_xconfig_module(const struct ps_xconfig *c, const char *name);

/* May /probe reach host (a name or a literal, no brackets) on port? A literal must lie in
 * an allowed prefix, a name must match an allowed name; the ports of the entry must hold
 * port. Without allow_targets: loopback literals and "localhost". The resolved addresses
 * of a name are checked again with ps_xconfig_allows_addr. On refusal, why holds one line. */
bool ps_xconfig_allows(const struct ps_xconfig *c, const char *host, uint16_t port,
		       char *why, size_t whylen);
/* For a name allowed by name: true when the resolved address may be probed (always, unless
 * there is no allow list, where it must be loopback). */
bool ps_xconfig_allows_addr(const struct ps_xconfig *c, const union ps_sockaddr *sa);

const char *ps_xmod_kind_name(enum ps_xmod_kind k);

#endif
