/* The TLS client through its API, driven by a small poll() loop as the engine's epoll loop
 * will drive it: certificates made at run time (tests/fixtures/make_tls_certs.sh), served
 * by `openssl s_server` and by a python3 STARTTLS server (tests/fixtures/starttls_server.py)
 * on 127.0.0.1, every verify value, dates and days against `openssl x509` of the same
 * certificate, the chain's earliest expiry, ALPN, option errors, and the STARTTLS machines
 * on canned replies. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/hooks.h>
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

#include "probe/tls.h"

#define CERTS_ENV "PORTSCOPE_TEST_TLS_CERTS"

static char certs_dir[64];

/* Certificates once for the whole run, in the runner before any test is forked; the
 * directory reaches the tests through the environment. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char cmd[256];

	(void)set;
	snprintf(certs_dir, sizeof(certs_dir), "/tmp/portscope-tls-XXXXXX");
	if (system("command -v openssl >/dev/null 2>&1") != 0 || !mkdtemp(certs_dir))
		return;
	snprintf(cmd, sizeof(cmd), "sh tests/fixtures/make_tls_certs.sh %s", certs_dir);
	if (system(cmd) == 0)
		setenv(CERTS_ENV, certs_dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[256];

	(void)stats;
	if (getenv(CERTS_ENV)) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", getenv(CERTS_ENV));
		if (system(cmd) != 0)
			fprintf(stderr, "test_tls: could not remove %s\n", getenv(CERTS_ENV));
	}
}

/* Path of a file in the certificate directory; skips the test when there is none. */
static const char *cert(const char *name)
{
	static char paths[8][256];
	static unsigned next;
	const char *dir = getenv(CERTS_ENV);
	char *p = paths[next++ % 8];

	if (!dir)
		cr_skip_test("no test certificates: they need the openssl command and "
			     "tests/fixtures/make_tls_certs.sh (run from the repository root)");
	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static pid_t servers[4];
static int server_out[4];
static unsigned nservers;

static void stop_servers(void)
{
	for (unsigned i = 0; i < nservers; i++) {
		kill(servers[i], SIGTERM);
		waitpid(servers[i], NULL, 0);
		close(server_out[i]);
	}
	nservers = 0;
}

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Start argv (under `timeout`, so nothing outlives the test for long) and wait for the
 * line it prints once it listens ("ACCEPT" from s_server, "READY" from the python one). */
static void start_server(char **argv, const char *ready)
{
	int pipefd[2], devnull = open("/dev/null", O_RDWR);
	char buf[4096];
	size_t got = 0;
	pid_t pid;

	cr_assert(devnull >= 0 && pipe(pipefd) == 0 && nservers < 4);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	close(devnull);
	servers[nservers] = pid;
	server_out[nservers++] = pipefd[0];
	while (!memmem(buf, got, ready, strlen(ready))) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		ssize_t n;

		cr_assert(poll(&p, 1, 10000) == 1, "%s did not start", argv[2]);
		n = read(pipefd[0], buf + got, sizeof(buf) - got);
		cr_assert(n > 0, "%s exited before it listened", argv[2]);
		got += (size_t)n;
	}
}

/* s_server on a fresh port with leaf NAME (and an extra chain file, ALPN list). */
static uint16_t s_server(const char *name, const char *chain, const char *alpn)
{
	char accept[32], pem[32], key[32];
	uint16_t port = free_port();
	char *argv[16] = { "timeout", "60", "openssl", "s_server", "-www", "-accept", accept };
	int n = 7;

	snprintf(accept, sizeof(accept), "127.0.0.1:%u", port);
	snprintf(pem, sizeof(pem), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	argv[n++] = "-cert";
	argv[n++] = (char *)cert(pem);
	argv[n++] = "-key";
	argv[n++] = (char *)cert(key);
	if (chain) {
		argv[n++] = "-cert_chain";
		argv[n++] = (char *)cert(chain);
	}
	if (alpn) {
		argv[n++] = "-alpn";
		argv[n++] = (char *)alpn;
	}
	argv[n] = NULL;
	start_server(argv, "ACCEPT");
	return port;
}

static uint16_t starttls_server(const char *proto, const char *mode)
{
	char portbuf[8];
	uint16_t port;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		cr_skip_test("python3 not found: no STARTTLS test server");
	port = free_port();
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	start_server((char *[]){ "timeout", "60", "python3", "tests/fixtures/starttls_server.py",
				 (char *)proto, (char *)mode, portbuf, (char *)cert("good.pem"),
				 (char *)cert("good.key"), NULL }, "READY");
	return port;
}

static void setup(void)
{
	signal(SIGPIPE, SIG_DFL);	/* the client must never raise it */
}

TestSuite(tls, .init = setup, .fini = stop_servers, .timeout = 60);

static int connect_loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		  strerror(errno));
	cr_assert(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	return fd;
}

