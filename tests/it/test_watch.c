/* portscope watch against a listener the test opens and closes. The watch is narrowed
 * with --port to the test's own port and bounded with --duration, so it ends even when
 * an assertion fails first. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tests/helpers.h"

struct watcher {
	pid_t pid;
	int fd;
	char buf[65536];
	size_t len;
};

static void start(struct watcher *w, const char *const *args)
{
	const char *argv[24] = { t_binary(), "watch" };
	size_t n = 2;
	int p[2];

	while (*args && n < 23)
		argv[n++] = *args++;
	argv[n] = NULL;
	cr_assert(pipe2(p, O_CLOEXEC) == 0);
	w->pid = fork();
	cr_assert(w->pid >= 0);
	if (w->pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	w->fd = p[0];
	w->len = 0;
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until the output holds `lines` newlines or timeout_ms passes; returns the count. */
static int read_lines(struct watcher *w, int lines, int timeout_ms)
{
	long long end = ms_now() + timeout_ms;
	int have = 0;

	for (;;) {
		struct pollfd pfd = { w->fd, POLLIN, 0 };
		long long left = end - ms_now();
		ssize_t r;

		have = 0;
		for (size_t i = 0; i < w->len; i++)
			have += w->buf[i] == '\n';
		if (have >= lines || left <= 0)
			return have;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		r = read(w->fd, w->buf + w->len, sizeof(w->buf) - 1 - w->len);
		if (r <= 0)
			return have;
		w->len += (size_t)r;
		w->buf[w->len] = '\0';
	}
}

static int finish(struct watcher *w, int sig)
{
	int status;

	if (sig)
		kill(w->pid, sig);
	read_lines(w, 1000, 3000);	/* drain until EOF */
	close(w->fd);
	cr_assert(waitpid(w->pid, &status, 0) == w->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_t *line_json(const struct watcher *w, int n)
{
	const char *p = w->buf;

	for (int i = 0; i < n; i++) {
		p = strchr(p, '\n');
		cr_assert(p);
		p++;
	}
	return json_loadb(p, (size_t)(strchr(p, '\n') - p), 0, NULL);
}

/* A TCP socket bound to 127.0.0.1:0, not yet listening: the port is ours. */
static int bound_socket(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

Test(watch, open_and_close_give_one_event_each)
{
	struct watcher w;
	uint16_t port, sport = 0;
	int fd = bound_socket(&port), sfd = t_tcp_listen("127.0.0.1", &sport, -1);
	char ps[32];
	json_t *ev;

	/* The sentinel listens from the start: its --initial event says the first poll is
	 * done, so the test's listener, opened after it, is news. */
	snprintf(ps, sizeof(ps), "%u,%u", port, sport);
	const char *args[] = { "--initial", "--interval", "50", "--port", ps, "-t", "-4",
			       "-o", "ndjson", "--duration", "10000", NULL };
	start(&w, args);
	cr_assert_eq(read_lines(&w, 1, 5000), 1, "no initial event: %s", w.buf);
	cr_assert(listen(fd, 8) == 0);
	cr_assert_eq(read_lines(&w, 2, 3000), 2, "no opened event: %s", w.buf);
	usleep(300 * 1000);	/* six polls that all see the listener */
	close(fd);
	cr_assert_eq(read_lines(&w, 3, 3000), 3, "no closed event: %s", w.buf);
	usleep(300 * 1000);	/* six polls that all see it gone */
	cr_assert_eq(finish(&w, SIGINT), 0);
	cr_assert_eq(read_lines(&w, 4, 0), 3, "more than one event each: %s", w.buf);

	ev = line_json(&w, 0);
	cr_assert(ev, "%s", w.buf);
	cr_assert_eq(json_integer_value(json_object_get(ev, "local_port")), sport);
	json_decref(ev);
	ev = line_json(&w, 1);
	cr_assert(ev, "%s", w.buf);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "event")), "opened");
	cr_assert_eq(json_integer_value(json_object_get(ev, "local_port")), port);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "state")), "listen");
	cr_assert(json_is_string(json_object_get(ev, "time")));
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(ev, "processes"), 0), "command")),
			 "test_watch");
	json_decref(ev);
	ev = line_json(&w, 2);
	cr_assert(ev, "%s", w.buf);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "event")), "closed");
	cr_assert_eq(json_integer_value(json_object_get(ev, "local_port")), port);
	json_decref(ev);
	close(sfd);
}

Test(watch, initial_and_count)
{
	struct watcher w;
	uint16_t port = 0;
	int fd = t_tcp_listen("127.0.0.1", &port, -1);
	char ps[16];
	json_t *ev;

	snprintf(ps, sizeof(ps), "%u", port);
	const char *args[] = { "--initial", "--count", "1", "--interval", "50", "--port", ps, "-t",
			       "-4", "--ndjson", "--duration", "10000", NULL };
	start(&w, args);
	/* --count 1 ends the watch by itself after the first event. */
	cr_assert_eq(finish(&w, 0), 0);
	cr_assert_eq(read_lines(&w, 2, 0), 1, "%s", w.buf);
	ev = line_json(&w, 0);
	cr_assert(ev);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "event")), "opened");
	cr_assert_eq(json_integer_value(json_object_get(ev, "local_port")), port);
	json_decref(ev);
	close(fd);
}

Test(watch, table_lines_and_duration)
{
	struct watcher w;
	uint16_t port = 0;
	int fd = t_tcp_listen("127.0.0.1", &port, -1);
	char ps[16], want[64];
	long long t0 = ms_now();

	snprintf(ps, sizeof(ps), "%u", port);
	const char *args[] = { "--initial", "--interval", "50", "--port", ps, "-t", "-4",
			       "--duration", "300", NULL };
	start(&w, args);
	cr_assert_eq(finish(&w, 0), 0);
	cr_assert_geq(ms_now() - t0, 250, "--duration 300 ended early");
	cr_assert_eq(read_lines(&w, 3, 0), 2, "%s", w.buf);
	cr_assert(strncmp(w.buf, "TIME", 4) == 0, "%s", w.buf);
	snprintf(want, sizeof(want), " opened tcp   127.0.0.1:%u ", port);
	cr_assert(strstr(w.buf, want), "%s", w.buf);
	close(fd);
}

Test(watch, usage_errors)
{
	const char *bad[][3] = { { "--interval", "5", NULL }, { "--count", "0", NULL },
				 { "-o", "prom", NULL }, { "--netns", "a/b", NULL } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { t_binary(), "watch", bad[i][0], bad[i][1], NULL };

		cr_assert_eq(t_run(argv, NULL, NULL, NULL), 2, "case %zu", i);
	}
}
