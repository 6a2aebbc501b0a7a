/* portscope serve on loopback: the UDP reply and the TCP greeting, many clients at once,
 * the NDJSON peer log, exit 0 on SIGTERM, and the exit codes of a port in use. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/payloads.h"
#include "tests/helpers.h"

struct server {
	pid_t pid;
	int err_fd;	/* its stderr */
};

static uint16_t free_port(int type)
{
	uint16_t port;
	int fd = type == SOCK_DGRAM ? t_udp_bind("127.0.0.1", &port, 1)
				    : t_tcp_listen("127.0.0.1", &port, 1);

	close(fd);
	return port;
}

/* serve on udp and tcp at 127.0.0.1 with NDJSON logs and up to four more arguments. */
static struct server start_with(uint16_t udp, uint16_t tcp, const char *const *more)
{
	char u[8], t[8];
	int perr[2];
	struct server s;
	const char *argv[16] = { t_binary(), "serve", "--udp", u, "--tcp", t, "--bind",
				 "127.0.0.1", "-o", "ndjson" };

	snprintf(u, sizeof(u), "%u", udp);
	snprintf(t, sizeof(t), "%u", tcp);
	cr_assert(pipe2(perr, O_CLOEXEC) == 0);
	s.pid = fork();
	cr_assert(s.pid >= 0);
	if (s.pid == 0) {
		dup2(perr[1], 2);
		for (int i = 0; more && more[i] && i < 4; i++)
			argv[10 + i] = more[i];
		execv(t_binary(), (char *const *)argv);
		_exit(127);
	}
	close(perr[1]);
	s.err_fd = perr[0];
	return s;
}

static struct server start(uint16_t udp, uint16_t tcp)
{
	return start_with(udp, tcp, NULL);
}

/* Read the server's stderr until it has n lines (or 3 s pass); returns them. */
static char *log_lines(struct server *s, int n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int waited = 0; waited < 3000; waited += 50) {
		struct pollfd p = { s->err_fd, POLLIN, 0 };
		int lines = 0;

		for (char *c = buf; (c = strchr(c, '\n')); c++)
			lines++;
		if (lines >= n)
			break;
		if (poll(&p, 1, 50) > 0) {
			ssize_t r = read(s->err_fd, buf + off, len - off - 1);

			if (r <= 0)
				break;
			off += (size_t)r;
			buf[off] = '\0';
		}
	}
	return buf;
}