/* The event loop in miniature: step, then wait for what the step asked for. */
static enum ps_tls_status drive(struct ps_tls *t, int fd)
{
	for (;;) {
		enum ps_tls_status s = ps_tls_step(t);
		struct pollfd p = { .fd = fd };

		if (s == PS_TLS_DONE || s == PS_TLS_FAILED)
			return s;
		p.events = s == PS_TLS_WANT_READ ? POLLIN : POLLOUT;
		cr_assert(poll(&p, 1, 10000) == 1, "no progress in 10 s");
	}
}

static enum ps_tls_status run_fd(int fd, const char *host, const struct ps_tls_opts *o,
				 struct ps_tls_info *info)
{
	ps_err err = { 0 };
	struct ps_tls_ctx *c = ps_tls_ctx_new(o, &err);
	struct ps_tls *t;
	enum ps_tls_status s;

	cr_assert(c, "ps_tls_ctx_new: %s", err.msg);
	t = ps_tls_new(c, fd, host, &err);
	cr_assert(t, "ps_tls_new: %s", err.msg);
	ps_tls_ctx_free(c);	/* the session keeps what it needs */
	s = drive(t, fd);
	ps_tls_info(t, info);
	ps_tls_free(t);
	close(fd);
	return s;
}

static enum ps_tls_status run(uint16_t port, const char *host, const struct ps_tls_opts *o,
			      struct ps_tls_info *info)
{
	return run_fd(connect_loopback(port), host, o, info);
}

/* A certificate's field as `openssl x509` prints it, after "key=". */
static char *x509_field(const char *pem, const char *opt)
{
	static char line[1024];
	char cmd[512];
	FILE *f;
	char *eq;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -nameopt RFC2253,-esc_msb %s -in %s", opt, pem);
	f = popen(cmd, "r");
	cr_assert(f && fgets(line, sizeof(line), f), "%s", cmd);
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	eq = strchr(line, '=');
	cr_assert(eq);
	return eq + 1;
}

/* "Dec 27 05:51:13 2026 GMT" from -enddate or -startdate, as UTC seconds. */
static time_t x509_time(const char *pem, const char *opt)
{
	struct tm tm = { 0 };
	char *v = x509_field(pem, opt);

	cr_assert(strptime(v, "%b %d %H:%M:%S %Y GMT", &tm), "date '%s'", v);
	return timegm(&tm);
}

