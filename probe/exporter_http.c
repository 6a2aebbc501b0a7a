/* The exporter's HTTP glue (probe/exporter_http.h): libmicrohttpd does the protocol; this
 * file routes, enforces the limits and counts. Limits, and why each: a thread per
 * connection so a slow probe or client holds only its own thread; MHD's connection limit
 * and per-connection memory limit bound memory (a request head over the limit is
 * answered 431 by MHD); MHD's idle timeout closes silent connections, and a watchdog
 * (probe/exporter_watchdog.c) cuts a request that trickles in too slowly, which MHD's
 * idle timer alone would not (each byte restarts it). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/clock.h"
#include "probe/escape.h"
#include "probe/exporter_http.h"
#include "probe/exporter_query.h"
#include "probe/exporter_srv.h"
#include "probe/mhd.h"

#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define SCRAPE_MARGIN_S 0.5	/* blackbox_exporter's default timeout offset */

static const char index_page[] =
	"<html><head><title>portscope exporter</title></head><body>\n"
	"<h1>portscope exporter</h1>\n"
	"<p><a href=\"/metrics\">/metrics</a>: this host's listening sockets and the exporter's "
	"figures</p>\n"
	"<p><a href=\"/probe?target=127.0.0.1:9799&amp;module=tcp\">/probe?target=HOST:PORT&amp;"
	"module=NAME</a>: one probe (modules tcp, udp, tls and the config's)</p>\n"
	"<p><a href=\"/-/healthy\">/-/healthy</a></p>\n</body></html>\n";

void ps_xsrv_log(struct ps_xsrv *s, const struct ps_xevent *ev)
{
	pthread_mutex_lock(&s->log_lock);
	s->hooks.log(ev, s->hooks.ctx);
	pthread_mutex_unlock(&s->log_lock);
}

static struct xcfg_ref *config_get(struct ps_xsrv *s)
{
	struct xcfg_ref *r;

	pthread_mutex_lock(&s->lock);
	r = s->cfg;
	r->refs++;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void config_put(struct ps_xsrv *s, struct xcfg_ref *r)
{
	bool last;

	pthread_mutex_lock(&s->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		ps_xconfig_free(&r->c);
		free(r);
	}
}

static struct xcfg_ref *config_ref(struct ps_xconfig *c)
{
	struct xcfg_ref *r = calloc(1, sizeof(*r));

