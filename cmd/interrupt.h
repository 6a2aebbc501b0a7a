/* Stopping a scan early and keeping what it found: SIGINT and SIGTERM set one flag the
 * engines and the job source watch (struct ps_probe_opts.stop), and so does a reader of
 * stdout that went away (EPIPE, or a pipe whose far end closed); the command then writes
 * what was decided and exits 130 (SIGINT), 143 (SIGTERM) or 141 (reader gone). */
#ifndef PS_INTERRUPT_H
#define PS_INTERRUPT_H

#include <stdbool.h>

#define PS_STOP_READER_GONE (-1)

/* 0 while running; the signal number, or PS_STOP_READER_GONE. */
extern volatile int ps_interrupt_flag;

/* Catch SIGINT and SIGTERM into the flag (a second one, a second or more after the first,
 * kills as usual; an immediate repeat is the same stop delivered twice) and ignore SIGPIPE
 * so a write to a gone reader fails with EPIPE. Returns 0, or an exit code. */
int ps_interrupt_setup(void);

/* Stop because stdout's reader has gone. */
void ps_interrupt_reader_gone(void);

/* True when stdout is a pipe or socket whose reader has gone (checked without writing). */
bool ps_interrupt_stdout_closed(void);

/* rc, or the exit code of the stop: 128 + the signal, 141 for a reader gone. */
int ps_interrupt_exit(int rc);

#endif