static long days_from(time_t now, time_t t)
{
	long long d = (long long)t - (long long)now;

	/* Rounded down, as the client counts: one hour past the end is day -1. */
	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* days_left as the test computes it from `openssl x509 -enddate`, either side of the run. */
static void assert_days(long got, time_t not_after, time_t before, time_t after)
{
	cr_assert(got == days_from(before, not_after) || got == days_from(after, not_after),
		  "days_left %ld, openssl says %ld", got, days_from(before, not_after));
}

static struct ps_tls_opts with_ca(void)
{
	return (struct ps_tls_opts){ .ca_file = cert("ca.pem") };
}

Test(tls, valid_leaf_every_field)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("good", NULL, NULL);
	time_t before = time(NULL), after;

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	after = time(NULL);
	cr_assert(i.handshake_done && i.ok);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
	cr_assert_eq(i.verify_code, 0);
	cr_assert_eq(i.verify_depth, -1);
	cr_assert_str_eq(i.verify_error, "");
	cr_assert_str_eq(i.version, "TLSv1.3");
	cr_assert_str_eq(i.cipher, "TLS_AES_256_GCM_SHA384");
	cr_assert_str_eq(i.alpn, "");
	cr_assert(i.has_cert);
	cr_assert_str_eq(i.subject, x509_field(cert("good.pem"), "-subject"));
	cr_assert_str_eq(i.subject, "O=portscope,CN=good.test");
	cr_assert_str_eq(i.issuer, x509_field(cert("good.pem"), "-issuer"));
	cr_assert_str_eq(i.serial, x509_field(cert("good.pem"), "-serial"));
	cr_assert_eq(i.not_before, x509_time(cert("good.pem"), "-startdate"));
	cr_assert_eq(i.not_after, x509_time(cert("good.pem"), "-enddate"));
	assert_days(i.days_left, i.not_after, before, after);
	/* 30 days from when the certificate was made: 29 full days, 30 within its first second. */
	cr_assert(i.days_left == 29 || i.days_left == 30, "%ld", i.days_left);
	cr_assert_eq(i.chain_len, 1);
	cr_assert_eq(i.chain_earliest_not_after, i.not_after);
	cr_assert_eq(i.chain_days_left, i.days_left);
	cr_assert_eq(i.nsan, 3);
	cr_assert(!i.san_truncated);
	cr_assert_str_eq(ps_tls_info_san(&i, 0), "DNS:good.test");
	cr_assert_str_eq(ps_tls_info_san(&i, 1), "IP:127.0.0.1");
	cr_assert_str_eq(ps_tls_info_san(&i, 2), "email:ops@good.test");
	cr_assert_null(ps_tls_info_san(&i, 3));
}

Test(tls, untrusted_without_the_ca_and_insecure)
{
	struct ps_tls_opts o = { .ca_file = NULL };	/* the system store only */
	struct ps_tls_info i;
	uint16_t port = s_server("good", NULL, NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "untrusted");
	cr_assert_eq(i.verify_code, 20);	/* unable to get local issuer certificate */
	cr_assert_eq(i.verify_depth, 0);
	cr_assert_str_eq(i.verify_error, "unable to get local issuer certificate");
	cr_assert(i.handshake_done && !i.ok);
	cr_assert_str_eq(i.subject, "O=portscope,CN=good.test");	/* reported all the same */
	o.insecure = true;
	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "untrusted");
	cr_assert(i.ok);
}

Test(tls, expired_leaf)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("expired", NULL, NULL);
	time_t before = time(NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "expired");
	cr_assert_str_eq(i.verify_error, "certificate has expired");
	cr_assert(!i.ok);
	cr_assert_eq(i.not_after, 1609459200);	/* 2021-01-01T00:00:00Z */
	cr_assert_eq(i.not_after, x509_time(cert("expired.pem"), "-enddate"));
	assert_days(i.days_left, i.not_after, before, time(NULL));
	cr_assert_lt(i.days_left, -365);
	cr_assert_eq(i.chain_days_left, i.days_left);
}

Test(tls, not_yet_valid_leaf)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("future", NULL, NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "not-yet-valid");
	cr_assert_eq(i.not_before, 2208988800);	/* 2040-01-01T00:00:00Z */
	cr_assert_eq(i.not_before, x509_time(cert("future.pem"), "-startdate"));
	cr_assert_gt(i.days_left, 365);
}

Test(tls, self_signed_leaf)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("self", NULL, NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "self-signed");
	cr_assert_str_eq(i.subject, i.issuer);
	cr_assert(!i.ok);
}

