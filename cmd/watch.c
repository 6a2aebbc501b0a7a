/* portscope watch: poll the listening sockets and stream an event each time one opens or
 * closes. A socket is known by proto, family, address, port and inode, so a listener
 * closed and bound again between two polls is one closed and one opened event, and a
 * listener seen by two polls in a row is never missed nor reported twice. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/clock.h"
#include "probe/cgroup.h"
#include "probe/inventory.h"
#include "report/events.h"
#include "report/table.h"

struct watch_opts {
	struct ps_output out;
	struct ps_sockopts so;
	long interval_ms, count, duration_ms;	/* count, duration: 0 = unbounded */
	bool initial;
};

static const struct ps_option watch_options[] = {
	PS_OPT_LONG(0, "interval", struct watch_opts, interval_ms, "MS",
		    "time between polls (default 1000, 10-3600000)", 10, 3600000),
	PS_OPT_BOOL(0, "initial", struct watch_opts, initial,
		    "first report every current listener as 'opened'"),
	PS_OPT_LONG(0, "count", struct watch_opts, count, "N", "stop after N events", 1,
		    1000000000),
	PS_OPT_LONG(0, "duration", struct watch_opts, duration_ms, "MS",
		    "stop after MS milliseconds (one last poll at the end)", 1, 1000000000),
	PS_SOCK_OPTIONS(struct watch_opts, so),
	PS_OUTPUT_OPTIONS(struct watch_opts, out),
	PS_OPT_END(),
};

const struct ps_cmd_help ps_watch_help = {
	.synopsis = "watch [OPTIONS]",
	.description =
		"Poll the listening sockets (TCP in LISTEN, bound unconnected UDP) and print an event\n"
		"each time one opens or closes, until SIGINT or SIGTERM (or a bound below). A listener\n"
		"that exists across two polls is always reported; one that opens and closes between two\n"
		"polls is not seen. NDJSON events: {\"event\": \"opened\"|\"closed\", \"time\", ...the\n"
		"socket fields of list}. With -P, new listeners are shown without owners.\n",
	.options = watch_options,
	.output_note = "(table: fixed-width lines; json is the same as ndjson,\n"
		       "a stream has no enclosing document)",
	.exit_status =
		"Exit status: 0 stopped by a signal, --count or --duration, or when the reader of\n"
		"standard output has gone; 2 bad usage; 3 netlink or system failure.\n",
};

/* The listeners we know about. Each keeps its own copy of its owners: the owner table of
 * the poll that found it is gone by the time it closes. */
struct state {
	struct sock_rec *v;	/* sorted by key_cmp; procs owned (malloc'd) */
	size_t len;
	long events;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int parse_args(const struct ps_command *cmd, int argc, char **argv,
		      struct watch_opts *o)
{
	int rc;

	ps_sockopts_init(&o->so);
	o->interval_ms = 1000;
	if ((rc = ps_parse_options(cmd, argc, argv, o, NULL, NULL)) != PS_PARSE_RUN)
		return rc;
	if (o->out.fmt == PS_FMT_JSON)
		o->out.fmt = PS_FMT_NDJSON;
	if ((rc = ps_sockopts_finish(&o->so)) != 0)
		return rc;
	return PS_PARSE_RUN;
}

/* The identity of a listener: proto, family, address, port, then inode. */
static int key_cmp(const void *a, const void *b)
{
	const struct sock_rec *x = a, *y = b;
	int c;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(&x->local, &y->local, sizeof(x->local));
	if (c)
		return c;
	if (x->local_port != y->local_port)
		return x->local_port - y->local_port;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* True when v (n records, sorted by key_cmp) holds r's key. */
static bool holds(const struct sock_rec *v, size_t n, const struct sock_rec *r)
{
	return n > 0 && bsearch(r, v, n, sizeof(*v), key_cmp) != NULL;
}

/* RFC 3339 UTC with milliseconds: events can be closer than a second apart. */
static void event_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000));
}

/* What keep() copied for r: its owners and its cgroup. */
static void drop(struct sock_rec *r)
{
	free((void *)r->procs);
	free((void *)r->cgroup);
	free((void *)r->netns);
}

static void state_free(struct state *st)
{
	for (size_t i = 0; i < st->len; i++)
		drop(&st->v[i]);
	free(st->v);
	st->v = NULL;
	st->len = 0;
}