	if (!r) {
		ps_xconfig_free(c);
		return NULL;
	}
	r->c = *c;
	r->refs = 1;
	memset(c, 0, sizeof(*c));
	return r;
}

void ps_xsrv_set_config(struct ps_xsrv *s, struct ps_xconfig *c)
{
	struct xcfg_ref *r = config_ref(c), *old;

	if (!r)
		return;
	pthread_mutex_lock(&s->lock);
	old = s->cfg;
	s->cfg = r;
	s->stats.reloads++;
	pthread_mutex_unlock(&s->lock);
	config_put(s, old);
}

void ps_xsrv_count_reload(struct ps_xsrv *s, bool failed)
{
	if (!failed)
		return;	/* counted by ps_xsrv_set_config */
	pthread_mutex_lock(&s->lock);
	s->stats.reloads++;
	s->stats.reload_failures++;
	pthread_mutex_unlock(&s->lock);
}

/* Queue buf[0..len) (taken over, freed by MHD) with status and content type. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *buf,
			     size_t len, const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = ps_mhd.create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	(void)ps_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)ps_mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = ps_mhd.queue_response(conn, status, resp);
	ps_mhd.destroy_response(resp);
	return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	size_t n = strlen(text);
	char *buf = malloc(n + 2);

	if (!buf)
		return MHD_NO;
	memcpy(buf, text, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return reply(conn, status, buf, n + 1, status == 200 && text[0] == '<' ? "text/html" : CT_TEXT);
}

/* A refusal: counted, logged (its reason is the body too), one line. */
static enum MHD_Result refuse(struct ps_xsrv *s, struct xreq *rq, unsigned status,
			      const char *why)
{
	enum ps_xrefusal k = status == 400 ? PS_XREF_400 : status == 403 ? PS_XREF_403 :
			     status == 404 ? PS_XREF_404 : status == 405 ? PS_XREF_405 : PS_XREF_503;

	pthread_mutex_lock(&s->lock);
	s->stats.refused[k]++;
	pthread_mutex_unlock(&s->lock);
	rq->status = (int)status;
	snprintf(rq->detail, sizeof(rq->detail), "%s", why);
	return reply_text(rq->conn, status, why);
}

static enum MHD_Result serve_metrics(struct ps_xsrv *s, struct xreq *rq)
{
	uint64_t start = ps_clock_ns();
	struct ps_xstats snap;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return MHD_NO;
	/* One scrape at a time: the inventory walks /proc, and two at once only double it. */
	pthread_mutex_lock(&s->scrape_lock);
	rc = s->hooks.metrics(f, s->hooks.ctx);
	pthread_mutex_lock(&s->lock);
	s->stats.scrapes++;
	s->stats.scrape_seconds += (double)(ps_clock_ns() - start) / 1e9;
	snap = s->stats;
	pthread_mutex_unlock(&s->lock);
	s->hooks.stats(f, &snap, s->hooks.ctx);
	pthread_mutex_unlock(&s->scrape_lock);
	if (fclose(f) != 0 || rc < 0) {
		free(buf);
		rq->status = 500;
		snprintf(rq->detail, sizeof(rq->detail), "the inventory could not be read");
		return reply_text(rq->conn, 500, "the inventory could not be read");
	}
	rq->status = 200;
	return reply(rq->conn, 200, buf, len, CT_PROM);
}

static enum MHD_Result query_pair(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	ps_xquery_add(cls, key ? key : "", value);
	return MHD_YES;
}

/* The module's timeout, capped by Prometheus's scrape timeout less a margin. */
static int probe_timeout(struct MHD_Connection *conn, const struct ps_xmodule *m)
{
	const char *h = ps_mhd.lookup_connection_value(conn, MHD_HEADER_KIND,
						    "X-Prometheus-Scrape-Timeout-Seconds");
	int ms = m->o.timeout_ms;
	char *end;
	double t;

	if (!h)
		return ms;
	t = strtod(h, &end);
	if (end == h || !(t > 0) || t > 1e6)
		return ms;
	t = (t - SCRAPE_MARGIN_S) * 1000;
	if (t < 10)
		t = 10;	/* a scrape timeout under the margin: still try, briefly */
	return t < ms ? (int)t : ms;
}

static void count_probe(struct ps_xsrv *s, const struct ps_xprobe *p)
{
	unsigned i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->stats.nmods; i++)
		if (strcmp(s->stats.mods[i].name, p->mod->name) == 0)
			break;
	if (i == s->stats.nmods) {
		if (i < PS_XSTATS_MODULES) {
			s->stats.nmods++;
			snprintf(s->stats.mods[i].name, sizeof(s->stats.mods[i].name), "%s",
				 p->mod->name);
		} else {
			i = PS_XSTATS_MODULES;
			snprintf(s->stats.mods[i].name, sizeof(s->stats.mods[i].name), "other");
		}
	}
	s->stats.mods[i].success += p->success;
	s->stats.mods[i].failure += !p->success;
	s->stats.mods[i].seconds += p->duration_s;
	pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result probe_page(struct ps_xsrv *s, struct xreq *rq, const struct ps_xprobe *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return MHD_NO;
	s->hooks.probe_page(f, p, s->hooks.ctx);
	if (fclose(f) != 0) {
		free(buf);
		return MHD_NO;
	}
	rq->status = 200;
	if (!p->success)
		snprintf(rq->detail, sizeof(rq->detail), "%s %s", p->mod->name,
			 p->reason ? p->reason : "error");
	return reply(rq->conn, 200, buf, len, CT_PROM);
}

/* Run the probe with a config reference held; 403/503 refusals happen here, before it. */
static enum MHD_Result serve_probe_with(struct ps_xsrv *s, struct xreq *rq,
					const struct ps_xconfig *c, const struct ps_xquery *q)
{
	const struct ps_xmodule *m = ps_xconfig_module(c, q->module);
	struct ps_xprobe *p;
	char why[200];
	enum MHD_Result rc;
	bool ran, busy;

	if (!m) {
		char shown[100];

		ps_escape(q->module, strlen(q->module), shown, sizeof(shown));
		snprintf(why, sizeof(why), "unknown module '%s' in parameter 'module'", shown);
		return refuse(s, rq, 400, why);
	}
	if (!ps_xconfig_allows(c, q->target.host, q->target.port, why, sizeof(why)))
		return refuse(s, rq, 403, why);
	pthread_mutex_lock(&s->lock);
	busy = s->stats.in_flight >= s->opts.max_probes;
	if (!busy)
		s->stats.in_flight++;
	pthread_mutex_unlock(&s->lock);
	if (busy)
		return refuse(s, rq, 503, "too many probes in flight");
	p = malloc(sizeof(*p));
	ran = p && ps_xprobe_run(c, m, &q->target, probe_timeout(rq->conn, m),
				 s->hooks.engine_for, p, why, sizeof(why));
	pthread_mutex_lock(&s->lock);
	s->stats.in_flight--;
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return MHD_NO;
	if (ran) {
		count_probe(s, p);
		rc = probe_page(s, rq, p);
	} else {
		rc = refuse(s, rq, 403, why);
	}
	free(p);
	return rc;
}

static enum MHD_Result serve_probe(struct ps_xsrv *s, struct xreq *rq)
{
	struct ps_xquery q;
	struct xcfg_ref *r;
	enum MHD_Result rc;

