/* Monitoring-plugin output. Perfdata follows the plugin guidelines: 'label'=value[UOM];
 * warn;crit;min;max, times in seconds with the unit "s" as check_tcp writes them, a
 * quote in a label doubled, and U for a value that could not be measured. */
#include <string.h>

#include "probe/escape.h"
#include "report/nagios.h"

static const char *const status_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* check_tcp -D: days_left counts whole days (trunc of the seconds left / 86400); one
 * at or under WARN is WARNING, at or under CRIT (0 when not given) or expired CRITICAL. */
static int cert_status(const struct ps_nagios_target *t, const struct ps_nagios_limits *lim)
{
	if (!t->tls || !t->has_cert || lim->cert_warn < 0)
		return PS_NAGIOS_OK;
	if (t->days_left < 0 || t->days_left <= lim->cert_crit)
		return PS_NAGIOS_CRITICAL;
	return t->days_left <= lim->cert_warn ? PS_NAGIOS_WARNING : PS_NAGIOS_OK;
}

static int target_status(const struct ps_nagios_target *t, const struct ps_nagios_limits *lim)
{
	if (!t->reachable || (t->tls && !t->tls_ok))
		return PS_NAGIOS_CRITICAL;
	if (cert_status(t, lim) == PS_NAGIOS_CRITICAL)
		return PS_NAGIOS_CRITICAL;
	if (t->rtt_ms >= 0 && lim->crit_ms >= 0 && t->rtt_ms > lim->crit_ms)
		return PS_NAGIOS_CRITICAL;
	if (t->mismatch)
		return PS_NAGIOS_WARNING;
	if (t->rtt_ms >= 0 && lim->warn_ms >= 0 && t->rtt_ms > lim->warn_ms)
		return PS_NAGIOS_WARNING;
	return cert_status(t, lim);
}

int ps_nagios_status(const struct ps_nagios_target *t, size_t n,
		     const struct ps_nagios_limits *lim)
{
	int worst = PS_NAGIOS_OK;

	for (size_t i = 0; i < n; i++) {
		int s = target_status(&t[i], lim);

		if (s > worst)
			worst = s;
	}
	return worst;
}

/* A perfdata label: escaped, quotes doubled, '=' (which ends a label) replaced. */
static void put_label(FILE *f, const char *target)
{
	char buf[1200];

	ps_escape(target, strlen(target), buf, sizeof(buf));
	putc('\'', f);
	for (const char *p = buf; *p; p++) {
		if (*p == '\'')
			fputs("''", f);
		else
			putc(*p == '=' ? '_' : *p, f);
	}
	putc('\'', f);
}

static void put_threshold(FILE *f, double ms)
{
	if (ms >= 0)
		fprintf(f, "%.6f", ms / 1000.0);
}

/* What makes the target at the overall status: ": NAME why". */
static void put_problem(FILE *f, const struct ps_nagios_target *p, int status,
			const struct ps_nagios_limits *lim)
{
	char name[1200];
	bool slow = p->rtt_ms >= 0 && (status == PS_NAGIOS_CRITICAL ? lim->crit_ms : lim->warn_ms) >= 0 &&
		    p->rtt_ms > (status == PS_NAGIOS_CRITICAL ? lim->crit_ms : lim->warn_ms);

	ps_escape(p->target, strlen(p->target), name, sizeof(name));
	if (!p->reachable)
		fprintf(f, ": %s %s", name, p->state ? p->state : "not reachable");
	else if (p->tls && !p->tls_ok)
		fprintf(f, ": %s TLS %s", name, p->verify ? p->verify : "failed");
	else if (!slow && cert_status(p, lim) == status && p->days_left < 0)
		fprintf(f, ": %s certificate expired %ld day%s ago", name, -p->days_left,
			p->days_left == -1 ? "" : "s");
	else if (!slow && cert_status(p, lim) == status)
		fprintf(f, ": %s certificate expires in %ld day%s", name, p->days_left,
			p->days_left == 1 ? "" : "s");
	else if (p->mismatch && !slow)
		fprintf(f, ": %s reply did not match --expect", name);
	else
		fprintf(f, ": %s responded in %.1f ms", name, p->rtt_ms);
	if (!p->reachable && p->reason)
		fprintf(f, " (%s)", p->reason);
}

int ps_nagios_line(FILE *f, const struct ps_nagios_target *t, size_t n,
		   const struct ps_nagios_limits *lim)
{
	int status = ps_nagios_status(t, n, lim);
	size_t ok = 0;
	double worst = -1;
	const struct ps_nagios_target *problem = NULL;

	for (size_t i = 0; i < n; i++) {
		ok += t[i].reachable;
		if (t[i].reachable && t[i].rtt_ms > worst)
			worst = t[i].rtt_ms;
		/* The first target at the overall status explains it. */
		if (!problem && status != PS_NAGIOS_OK && target_status(&t[i], lim) == status)
			problem = &t[i];
	}
	fprintf(f, "PORTSCOPE %s - %zu/%zu reachable", status_names[status], ok, n);
	if (worst >= 0)
		fprintf(f, ", worst %.1f ms", worst);
	if (problem)
		put_problem(f, problem, status, lim);
	fputs(" |", f);
	for (size_t i = 0; i < n; i++) {
		putc(' ', f);
		put_label(f, t[i].target);
		if (t[i].reachable && t[i].rtt_ms >= 0)
			fprintf(f, "=%.6fs;", t[i].rtt_ms / 1000.0);
		else
			fputs("=U;", f);
		put_threshold(f, lim->warn_ms);
		putc(';', f);
		put_threshold(f, lim->crit_ms);
		fputs(";0;", f);
	}
	putc('\n', f);
	return status;
}

int ps_nagios_unknown(FILE *f, const char *message)
{
	char buf[1024];

	ps_escape(message, strlen(message), buf, sizeof(buf));
	fprintf(f, "PORTSCOPE UNKNOWN - %s\n", buf);
	return PS_NAGIOS_UNKNOWN;
}
