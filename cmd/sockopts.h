/* The socket-selection options that list, audit and watch share (-t -u -4 -6 --port
 * --class --exposure -n -p -P --netns), parsed once into a struct ps_sockopts. */
#ifndef PS_SOCKOPTS_H
#define PS_SOCKOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "probe/inventory.h"

enum { PS_OPT_PORT = 950, PS_OPT_CLASS, PS_OPT_EXPOSURE, PS_OPT_NETNS };

#define PS_SOCK_LONGOPTS \
	{ "tcp", no_argument, NULL, 't' }, \
	{ "udp", no_argument, NULL, 'u' }, \
	{ "ipv4", no_argument, NULL, '4' }, \
	{ "ipv6", no_argument, NULL, '6' }, \
	{ "numeric", no_argument, NULL, 'n' }, \
	{ "processes", no_argument, NULL, 'p' }, \
	{ "no-processes", no_argument, NULL, 'P' }, \
	{ "port", required_argument, NULL, PS_OPT_PORT }, \
	{ "class", required_argument, NULL, PS_OPT_CLASS }, \
	{ "exposure", required_argument, NULL, PS_OPT_EXPOSURE }, \
	{ "netns", required_argument, NULL, PS_OPT_NETNS }
#define PS_SOCK_SHORTOPTS "tu46npP"

/* The help lines for those options. */
#define PS_SOCK_HELP \
	"  -t, --tcp              TCP only\n" \
	"  -u, --udp              UDP only\n" \
	"  -4, --ipv4             IPv4 only\n" \
	"  -6, --ipv6             IPv6 only\n" \
	"      --port SPEC        local ports: 22,80,8000-8100,ssh,well-known,registered,dynamic,all\n" \
	"      --class CLASS      well-known (0-1023), registered (1024-49151), dynamic (49152-65535)\n" \
	"      --exposure E       loopback, all or specific\n" \
	"      --netns NAME       the sockets of network namespace NAME (/run/netns/NAME, as\n" \
	"                         `ip netns add` makes them); owners are looked up in this\n" \
	"                         host's /proc, shown with the PIDs this host sees\n"

struct ps_sockopts {
	unsigned protos, families;	/* PS_Q_* flags, 0 until ps_sockopts_finish */
	bool numeric, processes;
	const char *netns;		/* NULL: our own namespace */
	struct ps_inv_filter filter;
};

/* Defaults: owners on, everything else off. */
void ps_sockopts_init(struct ps_sockopts *o);
/* Handle option c (with optarg). Returns 1 when handled, 0 when c is not one of these,
 * -1 after printing a usage error. */
int ps_sockopts_handle(int c, struct ps_sockopts *o);
/* After parsing: no -t/-u means both protocols, no -4/-6 both families. */
void ps_sockopts_finish(struct ps_sockopts *o);
/* Enter --netns when given. Returns 0, or an exit code after printing the reason. */
int ps_sockopts_enter_netns(const struct ps_sockopts *o);
/* The listening-socket query these options describe (TCP LISTEN, unconnected UDP). */
void ps_sockopts_listening(const struct ps_sockopts *o, struct ps_inv_query *q);

#endif
