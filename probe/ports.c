/* Port specs, IANA classes (RFC 6335), this host's ephemeral range and the services
 * database. The services database is read once into a table sorted by port and a name
 * index (probe/svcnames.c), because getservbyport() and getservbyname() re-read
 * /etc/services on every call: a 20,000-socket listing or a port spec naming many
 * services would pay for that every time. */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/names.h"
#include "probe/ports.h"
#include "probe/svcnames.h"

void ps_portset_clear(struct ps_portset *set)
{
	memset(set, 0, sizeof(*set));
}

/* A word at a time: "-" or "1-65535" is 1,024 words, not 65,535 bits. */
void ps_portset_add_range(struct ps_portset *set, unsigned lo, unsigned hi)
{
	if (hi > 65535)
		hi = 65535;
	while (lo <= hi) {
		unsigned last = (lo | 63) < hi ? (lo | 63) : hi;
		unsigned n = last - lo + 1;
		uint64_t mask = (n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << (lo & 63);
		uint64_t *w = &set->bits[lo >> 6];

		set->count += (unsigned)__builtin_popcountll(mask & ~*w);
		*w |= mask;
		lo = last + 1;
	}
}

int ps_portset_next(const struct ps_portset *set, unsigned from)
{
	while (from <= 65535) {
		uint64_t w = set->bits[from >> 6] >> (from & 63);

		if (w)
			return (int)(from + (unsigned)__builtin_ctzll(w));
		from = (from | 63) + 1;
	}
	return -1;
}

enum ps_port_class ps_ports_class(unsigned port)
{
	if (port <= 1023)
		return PS_CLASS_WELL_KNOWN;
	if (port <= 49151)
		return PS_CLASS_REGISTERED;
	return PS_CLASS_DYNAMIC;
}

static const char *const class_names[] = {
	[PS_CLASS_WELL_KNOWN] = "well-known",
	[PS_CLASS_REGISTERED] = "registered",
	[PS_CLASS_DYNAMIC] = "dynamic",
};

PS_NAMES_FUNCS(enum ps_port_class, class_names, ps_ports_class_name, ps_ports_class_parse)

/* Parse a decimal port 0-65535 occupying all of s[0..len). Returns it, or -1. */
static long parse_port_number(const char *s, size_t len)
{
	long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? v : -2;
}

/* A range "lo-hi" (or one port) in item; open says "-hi" and "lo-" are allowed. */
static int add_range(const char *item, bool open, unsigned lo_min, struct ps_portset *set,
		     ps_err *err)
{
	const char *dash = strchr(item, '-');
	long lo, hi;

	lo = parse_port_number(item, dash ? (size_t)(dash - item) : strlen(item));
	hi = dash ? parse_port_number(dash + 1, strlen(dash + 1)) : lo;
	if (open && dash == item)
		lo = 1;
	if (open && dash && dash[1] == '\0' && dash != item)
		hi = 65535;
	if (lo == -2 || hi == -2)
		return ps_err_input(err, "invalid port '%s' (%u-65535)", item, lo_min);
	if (lo < 0 || hi < 0)
		return ps_err_input(err, "invalid port '%s'", item);
	if (lo < (long)lo_min || hi < (long)lo_min)
		return ps_err_input(err, "invalid port '%s' (%u-65535)", item, lo_min);
	if (lo > hi)
		return ps_err_input(err, "invalid range '%s' (start above end)", item);
	ps_portset_add_range(set, (unsigned)lo, (unsigned)hi);
	return 0;
}

static int add_item(const char *item, const char *proto, bool allow_zero, bool open,
		    struct ps_portset *set, ps_err *err)
{
	unsigned lo_min = allow_zero ? 0 : 1;
	enum ps_port_class cls;
	int svc;

	if (*item == '\0')
		return ps_err_input(err, "empty item in port spec");
	if (strcmp(item, "-") == 0 || strcmp(item, "all") == 0) {
		ps_portset_add_range(set, 1, 65535);
		return 0;
	}
	if (ps_ports_class_parse(item, &cls) == 0) {
		static const unsigned bounds[][2] = { { 0, 1023 }, { 1024, 49151 }, { 49152, 65535 } };
		unsigned a = bounds[cls][0] < lo_min ? lo_min : bounds[cls][0];

		ps_portset_add_range(set, a, bounds[cls][1]);
		return 0;
	}
	if (isdigit((unsigned char)*item) || (open && *item == '-'))
		return add_range(item, open, lo_min, set, err);
	svc = ps_ports_service_port(item, proto);
	if (svc < 0)
		return ps_err_input(err, "unknown service '%s'", item);
	ps_portset_add_range(set, (unsigned)svc, (unsigned)svc);
	return 0;
}

/* Add every item of spec to set; open: the command-line forms of ps_ports_parse_arg. */
static int parse_items(const char *spec, const char *proto, bool allow_zero, bool open,
		       struct ps_portset *set, ps_err *err)
{
	char item[128];
	const char *p = spec, *comma;
	size_t len;

	if (!spec || !*spec)
		return ps_err_input(err, "empty port spec");
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (open && len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (open && len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len >= sizeof(item))
			return ps_err_input(err, "invalid port '%.*s...'", 32, p);
		memcpy(item, p, len);
		item[len] = '\0';
		if (add_item(item, proto, allow_zero, open, set, err) < 0)
			return -1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

int ps_ports_parse_spec(const char *spec, const char *proto, bool allow_zero,
			struct ps_portset *set, ps_err *err)
{
	ps_portset_clear(set);
	return parse_items(spec, proto, allow_zero, false, set, err);
}

int ps_ports_parse_arg(const char *spec, const char *proto, bool allow_zero,
		       struct ps_portset *set, ps_err *err)
{
	return parse_items(spec, proto, allow_zero, true, set, err);
}

bool ps_ports_ephemeral(unsigned port)
{
	static int lo = -1, hi = -1;

	if (lo < 0) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");

		/* The kernel's default when the file is unreadable (no /proc). */
		lo = 32768;
		hi = 60999;
		if (f) {
			char line[64], *mid = line, *end = line;
			long a = 0, b = 0;

			if (fgets(line, sizeof(line), f)) {
				a = strtol(line, &mid, 10);
				b = strtol(mid, &end, 10);
			}
			if (mid != line && end != mid && a >= 0 && b <= 65535 && a <= b) {
				lo = (int)a;
				hi = (int)b;
			}
			fclose(f);
		}
	}
	return (int)port >= lo && (int)port <= hi;
}

struct svc_entry {
	uint16_t port;
	uint8_t proto;
	char name[29];
};

static struct svc_entry *svc_table;
static size_t svc_count;
static bool svc_loaded;

static int svc_cmp(const struct svc_entry *x, const struct svc_entry *y)
{
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

/* One services line, "name port/proto [aliases...] [# comment]", into the table. */
static void svc_line(const char *l, size_t n, size_t *cap)
{
	char name[64], pp[32];
	size_t k = 0, nl = 0, pl = 0;
	unsigned long port;
	char *end;
	int proto;

	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	while (k < n && l[k] != ' ' && l[k] != '\t' && l[k] != '#' && nl + 1 < sizeof(name))
		name[nl++] = l[k++];
	if (!nl || (k < n && l[k] != ' ' && l[k] != '\t'))
		return;	/* a comment, an empty line, or a name too long */
	name[nl] = '\0';
	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	while (k < n && l[k] != ' ' && l[k] != '\t' && l[k] != '#' && pl + 1 < sizeof(pp))
		pp[pl++] = l[k++];
	pp[pl] = '\0';
	port = strtoul(pp, &end, 10);
	if (end == pp || *end != '/' || port > 65535 || pp[0] < '0' || pp[0] > '9')
		return;
	if (strcmp(end + 1, "tcp") == 0)
		proto = IPPROTO_TCP;
	else if (strcmp(end + 1, "udp") == 0)
		proto = IPPROTO_UDP;
	else
		return;
	if (svc_count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 512;
		struct svc_entry *t = realloc(svc_table, ncap * sizeof(*t));

		if (!t)
			return;	/* a partial table only costs names */
		svc_table = t;
		*cap = ncap;
	}
	svc_table[svc_count].port = (uint16_t)port;
	svc_table[svc_count].proto = (uint8_t)proto;
	/* Escaped once here (printable ASCII, probe/escape.h), so no renderer can pass a
	 * raw byte from the file on. */
	ps_escape(name, nl, svc_table[svc_count].name, sizeof(svc_table[0].name));
	svc_count++;
}

void ps_ports_services_parse(const char *text, size_t len)
{
	size_t cap = 0;

	free(svc_table);
	svc_table = NULL;
	svc_count = 0;
	svc_loaded = true;
	ps_svcnames_parse(text, len);
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		svc_line(text + off, n, &cap);
		off += n + 1;
	}
	/* A stable sort keeps the first name listed for a port, as getservbyport does. */
	for (size_t i = 1; i < svc_count; i++) {
		struct svc_entry t = svc_table[i];
		size_t j = i;

		while (j > 0 && svc_cmp(&svc_table[j - 1], &t) > 0) {
			svc_table[j] = svc_table[j - 1];
			j--;
		}
		svc_table[j] = t;
	}
}

int ps_ports_services_load(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];

	if (!f) {
		ps_ports_services_parse("", 0);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < PS_SERVICES_MAX) {
		if (len + n > cap) {
			char *t = realloc(text, cap = (len + n) * 2);

			if (!t)
				break;
			text = t;
		}
		memcpy(text + len, chunk, n);
		len += n;
	}
	fclose(f);
	ps_ports_services_parse(text ? text : "", text ? len : 0);
	free(text);
	return 0;
}

static void svc_load(void)
{
	(void)ps_ports_services_load("/etc/services");
}

const char *ps_ports_service(unsigned port, int proto)
{
	size_t lo = 0, hi;

	if (!svc_loaded)
		svc_load();
	hi = svc_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct svc_entry *e = &svc_table[mid];

		if (e->proto < proto || (e->proto == proto && e->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < svc_count && svc_table[lo].proto == proto && svc_table[lo].port == port)
		return svc_table[lo].name;
	return NULL;
}

int ps_ports_service_port(const char *name, const char *proto)
{
	if (!svc_loaded)
		svc_load();
	return ps_svcnames_port(name, proto);
}

void ps_ports_add_services(struct ps_portset *set, int proto)
{
	if (!svc_loaded)
		svc_load();
	for (size_t i = 0; i < svc_count; i++)
		if (svc_table[i].proto == proto && svc_table[i].port > 0)
			ps_portset_add_range(set, svc_table[i].port, svc_table[i].port);
}
