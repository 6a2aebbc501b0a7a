/* Helpers for the tests: spawning build/portscope and opening sockets to inspect. */
#include <arpa/inet.h>
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
#include <unistd.h>

#include "tests/helpers.h"

const char *t_binary(void)
{
	const char *b = getenv("PORTSCOPE");

	return b && *b ? b : "build/portscope";
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		cr_assert(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

int t_run(const char *const *argv, const char *input, char **out, char **err)
{
	int pin[2], pout[2], perr[2], status;
	struct buf bo = { 0 }, be = { 0 };
	size_t inlen = input ? strlen(input) : 0, inoff = 0;
	pid_t pid;

	cr_assert(pipe2(pin, O_CLOEXEC) == 0 && pipe2(pout, O_CLOEXEC) == 0 &&
		  pipe2(perr, O_CLOEXEC) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		const char *args[64];
		size_t n = 0;

		args[0] = argv[0] ? argv[0] : t_binary();
		for (n = 1; argv[n] && n < 63; n++)
			args[n] = argv[n];
		args[n] = NULL;
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (!inlen) {
		close(pin[1]);
		pin[1] = -1;
	}
	signal(SIGPIPE, SIG_IGN);
	buf_add(&bo, "", 0);
	buf_add(&be, "", 0);
	for (;;) {
		struct pollfd p[3] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
				       { pin[1], POLLOUT, 0 } };
		char chunk[65536];
		ssize_t n;

		if (p[0].fd < 0 && p[1].fd < 0)
			break;
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd >= 0 && p[i].revents) {
				n = read(p[i].fd, chunk, sizeof(chunk));
				if (n > 0) {
					buf_add(i == 0 ? &bo : &be, chunk, (size_t)n);
				} else {
					close(p[i].fd);
					if (i == 0)
						pout[0] = -1;
					else
						perr[0] = -1;
				}
			}
		}
		if (pin[1] >= 0 && p[2].revents) {
			n = write(pin[1], input + inoff, inlen - inoff);
			if (n > 0)
				inoff += (size_t)n;
			if (n <= 0 || inoff == inlen) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
	}
	if (pin[1] >= 0)
		close(pin[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = bo.p;
	else
		free(bo.p);
	if (err)
		*err = be.p;
	else
		free(be.p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

json_t *t_run_json(const char *const *argv, int *status)
{
	char *out = NULL, *err = NULL;
	json_error_t jerr;
	json_t *doc;

	*status = t_run(argv, NULL, &out, &err);
	doc = json_loads(out, 0, &jerr);
	if (!doc)
		cr_log_error("not JSON (%s): %.300s / stderr: %.300s", jerr.text, out, err);
	free(out);
	free(err);
	return doc;
}

static int t_socket(int type, const char *addr, uint16_t *port, int v6only)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		cr_assert(inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		cr_assert(inet_pton(AF_INET, addr, &s4->sin_addr) == 1);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && v6only >= 0)
		cr_assert(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == 0);
	cr_assert(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind %s: %s", addr, strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert(listen(fd, 16) == 0);
	len = sizeof(ss);
	cr_assert(getsockname(fd, (struct sockaddr *)&ss, &len) == 0);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int t_tcp_listen(const char *addr, uint16_t *port, int v6only)
{
	return t_socket(SOCK_STREAM, addr, port, v6only);
}

int t_udp_bind(const char *addr, uint16_t *port, int v6only)
{
	return t_socket(SOCK_DGRAM, addr, port, v6only);
}

int t_tcp_pair(const char *addr, uint16_t port, int listen_fd, int *server)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0);
	cr_assert(connect(fd, (struct sockaddr *)&ss, len) == 0, "connect: %s", strerror(errno));
	*server = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert(*server >= 0);
	return fd;
}

bool t_is_root(void)
{
	return geteuid() == 0;
}

char *t_capture(const char *cmd)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	cr_assert(p, "popen %s", cmd);
	buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&b, chunk, n);
	pclose(p);
	return b.p;
}

char *t_fixture(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf = malloc(65536);

	snprintf(path, sizeof(path), "tests/fixtures/%s", name);
	f = fopen(path, "rb");
	cr_assert(f && buf, "cannot open %s", path);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	cr_assert(*len > 0);
	return buf;
}
