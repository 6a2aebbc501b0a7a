/* Benchmark helper: open N listening TCP sockets on 127.0.0.1 (kernel-chosen ports), print
 * "ready" and hold them until a signal arrives, or for 15 minutes at most. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	struct rlimit rl;

	if (n <= 0 || n > 60000) {
		fprintf(stderr, "hold: count must be 1-60000\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (long i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0) {
			fprintf(stderr, "hold: socket %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	alarm(900);
	for (;;)
		pause();
}
