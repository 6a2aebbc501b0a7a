/* The values of the options check and scan share, and the table of probe engines: an
 * engine for a new protocol is one line in engines[]. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeopts.h"
#include "probe/netns.h"
#include "probe/tcp.h"
#include "probe/udp.h"
#include "probe/escape.h"
#include "probe/proto.h"

static const struct {
	uint8_t proto;
	ps_probe_many_fn fn;
} engines[] = {
	{ IPPROTO_TCP, ps_tcp_probe_many },
	{ IPPROTO_UDP, ps_udp_probe_many },
};


/* --send or --expect: the escapes parsed into buf, *out and *len set. */
static int payload(const char *arg, const char *opt, char *buf, const char **out, size_t *len)
{
	const char *bad = NULL;
	long n = ps_unescape(arg, buf, PS_PAYLOAD_MAX, &bad);

	if (n < 0 && bad && *bad == '\\')
		return ps_usage("invalid escape '%.4s' in %s (\\r \\n \\t \\\\ \\xHH)", bad, opt);
	if (n < 0)
		return ps_usage("%s is too long (at most %d bytes)", opt, PS_PAYLOAD_MAX);
	if (n == 0)
		return ps_usage("empty %s", opt);
	*out = buf;
	*len = (size_t)n;
	return 0;
}

int ps_probe_send_option(const struct ps_option *opt, const char *name, const char *arg,
			 void *field)
{
	struct ps_probe_cli *p = field;

	(void)opt;
	return payload(arg, name, p->send, &p->o.send, &p->o.send_len);
}

int ps_probe_expect_option(const struct ps_option *opt, const char *name, const char *arg,
			   void *field)
{
	struct ps_probe_cli *p = field;

	(void)opt;
	return payload(arg, name, p->expect, &p->o.expect, &p->o.expect_len);
}

int ps_probe_rate_option(const struct ps_option *opt, const char *name, const char *arg,
			 void *field)
{
	long v;

	(void)opt;
	if (ps_cli_number(arg, name, 1, 10000000, &v) < 0)
		return PS_EXIT_USAGE;
	*(double *)field = (double)v;
	return 0;
}

int ps_probe_source_option(const struct ps_option *opt, const char *name, const char *arg,
			   void *field)
{
	ps_err err;

	(void)opt;
	if (ps_sources_parse(arg, field, &err) < 0)
		return ps_cli_err_in(&err, name);
	return 0;
}

/* DURATION: a number with an optional unit, ms, s (the default), m or h. */
int ps_probe_duration_option(const struct ps_option *opt, const char *name, const char *arg,
			     void *field)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	char *end;
	double v;

	(void)opt;
	v = strtod(arg, &end);
	if (end != arg && *arg >= '0' && *arg <= '9' && v > 0 && v <= 1e6)
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].unit) == 0) {
				*(double *)field = v * units[i].ms;
				return 0;
			}
	return ps_usage("invalid duration '%s' for %s (e.g. 500ms, 90s, 5m, 1h)", arg, name);
}

int ps_payload_option(const struct ps_option *opt, const char *name, const char *arg,
		      void *field)
{
	struct ps_payload_arg *pa = field;
	bool hex = strcmp(opt->long_name, "payload-hex") == 0;
	ps_err err;

	if (pa->given)
		return ps_usage("give one of --payload and --payload-hex, once");
	/* Only the user's text can be wrong here. */
	if ((hex ? ps_payload_parse_hex(arg, &pa->p, &err)
		 : ps_payload_parse_text(arg, &pa->p, &err)) < 0)
		return ps_usage("%s in %s", err.msg, name);
	pa->given = true;
	return 0;
}

int ps_probe_parse(const struct ps_command *cmd, int argc, char **argv, void *opts,
		   struct ps_probe_cli *pc, char ***args, int *nargs)
{
	ps_err err;
	int rc;

	memset(pc, 0, sizeof(*pc));
	pc->o.retries = -1;
	if ((rc = ps_parse_options(cmd, argc, argv, opts, args, nargs)) != PS_PARSE_RUN)
		return rc;
	/* 0 is below --timeout's range: the option was not given. */
	pc->o.timeout_set = pc->o.timeout_ms > 0;
	if (!pc->o.timeout_set)
		pc->o.timeout_ms = 1000;
	pc->o.sources = pc->sources.n ? pc->sources.a : NULL;
	pc->o.nsources = pc->sources.n;
	if (pc->v4 && pc->v6)
		return ps_usage("-4 and -6 exclude each other");
	pc->family = pc->v4 ? AF_INET : pc->v6 ? AF_INET6 : AF_UNSPEC;
	if (pc->payload.given) {
		pc->o.udp_payload = pc->payload.p.data;
		pc->o.udp_payload_len = pc->payload.p.len;
	}
	if (pc->netns && ps_netns_enter(pc->netns, &err) < 0)
		return ps_cli_err_in(&err, "--netns");
	return PS_PARSE_RUN;
}

ps_probe_many_fn ps_probe_engine(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (engines[i].proto == proto)
			return engines[i].fn;
	return NULL;
}
