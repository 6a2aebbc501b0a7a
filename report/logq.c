/* The queue is a byte ring under a mutex; the writer thread takes what is queued, writes
 * it without the lock held, and sleeps on a condition variable when the ring is empty. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/logq.h"

struct ps_logq {
	pthread_mutex_t mu;
	pthread_cond_t more, drained;
	pthread_t thread;
	int fd;
	char *ring;
	size_t cap, head, len;	/* bytes queued: ring[head .. head+len) modulo cap */
	unsigned long dropped;
	bool stop, finished;
};

/* Write the chunk at the ring's head; returns how many bytes left the ring. */
static size_t write_some(struct ps_logq *q, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(q->fd, q->ring + q->head + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return n;	/* nowhere to write: the lines are lost, not retried */
		done += (size_t)w;
	}
	return n;
}

static void *writer(void *arg)
{
	struct ps_logq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		size_t n;

		while (!q->len && !q->stop)
			pthread_cond_wait(&q->more, &q->mu);
		if (!q->len)
			break;
		n = q->cap - q->head < q->len ? q->cap - q->head : q->len;
		pthread_mutex_unlock(&q->mu);
		n = write_some(q, n);
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + n) % q->cap;
		q->len -= n;
		if (!q->len)
			pthread_cond_broadcast(&q->drained);
	}
	q->finished = true;
	pthread_cond_broadcast(&q->drained);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct ps_logq *ps_logq_start(int fd, size_t cap)
{
	struct ps_logq *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (!q || !(q->ring = malloc(cap))) {
		free(q);
		return NULL;
	}
	q->fd = fd;
	q->cap = cap;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->drained, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		free(q->ring);
		free(q);
		return NULL;
	}
	return q;
}

bool ps_logq_put(struct ps_logq *q, const char *line, size_t len)
{
	bool ok;

	pthread_mutex_lock(&q->mu);
	ok = len <= q->cap - q->len;
	if (ok) {
		size_t tail = (q->head + q->len) % q->cap;
		size_t first = q->cap - tail < len ? q->cap - tail : len;

		memcpy(q->ring + tail, line, first);
		memcpy(q->ring, line + first, len - first);
		q->len += len;
		pthread_cond_signal(&q->more);
	} else {
		q->dropped++;
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

unsigned long ps_logq_dropped(struct ps_logq *q)
{
	unsigned long n;

	pthread_mutex_lock(&q->mu);
	n = q->dropped;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void ps_logq_forget(struct ps_logq *q, unsigned long n)
{
	pthread_mutex_lock(&q->mu);
	q->dropped -= n < q->dropped ? n : q->dropped;
	pthread_mutex_unlock(&q->mu);
}

void ps_logq_stop(struct ps_logq *q, int wait_ms)
{
	struct timespec until;
	bool finished;

	if (!q)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->more);
	while (!q->finished &&
	       pthread_cond_timedwait(&q->drained, &q->mu, &until) != ETIMEDOUT)
		;
	finished = q->finished;
	pthread_mutex_unlock(&q->mu);
	if (!finished)
		return;	/* blocked in write(): the process's exit ends it */
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->drained);
	free(q->ring);
	free(q);
}
