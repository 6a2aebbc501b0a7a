/* Helpers shared by portscope's Criterion tests: run the binary, open sockets. */
#ifndef PS_TEST_HELPERS_H
#define PS_TEST_HELPERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The binary under test: $PORTSCOPE, else build/portscope. */
const char *t_binary(void);

/* Run argv (argv[0] is replaced by the binary when NULL) with optional stdin text; capture
 * stdout and stderr (malloc'd, NUL-terminated; pass NULL to drop). Returns the exit status,
 * or -1 when it did not exit normally. */
int t_run(const char *const *argv, const char *input, char **out, char **err);

/* Run portscope with args and parse stdout as JSON (NULL when it is not). */
json_t *t_run_json(const char *const *argv, int *status);

/* A listening TCP socket on addr (IPv4 or IPv6 literal), port 0 for any; v6only -1 leaves
 * the system default. Returns the fd and sets *port. Aborts the test on failure. */
int t_tcp_listen(const char *addr, uint16_t *port, int v6only);
/* A bound UDP socket, as above. */
int t_udp_bind(const char *addr, uint16_t *port, int v6only);
/* A connected TCP pair to a listener on port: returns the client fd, *server the accepted. */
int t_tcp_pair(const char *addr, uint16_t port, int listen_fd, int *server);

bool t_is_root(void);

/* The bytes of tests/fixtures/NAME (a recorded dump, at most 64 KiB; malloc'd) and their
 * length. Aborts the test when the file is missing or empty. */
char *t_fixture(const char *name, size_t *len);

/* Lines of `cmd` output, for comparison with ss: returns a malloc'd string. */
char *t_capture(const char *cmd);

#endif
