/* scan's host discovery: before ports, after options (see cmd/scandiscover.h). */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/interrupt.h"
#include "cmd/scandiscover.h"
#include "probe/clock.h"
#include "probe/discover.h"
#include "report/hosts.h"

void ps_discover_cli_init(struct ps_discover_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = PS_DISCOVER_TIMEOUT_MS;
	c->retries = PS_DISCOVER_RETRIES;
}

void ps_scan_discover_argv(int argc, char **argv)
{
	static char no_discover[] = "--no-discover", only[] = "--discover-only", syn[] = "--syn";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-Pn") == 0)
			argv[i] = no_discover;
		else if (strcmp(argv[i], "-sn") == 0)
			argv[i] = only;
		else if (strcmp(argv[i], "-sS") == 0)
			argv[i] = syn;
	}
}

/* What the engine is told: the discovery options, --rate, --concurrency, --source, the
 * stop flag. */
static void engine_opts(struct ps_discover_opts *d, const struct ps_discover_cli *c,
			const struct ps_probe_opts *po)
{
	memset(d, 0, sizeof(*d));
	d->timeout_ms = c->timeout_ms;
	d->retries = c->retries;
	d->concurrency = po->concurrency;
	d->rate = po->rate;
	d->stop = po->stop;
	d->onlink = true;	/* until the addresses say otherwise */
	d->on_wait = po->on_wait;
	d->wait_ctx = po->wait_ctx;
	d->sources = po->sources;
	d->nsources = po->nsources;
}

/* Whether set meets a subnet of this host's (in doubt: yes, the cautious pace). */
static bool onlink(const struct ps_addrspace *set)
{
	struct ps_rtaddr r = { 0 };
	bool on = true;
	ps_err err;

	if (ps_rtaddr_dump(&r, &err) == 0)
		on = ps_discover_onlink(set, r.addrs, r.naddrs);
	ps_rtaddr_free(&r);
	return on;
}

struct mark_ctx {
	struct ps_hoststate *hosts;
	uint32_t base;
	uint32_t twin;		/* the UDP set's base when it is the TCP set again, else 0 */
};

/* -t -u of the same targets: the UDP set holds the TCP set's addresses in the same order,
 * so one discovery serves both. */
static bool twin_sets(const struct ps_scan_targets *t)
{
	return !t->split && ps_addrspace_count(&t->set[0]) > 1 &&
	       ps_addrspace_count(&t->set[0]) == ps_addrspace_count(&t->set[1]);
}

static void mark_up(const struct ps_host_result *r, void *ctx)
{
	const struct mark_ctx *m = ctx;
	struct probe_result pr;

	if (!r->up)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.state = PS_PROBE_OPEN;	/* what ps_hoststate_learn takes as proof of life */
	(void)ps_hoststate_learn(m->hosts, m->base + r->host, &pr);
	if (m->twin)
		(void)ps_hoststate_learn(m->hosts, m->twin + r->host, &pr);
}

int ps_scan_discover(const struct ps_discover_cli *c, const struct ps_probe_opts *po,
		     const struct ps_scan_targets *t, struct ps_hoststate *hosts, bool *ran)
{
	struct ps_discover_opts d;
	struct mark_ctx m = { hosts, 0, 0 };
	bool twin = twin_sets(t);
	ps_err err;

	*ran = false;
	if (c->off || !hosts->v)
		return PS_EXIT_OK;	/* no table: a set over PS_HOSTSTATE_MAX goes without */
	engine_opts(&d, c, po);
	for (int p = 0; p < 2 && !ps_interrupt_flag; p++) {
		ps_u128 n = ps_addrspace_count(&t->set[p]);

		if (n > 1 && !(p == 1 && twin)) {
			*ran = true;
			m.twin = p == 0 && twin ? (uint32_t)n : 0;
			d.onlink = onlink(&t->set[p]);
			if (ps_discover_run(&t->set[p], &d, mark_up, &m, &err) < 0)
				return ps_cli_err(&err);
		}
		m.base += (uint32_t)n;
	}
	return PS_EXIT_OK;
}

/* --discover-only's sink: records streamed (NDJSON) or kept, and the counts. */
struct only_ctx {
	enum ps_format fmt;
	bool all;
	bool oom;
	uint64_t base;
	uint64_t last_check_ns;
	struct ps_hostrows rows;
};

