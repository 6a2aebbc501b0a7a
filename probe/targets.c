/* Target parsing and name resolution for check and scan. A target names its protocol
 * (tcp:// or udp://, else the caller's default), so cmd/ can hand each one to the right
 * engine; a name is resolved to every address so each is probed and reported. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe/ports.h"
#include "probe/proto.h"
#include "probe/targets.h"

static int parse_port(const char *s, const char *text, uint8_t proto, uint16_t *port,
		      ps_err *err)
{
	char *end;
	long v;
	int svc;

	if (!*s)
		return ps_err_input(err, "missing port in '%s'", text);
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v < 1 || v > 65535)
			return ps_err_input(err, "invalid port '%s' in '%s' (1-65535)", s, text);
		*port = (uint16_t)v;
		return 0;
	}
	svc = ps_ports_service_port(s, ps_proto_name(proto));
	if (svc <= 0)
		return ps_err_input(err, "invalid port '%s' in '%s' (a number or a service name)", s,
				  text);
	*port = (uint16_t)svc;
	return 0;
}

/* An IPv6 literal: a link-local one needs its %IFNAME (the kernel cannot tell which link
 * otherwise: connect() says EINVAL), and a named interface must exist. */
static int check_scope(const char *host, const char *text, ps_err *err)
{
	char buf[PS_HOST_MAX];
	char *pct;
	struct in6_addr a;

	if (!strchr(host, ':'))
		return 0;
	snprintf(buf, sizeof(buf), "%s", host);
	pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return 0;	/* not a literal: the resolver says what is wrong */
	if (!pct && IN6_IS_ADDR_LINKLOCAL(&a))
		return ps_err_input(err, "link-local address '%s' needs %%IFNAME in '%s'", buf,
				    text);
	if (pct && !(pct[1] >= '0' && pct[1] <= '9') && if_nametoindex(pct + 1) == 0)
		return ps_err_input(err, "unknown interface '%s' in '%s'", pct + 1, text);
	return 0;
}

static int set_host(struct ps_target *t, const char *s, size_t len, const char *text, ps_err *err)
{
	if (len == 0)
		return ps_err_input(err, "missing host in '%s'", text);
	if (len >= sizeof(t->host))
		return ps_err_input(err, "host name too long in '%.40s...'", text);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == '[' || c == ']')
			return ps_err_input(err, "invalid host in '%s'", text);
	}
	memcpy(t->host, s, len);
	t->host[len] = '\0';
	return check_scope(t->host, text, err);
}

int ps_targets_parse(const char *text, bool need_port, uint8_t default_proto,
		     struct ps_target *t, ps_err *err)
{
	const char *s = text, *sep, *colon;
	size_t tlen = strlen(text);

	memset(t, 0, sizeof(*t));
	if (tlen == 0)
		return ps_err_input(err, "empty target");
	if (tlen >= sizeof(t->text))
		return ps_err_input(err, "target too long: '%.40s...'", text);
	memcpy(t->text, text, tlen + 1);
	t->proto = default_proto;
	if ((sep = strstr(s, "://")) != NULL) {
		size_t slen = (size_t)(sep - s);

		if (slen == 3 && strncasecmp(s, "tcp", 3) == 0)
			t->proto = IPPROTO_TCP;
		else if (slen == 3 && strncasecmp(s, "udp", 3) == 0)
			t->proto = IPPROTO_UDP;
		else if (slen == 3 && strncasecmp(s, "tls", 3) == 0)
			t->proto = IPPROTO_TCP, t->tls = true;
		else
			return ps_err_input(err, "unknown scheme '%.*s' in '%s' (tcp://, udp:// or "
					    "tls://)",
					  (int)(slen > 20 ? 20 : slen), s, text);
		t->proto_given = true;
		s = sep + 3;
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return ps_err_input(err, "missing ']' in '%s'", text);
		if (set_host(t, s + 1, (size_t)(close - s - 1), text, err) < 0)
			return -1;
		if (!strchr(t->host, ':'))
			return ps_err_input(err, "brackets are for IPv6 addresses in '%s'", text);
		s = close + 1;
		if (*s == '\0') {
			if (need_port)
				return ps_err_input(err, "missing port in '%s'", text);
			return 0;
		}
		if (*s != ':')
			return ps_err_input(err, "unexpected '%s' after ']' in '%s'", s, text);
		if (!need_port)
			return ps_err_input(err, "unexpected port in '%s' (scan takes ports from -p)",
					  text);
		return parse_port(s + 1, text, t->proto, &t->port, err);
	}
	colon = strrchr(s, ':');
	if (!need_port) {
		/* A bare IPv6 literal has several colons; one colon is host:port. */
		if (colon && strchr(s, ':') == colon)
			return ps_err_input(err, "unexpected port in '%s' (scan takes ports from -p)",
					  text);
		return set_host(t, s, strlen(s), text, err);
	}
	if (!colon)
		return ps_err_input(err, "missing port in '%s' (host:port)", text);
	if (memchr(s, ':', (size_t)(colon - s)))
		return ps_err_input(err, "IPv6 address needs brackets in '%s' ([addr]:port)", text);
	if (set_host(t, s, (size_t)(colon - s), text, err) < 0)
		return -1;
	return parse_port(colon + 1, text, t->proto, &t->port, err);
}

