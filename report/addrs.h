/* Rendering `portscope addrs`: this host's interfaces and addresses, and under each address
 * the listeners a peer could reach there (table, JSON document, NDJSON). */
#ifndef PS_REPORT_ADDRS_H
#define PS_REPORT_ADDRS_H

#include <stdio.h>

#include "probe/rtaddr.h"
#include "probe/sockdiag.h"
#include "report/format.h"

/* Write rt's links and addresses in fmt with, for each address, the records of recs (n,
 * in display order) that ps_reach_at says answer there. Returns 0, or -1 on out of
 * memory. */
int ps_report_addrs(FILE *f, enum ps_format fmt, const struct ps_rtaddr *rt,
		    const struct sock_rec *const *recs, size_t n, const struct ps_view *view);

#endif