static void only_host(const struct ps_host_result *r, void *ctx)
{
	struct only_ctx *o = ctx;

	o->rows.addresses++;
	o->rows.up += r->up;
	if (!r->up && !o->all)
		return;
	if (o->fmt == PS_FMT_NDJSON)
		ps_report_host_line(stdout, r);
	else if (ps_hostrows_add(&o->rows, r, o->base + r->host) < 0)
		o->oom = true;
}

/* Lines go out whenever the engine waits; a reader gone stops the run. */
static void only_wait(void *ctx)
{
	struct only_ctx *o = ctx;
	uint64_t now = ps_clock_ns();

	if (o->fmt == PS_FMT_NDJSON && fflush(stdout) != 0)
		ps_interrupt_reader_gone();
	if (now - o->last_check_ns >= 100000000ull) {
		o->last_check_ns = now;
		if (ps_interrupt_stdout_closed())
			ps_interrupt_reader_gone();
	}
}

/* The names that did not resolve, as down hosts. */
static void only_unresolved(struct only_ctx *o, const struct ps_scan_targets *t)
{
	for (size_t i = 0; i < t->nbad; i++) {
		struct ps_host_result r;

		memset(&r, 0, sizeof(r));
		snprintf(r.address, sizeof(r.address), "%s", t->bad[i].name);
		r.host = i;
		r.reason = "resolve";
		r.rtt_ms = -1;
		o->all = true;
		only_host(&r, o);
	}
}

int ps_scan_discover_only(const struct ps_discover_cli *c, const struct ps_probe_opts *po,
			  const struct ps_scan_targets *t, enum ps_format fmt, bool all_states,
			  const struct ps_view *v)
{
	struct only_ctx o = { .fmt = fmt, .all = all_states };
	struct ps_probe_opts wo = *po;
	struct ps_discover_opts d;
	uint64_t start = ps_clock_ns();
	int rc = PS_EXIT_OK;
	ps_err err;

	wo.on_wait = only_wait;
	wo.wait_ctx = &o;
	engine_opts(&d, c, &wo);
	/* -t -u of the same targets: each host once. */
	for (int p = 0; p < (twin_sets(t) ? 1 : 2) && !ps_interrupt_flag && rc == PS_EXIT_OK; p++) {
		d.onlink = ps_addrspace_count(&t->set[p]) && onlink(&t->set[p]);
		if (ps_discover_run(&t->set[p], &d, only_host, &o, &err) < 0)
			rc = ps_cli_err(&err);
		o.base += (uint64_t)ps_addrspace_count(&t->set[p]);
	}
	if (rc == PS_EXIT_OK && !ps_interrupt_flag)
		only_unresolved(&o, t);
	o.rows.interrupted = ps_interrupt_flag != 0;
	if (rc == PS_EXIT_OK && (o.oom || ps_report_hosts(stdout, fmt, &o.rows,
						      (double)(ps_clock_ns() - start) / 1e6, v) < 0))
		rc = ps_fail("out of memory");
	if (rc == PS_EXIT_OK && t->nbad)
		rc = PS_EXIT_NEGATIVE;
	ps_hostrows_free(&o.rows);
	return ps_interrupt_exit(rc);
}

static bool hostsum_host(void *ctx, uint32_t tag, char *address, size_t len, uint8_t *proto)
{
	const struct ps_hostsum_src *s = ctx;
	ps_u128 n0 = ps_addrspace_count(&s->t->set[0]);
	int p = tag >= n0;
	struct ps_addrjob aj;

	ps_addrspace_host(&s->t->set[p], p ? tag - n0 : tag, 0, &aj);
	snprintf(address, len, "%s", aj.address);
	*proto = p ? IPPROTO_UDP : IPPROTO_TCP;
	return ps_hoststate_get(s->hosts, tag) == PS_HOST_UP;
}

int ps_scan_hostsum_init(struct ps_hostsum *h, struct ps_hostsum_src *src, bool all_states)
{
	ps_u128 n = ps_addrspace_count(&src->t->set[0]) + ps_addrspace_count(&src->t->set[1]);

	memset(h, 0, sizeof(*h));
	if (n > PS_HOSTSUM_MAX || n == 0)
		return PS_EXIT_OK;
	h->counts = calloc((size_t)n, sizeof(*h->counts));
	if (!h->counts)
		return ps_fail("out of memory");
	h->n = (size_t)n;
	h->all = all_states;
	h->host = hostsum_host;
	h->ctx = src;
	return PS_EXIT_OK;
}

void ps_scan_hostsum_free(struct ps_hostsum *h)
{
	free(h->counts);
	h->counts = NULL;
}
