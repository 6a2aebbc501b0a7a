/* portscope's entry point: global options and the table of subcommands. Each subcommand
 * lives in its own file and exports cmd_<name> and its option table's help
 * (ps_<name>_help); the table here says which -o formats each one takes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"

#define FMT(f) PS_FMT_BIT(PS_FMT_##f)

static const struct ps_command commands[] = {
	{ "list", cmd_list, &ps_list_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON) | FMT(PROM),
	  "local listening sockets and their owners (-a: every socket)" },
	{ "check", cmd_check, &ps_check_help,
	  FMT(TABLE) | FMT(JSON) | FMT(NDJSON) | FMT(PROM) | FMT(NAGIOS),
	  "is each host:port reachable over TCP or UDP (exit 0: all are)" },
	{ "scan", cmd_scan, &ps_scan_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON) | FMT(PROM),
	  "probe every port of a spec on one or more hosts" },
	{ "serve", cmd_serve, &ps_serve_help, FMT(TABLE) | FMT(NDJSON),
	  "a responder: greets TCP connections, answers UDP datagrams" },
	{ "broadcast", cmd_broadcast, &ps_broadcast_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON),
	  "UDP broadcast discovery: list every responder on the LAN" },
	{ "audit", cmd_audit, &ps_audit_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON) | FMT(PROM),
	  "compare the listening sockets against a policy (--init: make one)" },
	{ "addrs", cmd_addrs, &ps_addrs_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON),
	  "this host's interfaces and addresses, and the listeners reachable at each" },
	/* json is taken and means ndjson: a stream has no enclosing document. */
	{ "watch", cmd_watch, &ps_watch_help, FMT(TABLE) | FMT(JSON) | FMT(NDJSON),
	  "stream events as listeners open and close" },
	{ "exporter", cmd_exporter, &ps_exporter_help, FMT(TABLE) | FMT(NDJSON),
	  "a Prometheus exporter: /metrics inventory and /probe?target=&module=" },
};

static void usage(FILE *f)
{
	fputs("usage: portscope COMMAND [OPTIONS]\n"
	      "       portscope --version\n\n"
	      "commands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'portscope COMMAND --help' describes a command's options.\n", f);
}

int main(int argc, char **argv)
{
	/* A reader that goes away (portscope list | head) makes writes fail with EPIPE,
	 * which ps_cli_finish does not count as a failure, instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return PS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("portscope %s\n", PS_VERSION);
		return ps_cli_finish(PS_EXIT_OK);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return ps_cli_finish(PS_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return ps_cli_finish(commands[i].fn(&commands[i], argc - 1, argv + 1));
	}
	if (argv[1][0] == '-')
		return ps_usage("unknown option '%s' (a command comes first: portscope list ...)", argv[1]);
	return ps_usage("unknown command '%s' (see 'portscope --help')", argv[1]);
}
