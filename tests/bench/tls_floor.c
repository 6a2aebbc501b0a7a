/* The least a TLS client built on this machine's OpenSSL can do per endpoint, for
 * tests/bench/tls.sh: connect, a full handshake (SNI, no session ticket asked for, no
 * verification, no certificate read out, nothing printed per endpoint), close. Two
 * threads per CPU, as portscope runs two event loops per CPU, each taking the next
 * address from a shared counter and blocking in connect(2) and SSL_connect(3) with a
 * 10 s timeout on the socket.
 *
 *   tls_floor HOSTS-FILE PORT SNI
 *
 * HOSTS-FILE holds one IPv4 address a line (at most 65,536). Prints how many handshakes
 * completed; exit 0 when all did, 1 otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_HOSTS 65536
#define MAX_THREADS 16

static struct in_addr hosts[MAX_HOSTS];
static int nhosts;
static atomic_int next, done;
static SSL_CTX *ctx;
static in_port_t port;
static const char *sni;

static int handshake(struct in_addr a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = port, .sin_addr = a };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;
	SSL *ssl;

	if (fd < 0)
		return 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && (ssl = SSL_new(ctx))) {
		SSL_set_fd(ssl, fd);
		SSL_set_tlsext_host_name(ssl, sni);
		ok = SSL_connect(ssl) == 1;
		SSL_free(ssl);
	}
	close(fd);
	return ok;
}

static void *worker(void *arg)
{
	int i;

	(void)arg;
	while ((i = atomic_fetch_add(&next, 1)) < nhosts)
		if (handshake(hosts[i]))
			atomic_fetch_add(&done, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[MAX_THREADS];
	char line[64];
	cpu_set_t set;
	FILE *f;
	int n, i;

	if (argc != 4 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: tls_floor HOSTS-FILE PORT SNI\n");
		return 2;
	}
	while (nhosts < MAX_HOSTS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (inet_pton(AF_INET, line, &hosts[nhosts]) == 1)
			nhosts++;
	}
	fclose(f);
	port = htons((uint16_t)atoi(argv[2]));
	sni = argv[3];
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return 2;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);	/* as portscope: nothing resumes */
	n = sched_getaffinity(0, sizeof(set), &set) == 0 ? 2 * CPU_COUNT(&set) : 2;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0)
			break;
	while (i-- > 0)
		pthread_join(tids[i], NULL);
	printf("%d handshakes of %d\n", atomic_load(&done), nhosts);
	SSL_CTX_free(ctx);
	return atomic_load(&done) == nhosts ? 0 : 1;
}