Test(tls, hostname_mismatch_and_sni_override)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("other", NULL, NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "hostname-mismatch");
	cr_assert_str_eq(ps_tls_info_san(&i, 0), "DNS:other.test");
	/* --sni names the certificate's name whatever the target was written as. */
	o.sni = "other.test";
	cr_assert_eq(run(port, "127.0.0.1", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
	/* A literal address is matched against the certificate's IP entries. */
	o.sni = NULL;
	cr_assert_eq(run(port, "127.0.0.1", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "hostname-mismatch");
	cr_assert_eq(i.verify_code, 64);	/* IP address mismatch */
}

Test(tls, literal_address_in_ip_san)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("good", NULL, NULL);

	cr_assert_eq(run(port, "127.0.0.1", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
}

Test(tls, chain_earliest_expiry_is_the_intermediate)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("chained", "inter.pem", NULL);
	time_t before = time(NULL), after, inter_end = x509_time(cert("inter.pem"), "-enddate");

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	after = time(NULL);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
	cr_assert_eq(i.chain_len, 2);
	cr_assert_eq(i.not_after, x509_time(cert("chained.pem"), "-enddate"));
	assert_days(i.days_left, i.not_after, before, after);
	cr_assert(i.days_left == 59 || i.days_left == 60, "%ld", i.days_left);
	cr_assert_eq(i.chain_earliest_not_after, inter_end);
	cr_assert_lt(i.chain_earliest_not_after, i.not_after);
	assert_days(i.chain_days_left, inter_end, before, after);
	cr_assert(i.chain_days_left == 9 || i.chain_days_left == 10, "%ld", i.chain_days_left);
	cr_assert_str_eq(i.issuer, "O=portscope,CN=portscope test intermediate");
}

/* The leaf is fine, its intermediate has expired: "expired" at depth 1, and the chain's
 * earliest expiry is in the past while the leaf's days are still ahead. */
Test(tls, expired_intermediate)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("underold", "oldinter.pem", NULL);

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "expired");
	cr_assert_eq(i.verify_depth, 1);
	cr_assert_eq(i.chain_earliest_not_after, 1609459200);
	cr_assert_lt(i.chain_days_left, -365);
	cr_assert_geq(i.days_left, 29);
}

Test(tls, alpn_negotiation)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = s_server("good", NULL, "h2,http/1.1");

	o.alpn = "h2";
	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(i.alpn, "h2");
	o.alpn = "http/1.1";
	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(i.alpn, "http/1.1");
	o.alpn = "spdy/3,http/1.1";
	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(i.alpn, "http/1.1");
	o.alpn = NULL;
	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_DONE);
	cr_assert_str_eq(i.alpn, "");
}

/* A plain-text server answers the ClientHello: the handshake fails with OpenSSL's reason. */
Test(tls, handshake_failed_on_plain_text)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	uint16_t port = starttls_server("smtp", "garbage");

	cr_assert_eq(run(port, "good.test", &o, &i), PS_TLS_FAILED);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "handshake-failed");
	cr_assert_str_eq(i.verify_error, "wrong version number");
	cr_assert(!i.handshake_done && !i.ok && !i.has_cert);
}

/* The server goes away before the ClientHello: with a FIN or with a reset (SO_LINGER 0).
 * Either is a failed handshake for this session and never a SIGPIPE for the process. */
static void assert_peer_gone(bool reset, const char *why)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), fd, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0);
	cr_assert(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	fd = connect_loopback(ntohs(a.sin_port));
	s = accept(l, NULL, NULL);
	cr_assert(s >= 0);
	if (reset)
		cr_assert(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(s);
	close(l);
	usleep(20000);	/* the FIN or RST has arrived */
	cr_assert_eq(run_fd(fd, "good.test", &o, &i), PS_TLS_FAILED);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "handshake-failed");
	cr_assert_str_eq(i.verify_error, why);
}

Test(tls, handshake_failed_on_close)
{
	assert_peer_gone(false, "unexpected eof while reading");
	assert_peer_gone(true, "Connection reset by peer");
}

#define MANY 24

