/* The socket-selection options that list, audit and watch share (-t -u -4 -6 -n -p -P
 * --port --class --exposure --netns): a block of option-table entries, PS_SOCK_OPTIONS,
 * that fills a struct ps_sockopts member of the command's options struct. */
#ifndef PS_SOCKOPTS_H
#define PS_SOCKOPTS_H

#include <stdbool.h>

#include "cmd/options.h"
#include "probe/inventory.h"

struct ps_sockopts {
	unsigned protos, families;	/* PS_Q_* flags, 0 until ps_sockopts_finish */
	bool numeric, processes;
	const char *netns;		/* NULL: our own namespace */
	bool all_netns;
	struct ps_inv_filter filter;
};

ps_opt_cb ps_sockopts_port, ps_sockopts_class, ps_sockopts_exposure;

#define PS_SOCK_OPTIONS(T, m) \
	PS_OPT_BIT('t', "tcp", T, m.protos, PS_Q_TCP, "TCP only"), \
	PS_OPT_BIT('u', "udp", T, m.protos, PS_Q_UDP, "UDP only"), \
	PS_OPT_BIT('4', "ipv4", T, m.families, PS_Q_V4, "IPv4 only"), \
	PS_OPT_BIT('6', "ipv6", T, m.families, PS_Q_V6, "IPv6 only"), \
	PS_OPT_CALLBACK(0, "port", T, m.filter, "SPEC", \
			"local ports: 22,80,8000-8100,-1024,8000-,ssh,well-known,\n" \
			"registered,dynamic,all (repeatable)", ps_sockopts_port, NULL), \
	PS_OPT_CALLBACK(0, "class", T, m.filter, "CLASS", \
			"well-known (0-1023), registered (1024-49151),\ndynamic (49152-65535)", \
			ps_sockopts_class, "well-known registered dynamic"), \
	PS_OPT_CALLBACK(0, "exposure", T, m.filter, "E", \
			"loopback (127.0.0.0/8, ::1, or bound to the lo device),\n" \
			"all (0.0.0.0, ::) or specific", ps_sockopts_exposure, \
			"loopback all specific"), \
	PS_OPT_STRING(0, "unit", T, m.filter.unit, "NAME", \
		      "sockets of systemd unit NAME (nginx.service; NAME alone\n" \
		      "means NAME.service), from the socket's cgroup", NULL), \
	PS_OPT_STRING(0, "container", T, m.filter.container, "ID", \
		      "sockets of the container whose id starts with ID\n" \
		      "(docker, podman, containerd, kubernetes), from its cgroup", NULL), \
	PS_OPT_STRING(0, "netns", T, m.netns, "NS", \
		      "the sockets of network namespace NS: a name under\n" \
		      "/run/netns, a path (/proc/PID/ns/net, /run/docker/netns/ID)\n" \
		      "or pid:PID; owners are looked up in this host's /proc", "@netns"), \
	PS_OPT_BOOL(0, "all-netns", T, m.all_netns, \
		    "every network namespace of the host, each once (root); each\n" \
		    "socket gets a netns field (name, or inode and one pid)"), \
	PS_OPT_BOOL('n', "numeric", T, m.numeric, "no service names"), \
	PS_OPT_BOOL('p', "processes", T, m.processes, \
		    "show the processes holding each socket (the default)"), \
	PS_OPT_BOOL_OFF('P', "no-processes", T, m.processes, "skip the /proc scan for owners")

/* Defaults: owners on, everything else off. */
void ps_sockopts_init(struct ps_sockopts *o);
/* After parsing: no -t/-u means both protocols, no -4/-6 both families. Returns 0, or an
 * exit code after printing the reason (--netns with --all-netns). */
int ps_sockopts_finish(struct ps_sockopts *o);
/* Enter --netns when given. Returns 0, or an exit code after printing the reason. */
int ps_sockopts_enter_netns(const struct ps_sockopts *o);
/* The listening-socket query these options describe (TCP LISTEN, unconnected UDP). */
void ps_sockopts_listening(const struct ps_sockopts *o, struct ps_inv_query *q);

#endif
