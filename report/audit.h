/* Rendering audit results: findings as a table, a JSON document or NDJSON, and the
 * baseline policy that `audit --init` prints. */
#ifndef PS_REPORT_AUDIT_H
#define PS_REPORT_AUDIT_H

#include <stdio.h>

#include "probe/policy.h"
#include "report/format.h"
#include "report/json.h"
#include "report/sockets.h"

/* Counts for the summary: sockets checked and the policy's rule counts. */
struct ps_audit_summary {
	size_t sockets;
	size_t nallow, nrequire;
	const char *policy;	/* the file name, as given */
};

/* Write findings in fmt (table, json or ndjson). Returns 0, or -1 on out of memory. */
int ps_report_audit(FILE *f, enum ps_format fmt, const struct ps_finding *v, size_t n,
		    const struct ps_audit_summary *sum, const struct ps_view *view);

/* The fields of a rule (section, index, line, column and the fields it names) into the
 * object j has open. */
void ps_report_rule_fields(struct ps_json *j, const struct ps_rule *r);

/* A rule on one line: "require[0] proto=tcp port=22". Returns the length written. */
size_t ps_report_rule_text(const struct ps_rule *r, char *buf, size_t len);

/* A policy that allows exactly the n listening sockets in recs, ordered by protocol and
 * port as the inventory orders them (one rule per distinct proto, family, address, port
 * and command), with an empty "require". */
void ps_report_policy_init(FILE *f, const struct sock_rec *const *recs, size_t n);

#endif
