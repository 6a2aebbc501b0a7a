/* portscope list: local sockets from sock_diag, filtered, with their owners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "probe/owners.h"
#include "probe/ports.h"
#include "probe/sockdiag.h"
#include "report/sockets.h"
#include "report/table.h"

static const char list_usage[] =
	"usage: portscope list [OPTIONS]\n"
	"\n"
	"Local TCP and UDP sockets, read from the kernel (netlink sock_diag). By default the\n"
	"listening TCP sockets and the bound, unconnected UDP sockets of both families.\n"
	"\n"
	"  -a, --all              every socket in every state (the netstat -ano view)\n"
	"  -t, --tcp              TCP only\n"
	"  -u, --udp              UDP only\n"
	"  -4, --ipv4             IPv4 only\n"
	"  -6, --ipv6             IPv6 only\n"
	"      --port SPEC        local ports: 22,80,8000-8100,ssh,well-known,registered,dynamic,all\n"
	"      --class CLASS      well-known (0-1023), registered (1024-49151), dynamic (49152-65535)\n"
	"      --exposure E       loopback, all or specific\n"
	"      --state NAME[,..]  listen, established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
	"                         time-wait, close, close-wait, last-ack, closing, unconn\n"
	"  -n, --numeric          no service names\n"
	"  -p, --processes        show the processes holding each socket (the default)\n"
	"  -P, --no-processes     skip the /proc scan for owners\n"
	"  -o, --output FORMAT    table (default), json, ndjson\n"
	"  -j, --json             same as -o json\n"
	"      --ndjson           same as -o ndjson\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 netlink or system failure.\n";

enum { OPT_PORT = 1000, OPT_CLASS, OPT_EXPOSURE, OPT_STATE };

struct list_opts {
	struct ps_common co;
	unsigned protos, families;
	bool all, numeric, processes;
	bool have_port, have_class, have_exposure;
	uint32_t states;	/* from --state, 0 when not given */
	struct ps_portset ports;
	enum ps_port_class cls;
	enum ps_exposure exposure;
};

static int parse_states(const char *arg, uint32_t *mask)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return ps_fail("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned st;

		if (ps_sock_state_parse(tok, &st) < 0) {
			rc = ps_usage("unknown state '%s' in --state", tok);
			break;
		}
		*mask |= 1u << st;
	}
	if (!rc && !*mask)
		rc = ps_usage("empty --state");
	free(copy);
	return rc;
}

/* Returns 0, or an exit code after printing the reason. */
static int parse_args(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "tcp", no_argument, NULL, 't' },
		{ "udp", no_argument, NULL, 'u' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "numeric", no_argument, NULL, 'n' },
		{ "processes", no_argument, NULL, 'p' },
		{ "no-processes", no_argument, NULL, 'P' },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "exposure", required_argument, NULL, OPT_EXPOSURE },
		{ "state", required_argument, NULL, OPT_STATE },
		PS_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	ps_err err;
	int c, rc;

	o->processes = true;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":atu46npP" PS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		rc = ps_cli_common(c, &o->co, false);
		if (rc < 0)
			return PS_EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case 'a': o->all = true; break;
		case 't': o->protos |= PS_Q_TCP; break;
		case 'u': o->protos |= PS_Q_UDP; break;
		case '4': o->families |= PS_Q_V4; break;
		case '6': o->families |= PS_Q_V6; break;
		case 'n': o->numeric = true; break;
		case 'p': o->processes = true; break;
		case 'P': o->processes = false; break;
		case OPT_PORT:
			if (ps_ports_parse_spec(optarg, NULL, true, &o->ports, &err) < 0)
				return ps_usage("%s in --port", err.msg);
			o->have_port = true;
			break;
		case OPT_CLASS:
			if (ps_ports_class_parse(optarg, &o->cls) < 0)
				return ps_usage("unknown class '%s' in --class (well-known, registered, dynamic)",
						optarg);
			o->have_class = true;
			break;
		case OPT_EXPOSURE:
			if (ps_exposure_parse(optarg, &o->exposure) < 0)
				return ps_usage("unknown exposure '%s' in --exposure (loopback, all, specific)",
						optarg);
			o->have_exposure = true;
			break;
		case OPT_STATE:
			if ((rc = parse_states(optarg, &o->states)) != 0)
				return rc;
			break;
		default:
			return ps_cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (o->co.fmt == PS_FMT_PROM || o->co.fmt == PS_FMT_NAGIOS)
		return ps_usage("output format not supported by list yet");
	if (!o->protos)
		o->protos = PS_Q_TCP | PS_Q_UDP;
	if (!o->families)
		o->families = PS_Q_V4 | PS_Q_V6;
	return 0;
}

