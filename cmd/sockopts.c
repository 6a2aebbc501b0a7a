/* The values of the socket-selection options shared by list, audit and watch. */
#include <string.h>

#include "cmd/cli.h"
#include "cmd/sockopts.h"
#include "probe/netns.h"

void ps_sockopts_init(struct ps_sockopts *o)
{
	memset(o, 0, sizeof(*o));
	o->processes = true;
}

int ps_sockopts_port(const struct ps_option *opt, const char *name, const char *arg,
		     void *field)
{
	struct ps_inv_filter *f = field;
	ps_err err;

	(void)opt;
	if (ps_ports_parse_arg(arg, NULL, true, &f->ports, &err) < 0)
		return ps_cli_err_in(&err, name);
	f->have_port = true;
	return 0;
}

int ps_sockopts_class(const struct ps_option *opt, const char *name, const char *arg,
		      void *field)
{
	struct ps_inv_filter *f = field;

	(void)opt;
	if (ps_ports_class_parse(arg, &f->cls) < 0)
		return ps_usage("unknown class '%s' in %s (well-known, registered, dynamic)", arg,
				name);
	f->have_class = true;
	return 0;
}

int ps_sockopts_exposure(const struct ps_option *opt, const char *name, const char *arg,
			 void *field)
{
	struct ps_inv_filter *f = field;

	(void)opt;
	if (ps_exposure_parse(arg, &f->exposure) < 0)
		return ps_usage("unknown exposure '%s' in %s (loopback, all, specific)", arg, name);
	f->have_exposure = true;
	return 0;
}

int ps_sockopts_finish(struct ps_sockopts *o)
{
	if (o->netns && o->all_netns)
		return ps_usage("--netns and --all-netns exclude each other");
	if (!o->protos)
		o->protos = PS_Q_TCP | PS_Q_UDP;
	if (!o->families)
		o->families = PS_Q_V4 | PS_Q_V6;
	return 0;
}

int ps_sockopts_enter_netns(const struct ps_sockopts *o)
{
	ps_err err;

	if (o->netns && ps_netns_enter(o->netns, &err) < 0)
		return ps_cli_err_in(&err, "--netns");
	return 0;
}

void ps_sockopts_listening(const struct ps_sockopts *o, struct ps_inv_query *q)
{
	memset(q, 0, sizeof(*q));
	ps_inventory_listening(&q->diag, o->protos, o->families);
	q->filter = o->filter;
	q->processes = o->processes;
	q->all_netns = o->all_netns;
}
