/* Parsing the socket-selection options shared by list, audit and watch. */
#include <getopt.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/netns.h"

void ps_sockopts_init(struct ps_sockopts *o)
{
	memset(o, 0, sizeof(*o));
	o->processes = true;
}

int ps_sockopts_handle(int c, struct ps_sockopts *o)
{
	ps_err err;

	switch (c) {
	case 't': o->protos |= PS_Q_TCP; return 1;
	case 'u': o->protos |= PS_Q_UDP; return 1;
	case '4': o->families |= PS_Q_V4; return 1;
	case '6': o->families |= PS_Q_V6; return 1;
	case 'n': o->numeric = true; return 1;
	case 'p': o->processes = true; return 1;
	case 'P': o->processes = false; return 1;
	case PS_OPT_PORT:
		if (ps_ports_parse_spec(optarg, NULL, true, &o->filter.ports, &err) < 0) {
			ps_usage("%s in --port", err.msg);
			return -1;
		}
		o->filter.have_port = true;
		return 1;
	case PS_OPT_CLASS:
		if (ps_ports_class_parse(optarg, &o->filter.cls) < 0) {
			ps_usage("unknown class '%s' in --class (well-known, registered, dynamic)",
				 optarg);
			return -1;
		}
		o->filter.have_class = true;
		return 1;
	case PS_OPT_EXPOSURE:
		if (ps_exposure_parse(optarg, &o->filter.exposure) < 0) {
			ps_usage("unknown exposure '%s' in --exposure (loopback, all, specific)",
				 optarg);
			return -1;
		}
		o->filter.have_exposure = true;
		return 1;
	case PS_OPT_NETNS:
		o->netns = optarg;
		return 1;
	default:
		return 0;
	}
}

void ps_sockopts_finish(struct ps_sockopts *o)
{
	if (!o->protos)
		o->protos = PS_Q_TCP | PS_Q_UDP;
	if (!o->families)
		o->families = PS_Q_V4 | PS_Q_V6;
}

int ps_sockopts_enter_netns(const struct ps_sockopts *o)
{
	ps_err err;

	if (!o->netns)
		return 0;
	if (ps_netns_enter(o->netns, &err) < 0)
		return err.kind == PS_ERR_INPUT ? ps_usage("%s in --netns", err.msg)
						: ps_fail("%s", err.msg);
	return 0;
}

void ps_sockopts_listening(const struct ps_sockopts *o, struct ps_inv_query *q)
{
	memset(q, 0, sizeof(*q));
	ps_inventory_listening(&q->diag, o->protos, o->families);
	q->filter = o->filter;
	q->processes = o->processes;
}