void ps_sockaddr_set_port(union ps_sockaddr *sa, uint16_t port)
{
	if (sa->sa.sa_family == AF_INET6)
		sa->v6.sin6_port = htons(port);
	else
		sa->v4.sin_port = htons(port);
}

uint16_t ps_sockaddr_port(const union ps_sockaddr *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET6 ? sa->v6.sin6_port : sa->v4.sin_port);
}

bool ps_sockaddr_same_host(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return a->sa.sa_family == AF_INET6 &&
	       memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, sizeof(a->v6.sin6_addr)) == 0;
}

socklen_t ps_sockaddr_len(const union ps_sockaddr *sa)
{
	return sa->sa.sa_family == AF_INET6 ? sizeof(sa->v6) : sizeof(sa->v4);
}

bool ps_sockaddr_is_loopback(const union ps_sockaddr *sa)
{
	if (sa->sa.sa_family == AF_INET)
		return (ntohl(sa->v4.sin_addr.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_LOOPBACK(&sa->v6.sin6_addr))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&sa->v6.sin6_addr) && sa->v6.sin6_addr.s6_addr[12] == 127;
}

static bool same_addr(const union ps_sockaddr *a, const union ps_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, sizeof(a->v6.sin6_addr)) == 0 &&
	       a->v6.sin6_scope_id == b->v6.sin6_scope_id;
}

/* A scoped IPv6 address keeps its scope in the text: fe80::1%eth0. */
static void scope_text(struct ps_addr *a)
{
	char name[IF_NAMESIZE];
	size_t n = strlen(a->text);

	if (a->sa.sa.sa_family != AF_INET6 || !a->sa.v6.sin6_scope_id)
		return;
	if (if_indextoname(a->sa.v6.sin6_scope_id, name))
		snprintf(a->text + n, sizeof(a->text) - n, "%%%s", name);
	else
		snprintf(a->text + n, sizeof(a->text) - n, "%%%u", a->sa.v6.sin6_scope_id);
}

int ps_targets_resolve(const char *host, int family, struct ps_addrlist *out, ps_err *err)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	size_t n = 0;
	int rc;

	out->v = NULL;
	out->len = 0;
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	/* A zone ("fe80::1%eth0") belongs to an address literal, never to a name: no
	 * resolver is asked about it. */
	if (strchr(host, '%'))
		hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 && hints.ai_flags == AI_NUMERICHOST && rc != EAI_MEMORY)
		return ps_err_input(err, "invalid address '%s' (a zone follows a link-local "
				    "IPv6 address: fe80::1%%eth0)", host);
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			return ps_err_system(err, "cannot resolve '%s': %s", host, strerror(errno));
		if (rc == EAI_MEMORY)
			return ps_err_nomem(err);
		if (rc == EAI_AGAIN)
			return ps_err_system(err, "cannot resolve '%s': %s", host, gai_strerror(rc));
		if ((rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) &&
		    family != AF_UNSPEC)
			return ps_err_input(err, "'%s' has no %s address", host,
					  family == AF_INET ? "IPv4" : "IPv6");
		return ps_err_input(err, "cannot resolve '%s': %s", host, gai_strerror(rc));
	}
	for (ai = res; ai; ai = ai->ai_next)
		n++;
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		freeaddrinfo(res);
		return ps_err_nomem(err);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct ps_addr *a = &out->v[out->len];
		bool dup = false;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(a->sa))
			continue;
		memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
		for (size_t i = 0; i < out->len && !dup; i++)
			dup = same_addr(&out->v[i].sa, &a->sa);
		if (dup)
			continue;
		if (!inet_ntop(ai->ai_family,
			       ai->ai_family == AF_INET ? (const void *)&a->sa.v4.sin_addr
							: (const void *)&a->sa.v6.sin6_addr,
			       a->text, sizeof(a->text)))
			continue;
		scope_text(a);
		out->len++;
	}
	freeaddrinfo(res);
	if (out->len == 0) {
		ps_addrlist_free(out);
		return ps_err_input(err, "'%s' has no IPv4 or IPv6 address", host);
	}
	return 0;
}

void ps_addrlist_free(struct ps_addrlist *l)
{
	free(l->v);
	l->v = NULL;
	l->len = 0;
}
