/* The job source shared by the probe engines, and the result skeleton they fill. */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "probe/jobs.h"

int ps_jobsrc_next(void *src, struct ps_probe_job *job)
{
	struct ps_jobsrc *s = src;

	while (s->cur < s->neps) {
		const struct ps_endpoint *ep = &s->eps[s->cur];
		int port;

		if (ep->port) {
			if (s->next_port != 0) {
				s->cur++;
				s->next_port = 0;
				continue;
			}
			port = ep->port;
			s->next_port = 1;
		} else {
			/* Port 0 cannot be probed: start at 1 whatever the set holds. */
			port = s->ports ? ps_portset_next(s->ports, s->next_port ? (unsigned)s->next_port
									    : 1u)
					: -1;
			if (port <= 0 || port > 65535) {
				s->cur++;
				s->next_port = 0;
				continue;
			}
			s->next_port = port + 1;
		}
		job->addr = ep->addr;
		ps_sockaddr_set_port(&job->addr, (uint16_t)port);
		job->target = ep->target;
		snprintf(job->address, sizeof(job->address), "%s", ep->address);
		job->host = ep->host;
		job->tag = ep->tag;
		job->tls = ep->tls;
		return 1;
	}
	return 0;
}

size_t ps_jobsrc_count(const struct ps_jobsrc *s)
{
	size_t n = 0, per_set = 0;

	if (s->ports)
		per_set = s->ports->count - ps_portset_has(s->ports, 0);
	for (size_t i = 0; i < s->neps; i++)
		n += s->eps[i].port ? 1 : per_set;
	return n;
}

void ps_result_from_job(struct probe_result *r, const struct ps_probe_job *job, uint8_t proto)
{
	size_t n = strlen(job->target);

	if (n >= sizeof(r->target))
		n = sizeof(r->target) - 1;
	memcpy(r->target, job->target, n);
	r->target[n] = '\0';
	n = strlen(job->address);
	if (n >= sizeof(r->address))
		n = sizeof(r->address) - 1;
	memcpy(r->address, job->address, n);
	r->address[n] = '\0';
	r->family = job->addr.sa.sa_family;
	r->proto = proto;
	r->port = ps_sockaddr_port(&job->addr);
	r->state = PS_PROBE_ERROR;
	r->rtt_ms = -1;
	r->reason = NULL;
	r->error[0] = '\0';
	r->banner_len = 0;
	r->has_banner = 0;
	r->expect_ok = -1;
	r->tls = NULL;
	r->tag = job->tag;
}

void ps_result_verdict(struct probe_result *r, const struct ps_probe_job *job, uint8_t proto,
		       enum ps_probe_state st, const char *reason, double rtt_ms, const char *error)
{
	ps_result_from_job(r, job, proto);
	r->state = st;
	r->reason = reason;
	r->rtt_ms = rtt_ms;
	if (error)
		snprintf(r->error, sizeof(r->error), "%s", error);
}

/* Descriptors kept back for stdio, the epoll fd, the resolver, a log file... */
#define FD_RESERVE 16

int ps_probe_fd_budget(void)
{
	struct rlimit rl;
	long n;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 64;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = { rl.rlim_max, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	n = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
	n -= FD_RESERVE;
	if (n < 1)
		n = 1;
	return n > (1L << 20) ? 1 << 20 : (int)n;
}

int ps_probe_cpus(void)
{
	cpu_set_t set;
	long n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
							   : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

void ps_job_feed_init(struct ps_job_feed *f, ps_job_next_fn next, void *src, ps_result_cb cb,
		      void *ctx)
{
	*f = (struct ps_job_feed){ .next = next, .src = src, .cb = cb, .ctx = ctx };
	pthread_mutex_init(&f->jobs_mu, NULL);
	pthread_mutex_init(&f->cb_mu, NULL);
}

void ps_job_feed_destroy(struct ps_job_feed *f)
{
	pthread_mutex_destroy(&f->jobs_mu);
	pthread_mutex_destroy(&f->cb_mu);
}

int ps_job_feed_take(struct ps_job_feed *f, struct ps_probe_job *batch, int max, bool stop)
{
	int n = 0;

	if (f->threaded)
		pthread_mutex_lock(&f->jobs_mu);
	if (stop)
		f->exhausted = true;
	while (!f->exhausted && n < max) {
		if (f->next(f->src, &batch[n]) == 1)
			n++;
		else
			f->exhausted = true;
	}
	if (f->threaded)
		pthread_mutex_unlock(&f->jobs_mu);
	return n;
}

void ps_job_feed_deliver(struct ps_job_feed *f, const struct probe_result *r)
{
	if (f->threaded)
		pthread_mutex_lock(&f->cb_mu);
	f->cb(r, f->ctx);
	if (f->threaded)
		pthread_mutex_unlock(&f->cb_mu);
}
