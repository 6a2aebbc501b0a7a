/* /probe's query parameters: target=HOST:PORT (or [v6]:PORT) and module=NAME, each once. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/exporter_query.h"

__attribute__((format(printf, 2, 3)))
static int refuse(struct ps_xquery *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->why, sizeof(q->why), fmt, ap);
	va_end(ap);
	q->bad = true;
	return -1;
}

static int take_target(struct ps_xquery *q, const char *value)
{
	char shown[100];
	ps_err err;

	ps_escape(value, strlen(value), shown, sizeof(shown));
	if (!*value)
		return refuse(q, "empty parameter 'target'");
	/* A scheme would choose the protocol: that is the module's job here. */
	if (strstr(value, "://"))
		return refuse(q, "bad parameter 'target': '%s' (HOST:PORT, the module picks tcp or udp)",
			      shown);
	if (ps_targets_parse(value, true, IPPROTO_TCP, &q->target, &err) < 0)
		return refuse(q, "bad parameter 'target': '%s' (HOST:PORT)", shown);
	if (q->target.port == 0)
		return refuse(q, "bad parameter 'target': port 0 in '%s'", shown);
	q->has_target = true;
	return 0;
}

static int take_module(struct ps_xquery *q, const char *value)
{
	size_t n = strlen(value);
	char shown[100];

	if (!n)
		return refuse(q, "empty parameter 'module'");
	for (const char *p = value; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_-.", *p))
			n = sizeof(q->module);
	if (n >= sizeof(q->module)) {
		ps_escape(value, strlen(value), shown, sizeof(shown));
		return refuse(q, "bad parameter 'module': '%s'", shown);
	}
	memcpy(q->module, value, n + 1);
	q->has_module = true;
	return 0;
}

int ps_xquery_add(struct ps_xquery *q, const char *key, const char *value)
{
	char shown[64];

	if (q->bad)
		return -1;
	if (strcmp(key, "target") == 0 || strcmp(key, "module") == 0) {
		bool is_target = key[0] == 't';

		if (is_target ? q->has_target : q->has_module)
			return refuse(q, "repeated parameter '%s'", key);
		if (!value)
			return refuse(q, "parameter '%s' needs a value", key);
		return is_target ? take_target(q, value) : take_module(q, value);
	}
	ps_escape(key, strlen(key), shown, sizeof(shown));
	return refuse(q, "unknown parameter '%s' (target, module)", shown);
}

int ps_xquery_finish(struct ps_xquery *q)
{
	if (q->bad)
		return -1;
	if (!q->has_target)
		return refuse(q, "missing parameter 'target'");
	if (!q->has_module)
		return refuse(q, "missing parameter 'module'");
	return 0;
}