static bool wanted(const struct list_opts *o, const struct sock_rec *r)
{
	if (o->have_port && !ps_portset_has(&o->ports, r->local_port))
		return false;
	if (o->have_class && ps_ports_class(r->local_port) != o->cls)
		return false;
	if (o->have_exposure && ps_sock_exposure(r) != o->exposure)
		return false;
	return true;
}

/* The records in display order: by protocol, then local port; within a port, the kernel's
 * order (IPv4 before IPv6). A counting sort of pointers: linear, stable, and it moves no
 * records. Returns the array (malloc'd), or NULL on out of memory. */
static const struct sock_rec **sort_records(const struct ps_sockvec *sv)
{
	uint32_t *count = calloc(2 * 65536 + 1, sizeof(*count));
	const struct sock_rec **out = malloc((sv->len ? sv->len : 1) * sizeof(*out));

	if (!count || !out) {
		free(count);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < sv->len; i++)
		count[(sv->v[i].proto == IPPROTO_UDP) * 65536 + sv->v[i].local_port + 1]++;
	for (size_t k = 1; k <= 2 * 65536; k++)
		count[k] += count[k - 1];
	for (size_t i = 0; i < sv->len; i++)
		out[count[(sv->v[i].proto == IPPROTO_UDP) * 65536 + sv->v[i].local_port]++] = &sv->v[i];
	free(count);
	return out;
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct ps_sockdiag_query q;
	struct ps_sockvec sv = { 0 };
	struct ps_owners owners = { 0 };
	struct ps_sock_view view = { 0 };
	const struct sock_rec **sorted;
	size_t kept = 0;
	ps_err err;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (o.co.help) {
		fputs(list_usage, stdout);
		return PS_EXIT_OK;
	}
	q.protos = o.protos;
	q.families = o.families;
	if (o.states) {
		q.tcp_states = q.udp_states = o.states;
	} else if (o.all) {
		q.tcp_states = q.udp_states = PS_SS_ALL;
	} else {
		q.tcp_states = 1u << PS_SS_LISTEN;
		q.udp_states = 1u << PS_SS_CLOSE;
	}
	if (ps_sockdiag_dump(&q, &sv, &err) < 0) {
		ps_sockvec_free(&sv);
		return ps_fail("%s", err.msg);
	}
	for (size_t i = 0; i < sv.len; i++)
		if (wanted(&o, &sv.v[i]))
			sv.v[kept++] = sv.v[i];
	sv.len = kept;
	if (o.processes && ps_owners_attach(&sv, "/proc", &owners, &err) < 0) {
		ps_sockvec_free(&sv);
		return ps_fail("%s", err.msg);
	}
	sorted = sort_records(&sv);
	if (!sorted) {
		ps_owners_free(&owners);
		ps_sockvec_free(&sv);
		return ps_fail("out of memory");
	}
	view.numeric = o.numeric;
	view.table_flags = ps_table_want_color(stdout) ? PS_TABLE_COLOR : 0;
	ps_cli_stdout_buffer();
	rc = ps_report_sockets(stdout, o.co.fmt, sorted, sv.len, &view) < 0 ? ps_fail("out of memory")
									    : PS_EXIT_OK;
	free(sorted);
	ps_owners_free(&owners);
	ps_sockvec_free(&sv);
	return rc;
}
