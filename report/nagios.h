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
	bool tls;		/* a TLS handshake was asked for */
	bool tls_ok;		/* it completed and verified (or --insecure) */
	const char *verify;	/* "ok", "expired", ... (static), when tls */
	bool has_cert;		/* the leaf's expiry is known */
	long days_left;		/* whole days until the leaf expires (floor), < 0 expired */
};

/* Thresholds on the response time in milliseconds; < 0 when not given. A response
 * slower than warn_ms is WARNING, slower than crit_ms CRITICAL, as check_tcp -w/-c. */
struct ps_nagios_limits {
	double warn_ms, crit_ms;
	long cert_warn, cert_crit;	/* --cert-days WARN[,CRIT]; cert_warn < 0: none */
};

/* The status of n targets: CRITICAL when one is not reachable, slower than crit, its TLS
 * handshake failed or did not verify, or (--cert-days) its certificate has expired or
 * has cert_crit or fewer whole days left; WARNING when one is slower than warn, did not
 * match --expect or has cert_warn or fewer days left (check_tcp -D); else OK. */
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