/* Step session k; once it ends, check it and free it so the server takes the next one. */
static unsigned step_one(struct ps_tls **t, struct pollfd *p, unsigned k)
{
	enum ps_tls_status s = ps_tls_step(t[k]);
	struct ps_tls_info i;

	if (s == PS_TLS_WANT_READ || s == PS_TLS_WANT_WRITE) {
		p[k].events = s == PS_TLS_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	ps_tls_info(t[k], &i);
	cr_assert_eq(s, PS_TLS_DONE, "session %u: %s", k, i.verify_error);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
	ps_tls_free(t[k]);
	close(p[k].fd);
	p[k].fd = -1;
	return 1;
}

/* Many sessions in one poll loop from one context, as the engine will run them: each
 * progresses when its socket is ready, none waits for another to finish. */
Test(tls, many_sessions_in_one_loop)
{
	struct ps_tls_opts o = with_ca();
	uint16_t port = s_server("good", NULL, NULL);
	struct ps_tls_ctx *c;
	struct ps_tls *t[MANY];
	struct pollfd p[MANY];
	unsigned done = 0;
	ps_err err;

	c = ps_tls_ctx_new(&o, &err);
	cr_assert(c);
	for (unsigned k = 0; k < MANY; k++) {
		p[k].fd = connect_loopback(port);
		t[k] = ps_tls_new(c, p[k].fd, "good.test", &err);
		cr_assert(t[k], "%s", err.msg);
	}
	ps_tls_ctx_free(c);
	for (unsigned k = 0; k < MANY; k++)
		done += step_one(t, p, k);
	while (done < MANY) {
		cr_assert(poll(p, MANY, 10000) > 0, "no progress in 10 s");
		for (unsigned k = 0; k < MANY; k++)
			if (p[k].fd >= 0 && p[k].revents)
				done += step_one(t, p, k);
	}
}

Test(tls, info_before_the_handshake_is_incomplete)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	ps_err err;
	struct ps_tls_ctx *c = ps_tls_ctx_new(&o, &err);
	int sv[2];
	struct ps_tls *t;

	cr_assert(c && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	t = ps_tls_new(c, sv[0], "good.test", &err);
	cr_assert(t);
	ps_tls_info(t, &i);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "incomplete");
	cr_assert_eq(ps_tls_step(t), PS_TLS_WANT_READ);	/* ClientHello sent, nothing back */
	ps_tls_info(t, &i);
	cr_assert_str_eq(i.verify_error, "the handshake did not finish");
	ps_tls_free(t);
	ps_tls_ctx_free(c);
	close(sv[0]);
	close(sv[1]);
}

static void assert_opts_error(const struct ps_tls_opts *o, const char *token)
{
	ps_err err = { 0 };

	cr_assert_null(ps_tls_ctx_new(o, &err));
	cr_assert_eq(err.kind, PS_ERR_INPUT, "%s", err.msg);
	cr_assert(strstr(err.msg, token), "'%s' does not name '%s'", err.msg, token);
}

Test(tls, option_errors_name_the_token)
{
	char notpem[] = "/tmp/portscope-tls-notpem-XXXXXX";
	int fd = mkstemp(notpem);

	cr_assert(fd >= 0 && write(fd, "not a certificate\n", 18) == 18);
	close(fd);
	assert_opts_error(&(struct ps_tls_opts){ .ca_file = notpem }, notpem);
	unlink(notpem);
	assert_opts_error(&(struct ps_tls_opts){ .ca_file = "/nonexistent/ca.pem" },
			  "/nonexistent/ca.pem");
	assert_opts_error(&(struct ps_tls_opts){ .alpn = "h2,,http/1.1" }, "h2,,http/1.1");
	assert_opts_error(&(struct ps_tls_opts){ .alpn = "" }, "ALPN");
}

/* STARTTLS then the handshake against the python server: "ok" upgrades (and the
 * certificate verifies as on plain TLS), "refuse" answers the protocol's no. */
static void assert_starttls(const char *proto, const char *refusal)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	ps_err err;
	uint16_t ok = starttls_server(proto, "ok"), refuse = starttls_server(proto, "refuse");

	cr_assert_eq(ps_starttls_parse(proto, &o.starttls, &err), 0);
	cr_assert_eq(run(ok, "good.test", &o, &i), PS_TLS_DONE, "%s: %s", proto, i.verify_error);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "ok");
	cr_assert_str_eq(i.subject, "O=portscope,CN=good.test");
	cr_assert_eq(run(refuse, "good.test", &o, &i), PS_TLS_FAILED);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "starttls-refused");
	cr_assert_str_eq(i.verify_error, refusal);
	cr_assert(!i.handshake_done && !i.ok);
}

Test(tls, starttls_smtp)
{
	assert_starttls("smtp", "server replied: '454 4.7.0 TLS not available due to temporary "
				"reason'");
}

Test(tls, starttls_imap)
{
	assert_starttls("imap", "server replied: 'a1 NO STARTTLS not available'");
}

Test(tls, starttls_pop3)
{
	assert_starttls("pop3", "server replied: '-ERR command not permitted'");
}

Test(tls, starttls_ftp)
{
	assert_starttls("ftp", "server replied: '534 Request denied for policy reasons'");
}

Test(tls, starttls_postgres)
{
	assert_starttls("postgres", "server does not accept SSL");
}

