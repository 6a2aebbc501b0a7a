/* The monitoring-plugin line for check -o nagios, in check_tcp's manner: one status line
 * with perfdata, and the plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
#ifndef PS_NAGIOS_H
#define PS_NAGIOS_H

#include <stdbool.h>
#include <stdio.h>

enum { PS_NAGIOS_OK, PS_NAGIOS_WARNING, PS_NAGIOS_CRITICAL, PS_NAGIOS_UNKNOWN };

/* One target's verdict, as check decided it (best address of the target). */
struct ps_nagios_target {
	const char *target;	/* as the user wrote it (escaped here) */
	bool reachable;		/* open */
	bool mismatch;		/* open, but the reply did not match --expect */
	double rtt_ms;		/* < 0: none */
	const char *state;	/* "closed", "filtered", ... for a target not reachable */
	const char *reason;	/* "reset", "timeout", ... or NULL */
};

/* Thresholds on the response time in milliseconds; < 0 when not given. A response
 * slower than warn_ms is WARNING, slower than crit_ms CRITICAL, as check_tcp -w/-c. */
struct ps_nagios_limits {
	double warn_ms, crit_ms;
};

/* The status of n targets: CRITICAL when one is not reachable or slower than crit,
 * WARNING when one is slower than warn or did not match --expect, else OK. */
int ps_nagios_status(const struct ps_nagios_target *t, size_t n,
		     const struct ps_nagios_limits *lim);

/* Write "PORTSCOPE <STATUS> - k/n reachable, worst X ms[: first problem] | perfdata"
 * with one 'target'=Ss;warn;crit;0; item per target (U when it has no time). Returns the
 * status. */
int ps_nagios_line(FILE *f, const struct ps_nagios_target *t, size_t n,
		   const struct ps_nagios_limits *lim);

/* "PORTSCOPE UNKNOWN - message" for bad usage or a failure. Returns PS_NAGIOS_UNKNOWN. */
int ps_nagios_unknown(FILE *f, const char *message);

#endif
