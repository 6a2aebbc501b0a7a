/* Port specs, IANA classes, the ephemeral range and the services database. */
#ifndef PS_PORTS_H
#define PS_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/err.h"

/* A set of ports 0-65535 as a bitmap; count is the number of members. */
struct ps_portset {
	uint64_t bits[65536 / 64];
	unsigned count;
};

enum ps_port_class {
	PS_CLASS_WELL_KNOWN,	/* 0-1023 */
	PS_CLASS_REGISTERED,	/* 1024-49151 */
	PS_CLASS_DYNAMIC,	/* 49152-65535 */
};

void ps_portset_clear(struct ps_portset *set);
void ps_portset_add_range(struct ps_portset *set, unsigned lo, unsigned hi);
static inline bool ps_portset_has(const struct ps_portset *set, unsigned port)
{
	return (set->bits[port >> 6] >> (port & 63)) & 1;
}
/* Next member >= from, or -1 when there is none. */
int ps_portset_next(const struct ps_portset *set, unsigned from);

/* Parse SPEC (docs/design.md: ports, ranges, service names, class names, '-' or 'all').
 * proto is "tcp", "udp" or NULL (either) for service names. allow_zero admits port 0
 * (list filters only). Returns 0, or -1 with err naming the offending item. */
int ps_ports_parse_spec(const char *spec, const char *proto, bool allow_zero,
			struct ps_portset *set, ps_err *err);

/* Parse SPEC as users type it on the command line (-p, --port): as ps_ports_parse_spec,
 * and also spaces around items ("22, 80"), an open start ("-1024": 1-1024) and an open
 * end ("8000-": 8000-65535). Adds to set, so repeated options accumulate. Returns 0, or
 * -1 with err naming the offending item. */
int ps_ports_parse_arg(const char *spec, const char *proto, bool allow_zero,
		       struct ps_portset *set, ps_err *err);

/* Class of a port, and its name ("well-known", "registered", "dynamic"). */
enum ps_port_class ps_ports_class(unsigned port);
const char *ps_ports_class_name(enum ps_port_class cls);
/* Parse a class name; returns 0, or -1 when it is not one. */
int ps_ports_class_parse(const char *name, enum ps_port_class *cls);

/* True when port lies in /proc/sys/net/ipv4/ip_local_port_range (read once). */
bool ps_ports_ephemeral(unsigned port);

/* Service name for port and proto (IPPROTO_TCP or IPPROTO_UDP), or NULL.
 * The services database is read once, on first use. */
const char *ps_ports_service(unsigned port, int proto);
/* Add every port the services database names for proto (IPPROTO_TCP, IPPROTO_UDP): with
 * 1-1024, scan's default port set. */
void ps_ports_add_services(struct ps_portset *set, int proto);
/* Replace the services table with the entries of a services file's text (lines "name
 * port/proto [aliases] [# comment]"; tcp and udp only; names kept escaped, printable
 * ASCII, at most 28 characters), and the name index of ps_ports_service_port. The file
 * read on first use is /etc/services. */
void ps_ports_services_parse(const char *text, size_t len);
/* ps_ports_services_parse of the file at path (at most PS_SERVICES_MAX bytes); -1 when
 * it cannot be read (the table is then empty). */
#define PS_SERVICES_MAX (16u << 20)
int ps_ports_services_load(const char *path);
/* Port for a service name or alias and proto ("tcp", "udp" or NULL for any), or -1: what
 * getservbyname() answers from the same file (probe/svcnames.c), from the table read once. */
int ps_ports_service_port(const char *name, const char *proto);

#endif
