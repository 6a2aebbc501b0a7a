/* The exporter's TLS probe: connect, then handshake, one poll loop, one deadline. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/clock.h"
#include "probe/exporter_tls.h"

/* Milliseconds left before deadline_ms, at least 0. */
static int left_ms(uint64_t deadline_ms)
{
	uint64_t now = ps_clock_ms();

	return now >= deadline_ms ? 0 : (int)(deadline_ms - now);
}

/* Wait for events on fd until the deadline. Returns revents, 0 on timeout. */
static short wait_fd(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	do
		n = poll(&p, 1, left_ms(deadline_ms));
	while (n < 0 && errno == EINTR);
	return n > 0 ? p.revents : 0;
}

static void verdict(struct probe_result *r, enum ps_probe_state st, const char *reason, int e)
{
	r->state = st;
	r->reason = reason;
	if (e)
		snprintf(r->error, sizeof(r->error), "%s", strerror(e));
}

/* Connect fd; fills r. Returns 0 when connected. */
static int connect_to(int fd, const struct ps_probe_job *job, uint64_t start,
		      uint64_t deadline, struct probe_result *r)
{
	int e = 0;
	socklen_t el = sizeof(e);

	bool started = connect(fd, &job->addr.sa, ps_sockaddr_len(&job->addr)) == 0 ||
		       errno == EINPROGRESS;

	if (started && !(wait_fd(fd, POLLOUT, deadline) & (POLLOUT | POLLERR | POLLHUP))) {
		verdict(r, PS_PROBE_FILTERED, "timeout", 0);
		return -1;
	}
	/* connect() refused at once, or SO_ERROR (itself failing: report why). */
	if (!started || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		e = errno;
	if (e == ECONNREFUSED)
		verdict(r, PS_PROBE_CLOSED, "reset", 0);
	else if (e == EHOSTUNREACH || e == ENETUNREACH)
		verdict(r, PS_PROBE_UNREACHABLE, e == EHOSTUNREACH ? "icmp-host-unreachable"
								   : "icmp-net-unreachable", e);
	else if (e)
		verdict(r, PS_PROBE_ERROR, "local-error", e);
	else {
		verdict(r, PS_PROBE_OPEN, "syn-ack", 0);
		r->rtt_ms = (double)(ps_clock_ns() - start) / 1e6;
	}
	return e ? -1 : 0;
}

static void handshake(struct ps_tls_ctx *ctx, int fd, const char *host, uint64_t deadline,
		      struct ps_tls_info *info)
{
	ps_err err;
	struct ps_tls *t = ps_tls_new(ctx, fd, host, &err);

	if (!t) {
		snprintf(info->verify_error, sizeof(info->verify_error), "%s", err.msg);
		info->verify = PS_TLS_VERIFY_HANDSHAKE_FAILED;
		return;
	}
	for (;;) {
		enum ps_tls_status st = ps_tls_step(t);

		if (st == PS_TLS_DONE || st == PS_TLS_FAILED)
			break;
		if (!wait_fd(fd, st == PS_TLS_WANT_READ ? POLLIN : POLLOUT, deadline))
			break;	/* timed out: info says incomplete */
	}
	ps_tls_info(t, info);
	ps_tls_free(t);
}

void ps_xtls_probe(const struct ps_xmodule *m, const struct ps_probe_job *job, const char *host,
		   int timeout_ms, struct probe_result *r, struct ps_tls_info *info)
{
	struct ps_tls_opts o = { .sni = m->sni, .ca_file = m->ca, .insecure = m->insecure };
	uint64_t start_ns = ps_clock_ns(), deadline = ps_clock_ms() + (uint64_t)timeout_ms;
	struct ps_tls_ctx *ctx;
	ps_err err;
	int fd;

	memset(info, 0, sizeof(*info));
	ps_result_from_job(r, job, IPPROTO_TCP);
	fd = socket(job->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		verdict(r, PS_PROBE_ERROR, "local-error", errno);
		return;
	}
	if (connect_to(fd, job, start_ns, deadline, r) == 0) {
		if ((ctx = ps_tls_ctx_new(&o, &err))) {
			handshake(ctx, fd, host, deadline, info);
			ps_tls_ctx_free(ctx);
		} else {
			info->verify = PS_TLS_VERIFY_INVALID;
			snprintf(info->verify_error, sizeof(info->verify_error), "%s", err.msg);
		}
	}
	close(fd);
}
