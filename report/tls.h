/* The tls object of a probe result (DESIGN.md): its JSON form, the compact copy a kept
 * result holds, and the table cells (verify, days left, subject). Text from the
 * certificate comes from outside: tables escape it, JSON carries it as the writer does. */
#ifndef PS_REPORT_TLS_H
#define PS_REPORT_TLS_H

#include <stddef.h>

#include "probe/tls.h"
#include "report/json.h"

/* "tls": the object, or null when t is NULL (no TLS asked for). */
void ps_report_tls_json(struct ps_json *j, const struct ps_tls_info *t);

/* A heap copy of t that holds only the SAN bytes in use (a kept result's share);
 * NULL when out of memory. Read it only through its fields and ps_tls_info_san; free(). */
struct ps_tls_info *ps_report_tls_keep(const struct ps_tls_info *t);

/* Table cells, escaped: the verify value, the leaf's days left ("-" when unknown), the
 * leaf's subject ("-" when none), and the verify error when verification failed ("" when
 * none). Each returns the length written. */
size_t ps_report_tls_verify(const struct ps_tls_info *t, char *buf, size_t len);
size_t ps_report_tls_days(const struct ps_tls_info *t, char *buf, size_t len);
size_t ps_report_tls_subject(const struct ps_tls_info *t, char *buf, size_t len);
size_t ps_report_tls_problem(const struct ps_tls_info *t, char *buf, size_t len);

#endif