/* A malloc'd copy of n bytes at src (NULL for NULL); *ok turns false on out of memory. */
static void *copy(const void *src, size_t n, bool *ok)
{
	void *c;

	if (!src || !n)
		return NULL;
	c = malloc(n);
	if (!c)
		*ok = false;
	else
		memcpy(c, src, n);
	return c;
}

/* Copy r with its own owner list, cgroup entry and namespace (the poll's tables go with
 * its inventory). Returns 0, or -1 on out of memory. */
static int keep(struct sock_rec *dst, const struct sock_rec *r)
{
	bool ok = true;

	*dst = *r;
	dst->procs = copy(r->procs, r->nprocs * sizeof(*r->procs), &ok);
	dst->cgroup = copy(r->cgroup, r->cgroup ? ps_cgroup_entry_size(r->cgroup) : 0, &ok);
	dst->netns = copy(r->netns, sizeof(*r->netns), &ok);
	if (!ok) {
		drop(dst);
		return -1;
	}
	return 0;
}

struct poll_ctx {
	const struct watch_opts *o;
	struct ps_inv_query q;
	struct ps_view view;
	bool header_done;
};

/* The table's header, once, from the first poll's listeners: a stream fixes its columns
 * before its first row, so UNIT is there when a listener watched from the start has a
 * unit or a container, as list shows it when any row has one. */
static void header_once(struct poll_ctx *pc, const struct ps_sockvec *sv)
{
	if (pc->header_done)
		return;
	pc->header_done = true;
	for (size_t i = 0; i < sv->len; i++)
		if (ps_sock_has_unit(&sv->v[i])) {
			pc->view.table_flags |= PS_TABLE_UNIT;
			break;
		}
	ps_report_event_header(stdout, pc->o->out.fmt, &pc->view);
}

/* Emit one event unless --count is used up; returns true when the watch should stop. */
static bool emit(struct state *st, const struct poll_ctx *pc, bool opened,
		 const struct sock_rec *r)
{
	char t[40];

	if (pc->o->count && st->events >= pc->o->count)
		return true;
	event_time(t, sizeof(t));
	ps_report_event(stdout, pc->o->out.fmt, opened, t, r, &pc->view);
	st->events++;
	return pc->o->count && st->events >= pc->o->count;
}

/* One poll: dump, compare with the known set, emit events, replace the set. report is
 * false for the silent first poll. Returns 0, 1 when --count is reached, or an exit code
 * (> 1) after printing the reason. */
static int poll_once(struct state *st, struct poll_ctx *pc, bool report)
{
	struct ps_inventory inv = { 0 };
	struct ps_sockvec fresh = { 0 };
	struct ps_owners owners = { 0 };
	struct sock_rec *next = NULL;
	size_t n = 0, ncopied = 0, cap;
	bool done = false;
	ps_err err;
	int rc = 0;

	if (ps_inventory_load(&pc->q, &inv, &err) < 0) {
		rc = ps_cli_err(&err);
		goto end;
	}
	header_once(pc, &inv.sv);
	if (inv.sv.len)
		qsort(inv.sv.v, inv.sv.len, sizeof(*inv.sv.v), key_cmp);
	cap = inv.sv.len ? inv.sv.len : 1;
	fresh.v = malloc(cap * sizeof(*fresh.v));
	next = malloc(cap * sizeof(*next));
	if (!fresh.v || !next) {
		rc = ps_fail("out of memory");
		goto end;
	}
	fresh.cap = cap;
	for (size_t a = 0; a < inv.sv.len; a++)
		if (!holds(st->v, st->len, &inv.sv.v[a]))
			fresh.v[fresh.len++] = inv.sv.v[a];
	/* Only new listeners need owners: one /proc scan for them all, none when idle. */
	if (pc->o->so.processes && fresh.len &&
	    ps_owners_attach(&fresh, "/proc", &owners, &err) < 0) {
		rc = ps_cli_err(&err);
		goto end;
	}
	for (; ncopied < fresh.len; ncopied++)
		if (keep(&next[ncopied], &fresh.v[ncopied]) < 0) {
			rc = ps_fail("out of memory");
			goto end;
		}
	n = ncopied;
	for (size_t i = 0; i < st->len; i++) {
		if (holds(inv.sv.v, inv.sv.len, &st->v[i]))
			next[n++] = st->v[i];
		else if (report && !done)
			done = emit(st, pc, false, &st->v[i]);
	}
	for (size_t k = 0; k < fresh.len; k++)
		if (report && !done)
			done = emit(st, pc, true, &next[k]);
	/* The old set's closed listeners go; the survivors' owner copies moved to next. */
	for (size_t i = 0; i < st->len; i++)
		if (!holds(inv.sv.v, inv.sv.len, &st->v[i]))
			drop(&st->v[i]);
	free(st->v);
	qsort(next, n, sizeof(*next), key_cmp);
	st->v = next;
	st->len = n;
	next = NULL;
	rc = done ? 1 : 0;
end:
	if (next) {
		for (size_t k = 0; k < ncopied; k++)
			drop(&next[k]);
		free(next);
	}
	free(fresh.v);
	ps_owners_free(&owners);
	ps_inventory_free(&inv);
	return rc;
}

