/* Waits with sub-millisecond timeouts: epoll_pwait2 and ppoll take a timespec, so a loop
 * paced at 100,000 events a second is not rounded to the millisecond poll() and
 * epoll_wait() count in. epoll_pwait2 needs Linux 5.11; before it, the wait is rounded up
 * to the next millisecond. */
#ifndef PS_PWAIT_H
#define PS_PWAIT_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

static inline struct timespec ps_ns_timespec(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

/* epoll_wait for at most wait_ns (UINT64_MAX: no limit). */
static inline int ps_epoll_wait_ns(int ep, struct epoll_event *evs, int n, uint64_t wait_ns)
{
	static int no_pwait2;
	struct timespec ts = ps_ns_timespec(wait_ns);
	int rc;

	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		rc = epoll_pwait2(ep, evs, n, wait_ns == UINT64_MAX ? NULL : &ts, NULL);
		if (rc >= 0 || errno != ENOSYS)
			return rc;
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
	}
	if (wait_ns == UINT64_MAX)
		return epoll_wait(ep, evs, n, -1);
	return epoll_wait(ep, evs, n, wait_ns > 60000000000ull ? 60000
				      : (int)((wait_ns + 999999) / 1000000));
}

/* poll for at most wait_ms (a fraction of a millisecond counts; < 0: no limit). */
static inline int ps_poll_ms(struct pollfd *p, nfds_t n, double wait_ms)
{
	struct timespec ts;

	if (wait_ms < 0)
		return ppoll(p, n, NULL, NULL);
	ts = ps_ns_timespec((uint64_t)(wait_ms * 1e6));
	return ppoll(p, n, &ts, NULL);
}

#endif
