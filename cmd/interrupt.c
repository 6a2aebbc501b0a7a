/* Signals and a gone reader into the one stop flag (see cmd/interrupt.h). The handler
 * stores the signal number; it is installed without SA_RESTART so a thread asleep in
 * epoll_wait or poll wakes with EINTR. A second Ctrl-C kills at once should the results
 * take long to write, but only one that comes a second or more after the first: timeout(1)
 * and some supervisors deliver one stop twice (to the child and to its process group), and
 * that repeat must not lose the results. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/interrupt.h"

volatile int ps_interrupt_flag;

/* When the first signal came (CLOCK_MONOTONIC, ms); 0 before it. */
static volatile long long first_signal_ms;

#define PS_REPEAT_GRACE_MS 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	long long now = now_ms();

	if (first_signal_ms == 0) {
		first_signal_ms = now;
		ps_interrupt_flag = sig;
		return;
	}
	if (now - first_signal_ms < PS_REPEAT_GRACE_MS)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

int ps_interrupt_setup(void)
{
	struct sigaction sa, ign;

	memset(&sa, 0, sizeof(sa));
	memset(&ign, 0, sizeof(ign));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGPIPE, &ign, NULL) < 0)
		return ps_fail("cannot set up signal handling: %s", strerror(errno));
	return 0;
}

void ps_interrupt_reader_gone(void)
{
	ps_cli_reader_gone();
	if (!ps_interrupt_flag)
		ps_interrupt_flag = PS_STOP_READER_GONE;
}

bool ps_interrupt_stdout_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };
	struct stat st;

	/* A terminal or a file has no reader to lose; a pipe reports POLLERR once its read
	 * end is closed, a socket POLLHUP. */
	if (fstat(STDOUT_FILENO, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return false;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int ps_interrupt_exit(int rc)
{
	if (ps_interrupt_flag == PS_STOP_READER_GONE)
		return 128 + SIGPIPE;
	if (ps_interrupt_flag > 0)
		return 128 + ps_interrupt_flag;
	return rc;
}
