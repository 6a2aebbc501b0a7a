/* --source: parsing and checking local source addresses, and binding sockets to them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/escape.h"
#include "probe/source.h"

/* One address literal (n bytes of tok) into sa. Returns 0, or -1 when it is none. */
static int literal(const char *tok, size_t n, union ps_sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (n >= 2 && tok[0] == '[' && tok[n - 1] == ']') {
		tok++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, buf, &sa->v4.sin_addr) == 1) {
		sa->v4.sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &sa->v6.sin6_addr) == 1) {
		sa->v6.sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

static bool same_addr(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, sizeof(a->v6.sin6_addr)) == 0;
}

/* Whether sa is an address of this host: a socket can be bound to it. */
static int check_local(const union ps_sockaddr *sa, const char *tok, ps_err *err)
{
	int fd = socket(sa->sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return ps_err_system(err, "socket: %s", strerror(errno));
	rc = ps_source_bind(fd, sa, err);
	(void)close(fd);
	if (rc < 0 && err->kind == PS_ERR_INPUT)
		return ps_err_input(err, "source address '%s' is not an address of this host", tok);
	return rc;
}

int ps_sources_parse(const char *list, struct ps_sources *s, ps_err *err)
{
	const char *p = list;

	s->n = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		char tok[96];
		union ps_sockaddr sa;

		ps_escape(p, n, tok, sizeof(tok));
		if (literal(p, n, &sa) < 0)
			return ps_err_input(err, "invalid source address '%s'", tok);
		for (int i = 0; i < s->n; i++)
			if (same_addr(&s->a[i], &sa))
				return ps_err_input(err, "source address '%s' given twice", tok);
		if (s->n == PS_SOURCES_MAX)
			return ps_err_input(err, "too many source addresses (at most %d)",
					    PS_SOURCES_MAX);
		if (check_local(&sa, tok, err) < 0)
			return -1;
		s->a[s->n++] = sa;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

int ps_sources_pick(const union ps_sockaddr *a, int n, int family, int from)
{
	for (int k = 1; k <= n; k++) {
		int i = (from + k) % n;

		if (a[i].sa.sa_family == family)
			return i;
	}
	return -1;
}

int ps_source_bind(int fd, const union ps_sockaddr *src, ps_err *err)
{
	union ps_sockaddr sa = *src;

	ps_sockaddr_set_port(&sa, 0);
	if (bind(fd, &sa.sa, ps_sockaddr_len(&sa)) == 0)
		return 0;
	if (errno == EADDRNOTAVAIL || errno == EINVAL)
		return ps_err_input(err, "cannot bind to the source address: %s", strerror(errno));
	return ps_err_system(err, "bind to the source address: %s", strerror(errno));
}
