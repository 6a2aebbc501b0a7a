/* A log that never blocks its writer: lines go into a bounded queue that a thread of its
 * own writes to a descriptor; a line that does not fit is dropped whole and counted.
 * serve logs through it, so a full pipe on stderr cannot stop it answering or make it
 * miss a signal. */
#ifndef PS_LOGQ_H
#define PS_LOGQ_H

#include <stdbool.h>
#include <stddef.h>

struct ps_logq;

/* A queue of cap bytes writing to fd; NULL when memory or a thread cannot be had. Start
 * it with the signals the caller waits for blocked, so the thread never takes them. */
struct ps_logq *ps_logq_start(int fd, size_t cap);

/* Queue line[0..len); false (and the line counted as dropped) when it does not fit. */
bool ps_logq_put(struct ps_logq *q, const char *line, size_t len);

/* Lines dropped so far that no ps_logq_forget has covered. */
unsigned long ps_logq_dropped(struct ps_logq *q);
/* n dropped lines have been reported. */
void ps_logq_forget(struct ps_logq *q, unsigned long n);

/* Give the queue up to wait_ms to drain, then stop. The queue is freed when its thread
 * finished; a thread stuck in write() is left to the process's exit. */
void ps_logq_stop(struct ps_logq *q, int wait_ms);

#endif
