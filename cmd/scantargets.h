/* scan's targets: hosts, CIDRs, ranges and names from the command line and --targets-file
 * (-iL), minus --exclude and --exclude-file, as one target set per protocol
 * (probe/addrspace.h; a tcp:// or udp:// token goes to that protocol's set only), plus
 * the names that did not resolve (one error result each). Also --force, --seed and
 * --shard I/N, which say how the sets are walked. */
#ifndef PS_SCANTARGETS_H
#define PS_SCANTARGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/options.h"
#include "probe/addrspace.h"

#define PS_TARGET_LISTS 32

struct ps_target_cli {
	const char *files[PS_TARGET_LISTS];	/* --targets-file, -iL ("-": stdin) */
	size_t nfiles;
	const char *excludes[PS_TARGET_LISTS];	/* --exclude LIST (comma-separated) */
	size_t nexcludes;
	const char *exclude_files[PS_TARGET_LISTS];
	size_t nexclude_files;
	bool force;
	uint64_t seed;
	bool seed_given;
	uint32_t shard, nshards;		/* --shard I/N, 0-based; nshards 0: none */
};

ps_opt_cb ps_target_list_option, ps_target_seed_option, ps_target_shard_option;

#define PS_TARGET_OPTIONS(T, m) \
	PS_OPT_CALLBACK(0, "targets-file", T, m, "FILE", \
			"read targets from FILE, one a line, # comments; - for stdin\n" \
			"(also -iL FILE); repeatable", ps_target_list_option, "@file"), \
	PS_OPT_CALLBACK(0, "exclude", T, m, "LIST", \
			"leave out addresses, CIDRs, ranges, names (comma-separated)", \
			ps_target_list_option, NULL), \
	PS_OPT_CALLBACK(0, "exclude-file", T, m, "FILE", \
			"leave out the targets listed in FILE", \
			ps_target_list_option, "@file"), \
	PS_OPT_BOOL(0, "force", T, m.force, \
		    "scan a target set over 2^24 addresses (refused without it)"), \
	PS_OPT_CALLBACK(0, "seed", T, m, "N", \
			"seed of the host x port permutation (default: random; give\n" \
			"the same N to every shard)", ps_target_seed_option, NULL), \
	PS_OPT_CALLBACK(0, "shard", T, m, "I/N", \
			"run the I-th (1-based) of N disjoint parts of the scan", \
			ps_target_shard_option, NULL)

/* The per-protocol sets (0 TCP, 1 UDP) and what did not resolve. */
struct ps_unresolved {
	char *name;
	char why[256];
	uint8_t proto;
};

struct ps_scan_targets {
	struct ps_addrspace set[2];
	struct ps_unresolved *bad;
	size_t nbad, badcap;
	bool tls;		/* a tls:// target: TLS on the scan's TCP ports */
	bool split;		/* a tcp://, udp:// or tls:// target: the sets may differ */
};

/* Build t from hosts and the files of c for the protocols asked (tcp, udp) and family
 * (AF_UNSPEC, AF_INET, AF_INET6: names resolve to it). Returns 0, or an exit code after
 * printing the reason (bad token: 2). Free t with ps_scan_targets_free either way. */
int ps_scan_targets_build(struct ps_scan_targets *t, const struct ps_target_cli *c,
			  char **hosts, int nhosts, bool tcp, bool udp, int family);
void ps_scan_targets_free(struct ps_scan_targets *t);

/* The tokens of a target file (check --targets-file: host:port lines), one a line, #
 * comments, "-" for stdin, appended to args[0..*n) (a malloc'ed array of malloc'ed
 * strings, *cap its room). Returns 0, or an exit code after printing the reason. */
int ps_target_file_lines(const char *path, char ***args, size_t *n, size_t *cap);

/* Rewrite nmap's -iL into --targets-file in argv, in place. */
void ps_scan_targets_argv(int argc, char **argv);

#endif