Test(tls, starttls_xmpp)
{
	assert_starttls("xmpp", "server answered: 'failure'");
}

static void assert_refused(const char *proto, const char *mode, const char *why)
{
	struct ps_tls_opts o = with_ca();
	struct ps_tls_info i;
	ps_err err;

	cr_assert_eq(ps_starttls_parse(proto, &o.starttls, &err), 0);
	cr_assert_eq(run(starttls_server(proto, mode), "good.test", &o, &i), PS_TLS_FAILED);
	cr_assert_str_eq(ps_tls_verify_name(i.verify), "starttls-refused");
	cr_assert_str_eq(i.verify_error, why);
	stop_servers();
}

/* Not offering the upgrade, or not speaking the protocol at all, is a refusal too. */
Test(tls, starttls_not_offered_or_not_the_protocol)
{
	assert_refused("smtp", "absent", "STARTTLS is not in the EHLO reply");
	assert_refused("xmpp", "absent", "starttls is not in the stream features");
	assert_refused("smtp", "garbage", "not an SMTP reply: 'HTTP/1.0 400 Bad Request'");
	assert_refused("imap", "garbage", "not an IMAP greeting: 'HTTP/1.0 400 Bad Request'");
	assert_refused("postgres", "garbage", "not a PostgreSQL answer: 'H'");
}

/* Read through t until buf holds a line ending or the stream ends; returns the status of
 * the last read (DONE with *got 0 at the end). */
static enum ps_tls_status read_line(struct ps_tls *t, int fd, char *buf, size_t cap, size_t *len)
{
	enum ps_tls_status s;
	size_t got = 0;

	do {
		struct pollfd p = { .fd = fd };

		s = ps_tls_read(t, buf + *len, cap - *len, &got);
		*len += got;
		if (s == PS_TLS_WANT_READ || s == PS_TLS_WANT_WRITE) {
			p.events = s == PS_TLS_WANT_READ ? POLLIN : POLLOUT;
			cr_assert(poll(&p, 1, 10000) == 1, "no progress in 10 s");
			continue;
		}
	} while (s != PS_TLS_FAILED && !(s == PS_TLS_DONE && got == 0) &&
		 !(*len && buf[*len - 1] == '\n'));
	return s;
}

/* Application data after the handshake (--send, --expect, --banner through TLS): the
 * server's greeting, our line and its echo, then the end of the stream (a close without
 * close_notify is an end, not an error). Before the handshake there is nothing to say. */
Test(tls, application_data_after_the_handshake)
{
	struct ps_tls_opts o = with_ca();
	uint16_t port = starttls_server("tls", "talk");
	int fd = connect_loopback(port);
	ps_err err = { 0 };
	struct ps_tls_ctx *c = ps_tls_ctx_new(&o, &err);
	struct ps_tls *t = ps_tls_new(c, fd, "good.test", &err);
	char buf[256];
	size_t len = 0, got = 9;

	cr_assert(c && t, "%s", err.msg);
	cr_assert_eq(ps_tls_write(t, "x", 1), PS_TLS_FAILED);
	cr_assert_eq(ps_tls_read(t, buf, sizeof(buf), &got), PS_TLS_FAILED);
	cr_assert_eq(got, 0);
	cr_assert_eq(drive(t, fd), PS_TLS_DONE);
	cr_assert_eq(read_line(t, fd, buf, sizeof(buf), &len), PS_TLS_DONE);
	cr_assert_eq(len, 20);
	cr_assert_eq(memcmp(buf, "220 ready over TLS\r\n", 20), 0);
	cr_assert_eq(ps_tls_write(t, "HELLO\r\n", 7), PS_TLS_DONE);
	len = 0;
	cr_assert_eq(read_line(t, fd, buf, sizeof(buf), &len), PS_TLS_DONE);
	cr_assert_eq(len, 12);
	cr_assert_eq(memcmp(buf, "ECHO HELLO\r\n", 12), 0);
	len = 0;
	cr_assert_eq(read_line(t, fd, buf, sizeof(buf), &len), PS_TLS_DONE, "end of stream");
	cr_assert_eq(len, 0);
	ps_tls_free(t);
	ps_tls_ctx_free(c);
	close(fd);
}