static int stop(struct server *s)
{
	int status;

	kill(s->pid, SIGTERM);
	cr_assert_eq(waitpid(s->pid, &status, 0), s->pid);
	close(s->err_fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct sockaddr_in lo(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

Test(serve, answers_udp_and_greets_tcp)
{
	uint16_t up = free_port(SOCK_DGRAM), tp = free_port(SOCK_STREAM);
	struct server s = start(up, tp);
	static char log[8192];
	struct sockaddr_in ua = lo(up), ta = lo(tp);
	int clients[20];
	char buf[512];
	ssize_t n;

	/* Two "listening" lines: the sockets are ready. */
	cr_assert(strstr(log_lines(&s, 2, log, sizeof(log)), "\"event\":\"listening\""), "%s", log);

	/* Many UDP clients at once, each answered with a recognisable reply. */
	for (int i = 0; i < 20; i++) {
		clients[i] = socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert(clients[i] >= 0);
		const struct ps_payload *req = ps_payload_responder();

		cr_assert(sendto(clients[i], req->data, req->len, 0, (struct sockaddr *)&ua,
				 sizeof(ua)) == (ssize_t)req->len);
	}
	for (int i = 0; i < 20; i++) {
		struct pollfd p = { clients[i], POLLIN, 0 };
		const char *info;
		size_t ilen;

		cr_assert_eq(poll(&p, 1, 2000), 1, "client %d got no reply", i);
		n = recv(clients[i], buf, sizeof(buf), 0);
		cr_assert(n > 0 && ps_payload_is_reply((const uint8_t *)buf, (size_t)n, &info, &ilen));
		cr_assert(ilen >= 5 && memcmp(info, "0.", 2) == 0, "%.*s", (int)ilen, info);
		close(clients[i]);
	}

	/* A client that connects and sends nothing does not hold up the next one. */
	{
		int idle = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
		size_t got = 0;

		cr_assert(connect(idle, (struct sockaddr *)&ta, sizeof(ta)) == 0);
		cr_assert(connect(c, (struct sockaddr *)&ta, sizeof(ta)) == 0);
		while ((n = recv(c, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		cr_assert(strncmp(buf, "portscope 0.", 12) == 0 && buf[got - 1] == '\n', "%s", buf);
		cr_assert_eq(strchr(buf, '\n'), buf + got - 1, "one line: %s", buf);
		close(c);
		close(idle);
	}
	log_lines(&s, 23, log, sizeof(log));
	cr_assert(strstr(log, "\"event\":\"peer\",\"proto\":\"udp\""), "%s", log);
	cr_assert(strstr(log, "\"event\":\"peer\",\"proto\":\"tcp\""), "%s", log);
	cr_assert(strstr(log, "\"answered\":true"), "%s", log);
	cr_assert_eq(stop(&s), 0, "serve exits 0 on SIGTERM");
}

/* A reply is never answered, so two responders cannot echo each other forever. */
Test(serve, ignores_replies)
{
	uint16_t up = free_port(SOCK_DGRAM), tp = free_port(SOCK_STREAM);
	struct server s = start(up, tp);
	static char log[4096];
	struct sockaddr_in ua = lo(up);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd p = { c, POLLIN, 0 };
	char reply[64];
	size_t n = ps_payload_reply_build(reply, sizeof(reply), "0.1.0 elsewhere");

	log_lines(&s, 2, log, sizeof(log));
	cr_assert(sendto(c, reply, n, 0, (struct sockaddr *)&ua, sizeof(ua)) == (ssize_t)n);
	cr_assert_eq(poll(&p, 1, 300), 0, "a reply was answered");
	log_lines(&s, 3, log, sizeof(log));
	cr_assert(strstr(log, "\"answered\":false"), "%s", log);
	close(c);
	cr_assert_eq(stop(&s), 0);
}

Test(serve, port_in_use_and_bad_input)
{
	uint16_t port;
	int fd = t_udp_bind("0.0.0.0", &port, 1);
	char ps[8], *err = NULL;

	snprintf(ps, sizeof(ps), "%u", port);
	cr_assert_eq(t_run((const char *[]){ t_binary(), "serve", "--udp", ps, NULL }, NULL, NULL,
			   &err), 3);
	cr_assert(strstr(err, "in use"), "%s", err);
	free(err);
	close(fd);
	cr_assert_eq(t_run((const char *[]){ t_binary(), "serve", NULL }, NULL, NULL, NULL), 2);
	cr_assert_eq(t_run((const char *[]){ t_binary(), "serve", "--udp", "0", NULL }, NULL, NULL,
			   NULL), 2);
	cr_assert_eq(t_run((const char *[]){ t_binary(), "serve", "--tcp", "80", "--bind", "nope",
					     NULL }, NULL, NULL, &err), 2);
	cr_assert(strstr(err, "'nope'"), "%s", err);
	free(err);
}

/* Send data from a fresh socket; returns the reply's length (-1: none within wait_ms). */
static ssize_t ask(uint16_t port, const void *data, size_t len, char *buf, size_t blen,
		   int wait_ms)
{
	struct sockaddr_in a = lo(port);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd p = { c, POLLIN, 0 };
	ssize_t n = -1;

	cr_assert(sendto(c, data, len, 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)len);
	if (poll(&p, 1, wait_ms) == 1)
		n = recv(c, buf, blen, MSG_TRUNC);
	close(c);
	return n;
}

/* Only portscope's request is answered, and a 3,000-byte datagram is logged with its
 * real size; --answer-any answers anything, cut to the request's size. */
Test(serve, answers_only_requests)
{
	uint16_t up = free_port(SOCK_DGRAM), tp = free_port(SOCK_STREAM);
	struct server s = start(up, tp);
	static char log[8192], big[3000];
	char buf[2048];

	log_lines(&s, 2, log, sizeof(log));
	cr_assert_eq(ask(up, "hi", 2, buf, sizeof(buf), 300), -1, "'hi' was answered");
	memset(big, 'a', sizeof(big));
	cr_assert_eq(ask(up, big, sizeof(big), buf, sizeof(buf), 300), -1);
	/* The bare request line: a reply cut to its 18 bytes. */
	cr_assert_eq(ask(up, PS_RESPONDER_REQUEST, 18, buf, sizeof(buf), 1000), 18);
	log_lines(&s, 5, log, sizeof(log));
	cr_assert(strstr(log, "\"bytes\":2,\"broadcast\":false,\"answered\":false,"
			      "\"why\":\"not-a-request\""), "%s", log);
	cr_assert(strstr(log, "\"bytes\":3000,"), "%s", log);
	cr_assert_eq(stop(&s), 0);

	s = start_with(up, tp, (const char *[]){ "--answer-any", "--reply", "hello", NULL });
	log_lines(&s, 2, log, sizeof(log));
	cr_assert_eq(ask(up, "hi", 2, buf, sizeof(buf), 1000), 2);
	cr_assert(memcmp(buf, "po", 2) == 0);
	cr_assert_eq(ask(up, big, sizeof(big), buf, sizeof(buf), 1000),
		     (ssize_t)strlen("portscope-reply 1 hello\n"));
	cr_assert(memcmp(buf, "portscope-reply 1 hello\n", 24) == 0);
	cr_assert_eq(ask(up, "", 0, buf, sizeof(buf), 300), -1, "an empty datagram was answered");
	cr_assert_eq(stop(&s), 0);
}

/* Past its burst a source gets no answers and no log lines, only a count. */
Test(serve, rate_limits_each_source)
{
	uint16_t up = free_port(SOCK_DGRAM), tp = free_port(SOCK_STREAM);
	struct server s = start_with(up, tp, (const char *[]){ "--source-rate", "5", NULL });
	const struct ps_payload *req = ps_payload_responder();
	struct sockaddr_in a = lo(up);
	static char log[65536];
	int c = socket(AF_INET, SOCK_DGRAM, 0), got = 0;
	char buf[256];

	log_lines(&s, 2, log, sizeof(log));
	for (int i = 0; i < 100; i++)
		cr_assert(sendto(c, req->data, req->len, 0, (struct sockaddr *)&a, sizeof(a)) > 0);
	for (;;) {
		struct pollfd p = { c, POLLIN, 0 };

		if (poll(&p, 1, 300) != 1)
			break;
		cr_assert(recv(c, buf, sizeof(buf), 0) > 0);
		got++;
	}
	cr_assert(got >= 10 && got <= 13, "%d answers to 100 requests at 5/s", got);
	log_lines(&s, 2 + got + 1, log, sizeof(log));
	cr_assert(strstr(log, "\"event\":\"dropped\",\"rate_limited\":"), "%s", log);
	close(c);
	cr_assert_eq(stop(&s), 0);
}

Test(serve, reply_text_checked)
{
	char *err = NULL;

	cr_assert_eq(t_run((const char *[]){ t_binary(), "serve", "--udp", "7", "--reply",
					     "a\x1b]0;x\ab", NULL }, NULL, NULL, &err), 2);
	cr_assert(strstr(err, "printable ASCII"), "%s", err);
	cr_assert_null(strchr(err, '\x1b'), "%s", err);
	free(err);
}
