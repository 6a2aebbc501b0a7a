/* Service names to ports, from the services file's text, as the C library's "files"
 * source reads it (nss_files' services parser): a '#' starts a comment, fields are split
 * by white space, "NAME PORT/PROTO [ALIAS...]", PORT as strtoul(base 0) reads it (at most
 * 32 bits, the low 16 kept), any number of '/', a protocol that may be empty; the first
 * line in file order that names NAME (or has it as an alias) for the protocol wins.
 * getservbyname() reads the whole file on every call; a port spec naming many services,
 * a policy with thousands of rules or a fuzzer paid for that each time. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/svcnames.h"

struct name_entry {
	const char *name;
	const char *proto;
	uint32_t order;
	uint16_t port;
};

static char *pool;			/* the text, fields NUL-terminated in place */
static struct name_entry *names;
static size_t name_count, name_cap;

static int name_cmp(const void *a, const void *b)
{
	const struct name_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The next white-space-separated field at *p (before end), NUL-terminated; NULL if none. */
static char *field(char **p, const char *end)
{
	char *s = *p, *f;

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end)
		return NULL;
	f = s;
	while (s < end && !isspace((unsigned char)*s))
		s++;
	if (s < end)
		*s++ = '\0';
	*p = s;
	return f;
}

static int add_name(const char *name, const char *proto, uint16_t port)
{
	if (name_count == name_cap) {
		size_t ncap = name_cap ? name_cap * 2 : 1024;
		struct name_entry *t = realloc(names, ncap * sizeof(*t));

		if (!t)
			return -1;	/* a partial index only costs names */
		names = t;
		name_cap = ncap;
	}
	names[name_count] = (struct name_entry){ name, proto, (uint32_t)name_count, port };
	name_count++;
	return 0;
}

/* The port field at p: digits as strtoul (base 0) reads them, at most 32 bits, then any
 * number of '/' or the end of the line; the port is the low 16 bits. NULL when it is not
 * one, else where the protocol starts. */
static char *port_field(char *p, uint16_t *port)
{
	char *endp;
	unsigned long v = strtoul(p, &endp, 0);

	if (endp == p || v > 0xffffffffUL)
		return NULL;
	if (*endp != '/' && *endp != '\0')
		return NULL;
	while (*endp == '/')
		endp++;
	*port = (uint16_t)v;
	return endp;
}

/* One line, NUL-terminated at end: its name and aliases. */
static int index_line(char *l, char *end)
{
	char *hash = memchr(l, '#', (size_t)(end - l));
	char *name, *proto, *alias;
	uint16_t port;

	if (hash) {
		*hash = '\0';
		end = hash;
	}
	name = field(&l, end);
	if (!name || l == end || !(l = port_field(l, &port)))
		return 0;
	/* The protocol runs to the next white space; it may be empty ("22", "22/ tcp"). */
	proto = l;
	while (l < end && !isspace((unsigned char)*l))
		l++;
	if (l < end)
		*l++ = '\0';
	if (add_name(name, proto, port) < 0)
		return -1;
	while ((alias = field(&l, end)))
		if (add_name(alias, proto, port) < 0)
			return -1;
	return 0;
}

void ps_svcnames_parse(const char *text, size_t len)
{
	free(pool);
	free(names);
	pool = NULL;
	names = NULL;
	name_count = name_cap = 0;
	pool = malloc(len + 1);
	if (!pool)
		return;
	memcpy(pool, text, len);
	pool[len] = '\0';
	for (char *l = pool, *stop = pool + len; l < stop;) {
		char *nl = memchr(l, '\n', (size_t)(stop - l));
		char *end = nl ? nl : stop;
		/* A NUL byte ends a line's text for the C library too (it reads lines as strings). */
		char *nul = memchr(l, '\0', (size_t)(end - l));

		if (nul)
			end = nul;
		*end = '\0';
		if (index_line(l, end) < 0)
			break;
		l = (nl ? nl : stop) + 1;
	}
	if (name_count)
		qsort(names, name_count, sizeof(*names), name_cmp);
}

int ps_svcnames_port(const char *name, const char *proto)
{
	size_t lo = 0, hi = name_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Equal names are in file order: the first one for the protocol wins. */
	for (; lo < name_count && strcmp(names[lo].name, name) == 0; lo++)
		if (!proto || strcmp(names[lo].proto, proto) == 0)
			return names[lo].port;
	return -1;
}
