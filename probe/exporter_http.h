/* The exporter's HTTP server on libmicrohttpd: a thread per connection (a probe blocks
 * its request, never the others), bounded connections, request size and time, only GET
 * and HEAD, the routes /, /-/healthy, /metrics and /probe. The server never renders:
 * cmd/ hands in hooks that write the pages with report/ and log events. */
#ifndef PS_EXPORTER_HTTP_H
#define PS_EXPORTER_HTTP_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/err.h"
#include "probe/exporter_cfg.h"
#include "probe/exporter_probe.h"
#include "probe/exporter_stats.h"
#include "probe/plan.h"
#include "probe/targets.h"

/* One log event: one line on stderr (text or NDJSON, by cmd/). Unused fields NULL/0. */
struct ps_xevent {
	const char *event;	/* listening, request, reload, reload-failed, stopping, error */
	const char *method, *path, *remote;
	int status;
	double duration_ms;
	const char *detail;	/* why, for refusals and failures; text from outside, raw */
};

struct ps_xsrv_hooks {
	ps_plan_engine_fn engine_for;
	/* Write the scrape-time part of /metrics (inventory, audit). Returns 0, or -1. */
	int (*metrics)(FILE *f, void *ctx);
	/* The exporter's figures, after the scrape-time part. */
	void (*stats)(FILE *f, const struct ps_xstats *s, void *ctx);
	/* The page of one probe. */
	void (*probe_page)(FILE *f, const struct ps_xprobe *p, void *ctx);
	/* Called from any thread, one event at a time (the server serializes calls). */
	void (*log)(const struct ps_xevent *ev, void *ctx);
	void *ctx;
};

struct ps_xsrv_opts {
	union ps_sockaddr listen;
	unsigned max_probes;		/* probes in flight; past it 503 */
	unsigned max_connections;	/* open connections; past it refused at accept */
	unsigned idle_timeout_s;	/* a connection idle this long is closed */
	unsigned request_timeout_s;	/* a request not answered this long is cut */
	bool log_requests;		/* log every request, not only refusals */
};

struct ps_xsrv;

/* Start serving with config c (taken over). Returns the server, or NULL with err
 * (PS_ERR_SYSTEM: the address is in use or not ours). */
struct ps_xsrv *ps_xsrv_start(const struct ps_xsrv_opts *o, const struct ps_xsrv_hooks *h,
			      struct ps_xconfig *c, ps_err *err);
/* Swap in a new config (taken over); requests in progress finish with the old one. */
void ps_xsrv_set_config(struct ps_xsrv *s, struct ps_xconfig *c);
/* Count a reload attempt (failed: the old config stays). */
void ps_xsrv_count_reload(struct ps_xsrv *s, bool failed);
/* Log an event through the hooks, serialized with the server's own. */
void ps_xsrv_log(struct ps_xsrv *s, const struct ps_xevent *ev);
/* Stop accepting, finish what runs, free everything. */
void ps_xsrv_stop(struct ps_xsrv *s);

#endif