	memset(&q, 0, sizeof(q));
	ps_mhd.get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, query_pair, &q);
	if (ps_xquery_finish(&q) < 0)
		return refuse(s, rq, 400, q.why);
	r = config_get(s);
	rc = serve_probe_with(s, rq, &r->c, &q);
	config_put(s, r);
	return rc;
}

static enum MHD_Result route(struct ps_xsrv *s, struct xreq *rq, const char *url,
			     const char *method)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return refuse(s, rq, 405, "only GET is served");
	if (strcmp(url, "/probe") == 0)
		return serve_probe(s, rq);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, rq);
	rq->status = 200;
	if (strcmp(url, "/-/healthy") == 0)
		return reply_text(rq->conn, 200, "Healthy");
	if (strcmp(url, "/") == 0)
		return reply_text(rq->conn, 200, index_page);
	return refuse(s, rq, 404, "not found (/, /metrics, /probe, /-/healthy)");
}

static void log_request(struct ps_xsrv *s, const struct xreq *rq, const char *url,
			const char *method)
{
	const union MHD_ConnectionInfo *ci =
		ps_mhd.get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char remote[INET6_ADDRSTRLEN] = "";
	struct ps_xevent ev = { .event = "request", .method = method, .path = url,
				.status = rq->status, .remote = remote };

	if (ci && ci->client_addr)
		ps_xsrv_addr_text((const union ps_sockaddr *)ci->client_addr, remote,
				  sizeof(remote));
	ev.duration_ms = (double)(ps_clock_ns() - rq->start_ns) / 1e6;
	ev.detail = rq->detail[0] ? rq->detail : NULL;
	ps_xsrv_log(s, &ev);
}

enum MHD_Result ps_xsrv_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_size, void **req_cls)
{
	struct ps_xsrv *s = cls;
	struct xreq rq = { .conn = conn, .start_ns = ps_clock_ns() };
	enum MHD_Result rc;

	(void)version;
	(void)upload_data;
	/* The first call sees the head only; answering there makes MHD close the connection
	 * (a body might follow), so answer on the second, and keep the connection alive. */
	if (!*req_cls) {
		*req_cls = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* nothing served takes a body: dropped */
		return MHD_YES;
	}
	pthread_mutex_lock(&s->lock);
	s->stats.requests++;
	pthread_mutex_unlock(&s->lock);
	rc = route(s, &rq, url, method);
	if (s->opts.log_requests || rq.status >= 400)
		log_request(s, &rq, url, method);
	return rc;
}
