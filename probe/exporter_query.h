/* The query string of GET /probe, checked before anything else happens: target and
 * module, each exactly once, nothing else (a few harmless extras Prometheus or a browser
 * may add are refused too: a typo must not silently probe something else). The HTTP
 * library splits and unescapes the string; this module sees each (key, value) pair in
 * order and decides. Pure: no I/O, fuzzed by tests/fuzz/fuzz_exporter_query.c. */
#ifndef PS_EXPORTER_QUERY_H
#define PS_EXPORTER_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/exporter_cfg.h"
#include "probe/targets.h"

struct ps_xquery {
	struct ps_target target;	/* host and port of target= */
	char module[PS_XMOD_NAME_MAX];
	bool has_target, has_module;
	bool bad;			/* a pair was refused: why says which */
	char why[160];			/* one line, escaped, naming the parameter */
};

/* Take one pair (value NULL: the key had no '='). After the first refusal the rest is
 * ignored. Returns 0, or -1 once q->bad is set. */
int ps_xquery_add(struct ps_xquery *q, const char *key, const char *value);

/* Check that what is required came. Returns 0, or -1 with q->why. */
int ps_xquery_finish(struct ps_xquery *q);

#endif