/* Sleep until the monotonic time until_ms, a signal, or the reader of stdout going away
 * (a pipe's far end closed: `portscope watch | head -1` ends with head, not at the next
 * event). The signals are blocked except inside ppoll, so one that arrives between two
 * polls is not lost. Returns false when the reader has gone. */
static bool sleep_until(long long until_ms, const sigset_t *unblocked, bool pipe_out)
{
	long long left = until_ms - (long long)ps_clock_ms();
	struct pollfd out = { STDOUT_FILENO, 0, 0 };	/* POLLERR comes unasked */
	struct timespec ts;

	if (left <= 0 || stop_signal)
		return true;
	ts.tv_sec = left / 1000;
	ts.tv_nsec = (left % 1000) * 1000000;
	if (ppoll(&out, pipe_out ? 1 : 0, &ts, unblocked) > 0 &&
	    (out.revents & (POLLERR | POLLHUP))) {
		ps_cli_reader_gone();
		return false;
	}
	return true;
}

/* SIGINT and SIGTERM stop the watch; SIGPIPE is ignored so that a write to a reader that
 * has gone fails with EPIPE, and the watch ends with 0 as `list | head` does. */
static int setup_signals(sigset_t *unblocked)
{
	struct sigaction sa = { 0 }, ign = { 0 };
	sigset_t block;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, unblocked) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGPIPE, &ign, NULL) < 0)
		return ps_fail("cannot set up signal handling: %s", strerror(errno));
	sigdelset(unblocked, SIGINT);
	sigdelset(unblocked, SIGTERM);
	return 0;
}

static bool is_pipe(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

int cmd_watch(const struct ps_command *cmd, int argc, char **argv)
{
	struct watch_opts o = { 0 };
	struct poll_ctx pc = { 0 };
	struct state st = { 0 };
	sigset_t unblocked;
	long long start, tick, deadline = 0;
	bool pipe_out = is_pipe(STDOUT_FILENO);
	int rc;

	if ((rc = parse_args(cmd, argc, argv, &o)) != PS_PARSE_RUN)
		return rc;
	if ((rc = ps_sockopts_enter_netns(&o.so)) != 0)
		return rc;
	pc.o = &o;
	ps_sockopts_listening(&o.so, &pc.q);
	pc.q.processes = false;	/* owners are looked up for new listeners only */
	pc.view.numeric = o.so.numeric;
	pc.view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;

	if ((rc = setup_signals(&unblocked)) != 0)
		return rc;
	start = tick = (long long)ps_clock_ms();
	if (o.duration_ms)
		deadline = start + o.duration_ms;
	rc = poll_once(&st, &pc, o.initial);
	for (;;) {
		bool last;

		if (ps_cli_flush() < 0)
			break;	/* ps_cli_finish reports the write error, unless EPIPE */
		if (rc != 0 || stop_signal)
			break;
		tick += o.interval_ms;
		last = deadline && tick >= deadline;
		if (!sleep_until(last ? deadline : tick, &unblocked, pipe_out) || stop_signal)
			break;
		rc = poll_once(&st, &pc, true);
		if (last)
			break;
	}
	state_free(&st);
	return rc == 1 ? PS_EXIT_OK : rc;
}
