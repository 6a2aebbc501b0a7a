/* Rendering socket records (list, audit, watch): table, JSON document, NDJSON. */
#ifndef PS_REPORT_SOCKETS_H
#define PS_REPORT_SOCKETS_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/sockdiag.h"
#include "report/format.h"
#include "report/json.h"

/* Write the records (in the order given) in fmt: table, json or ndjson. Returns 0, or -1
 * on out of memory. */
int ps_report_sockets(FILE *f, enum ps_format fmt, const struct sock_rec *const *recs, size_t n,
		      const struct ps_view *view);

/* The fields of one socket record (docs/design.md), into the object j has open. */
void ps_report_sock_fields(struct ps_json *j, const struct sock_rec *r,
			   const struct ps_view *view);

/* Socket columns for the tables of records that hold a socket (audit findings, watch
 * events): the record keeps a `const struct sock_rec *` at offset bytes from its start
 * (NULL shows "-"), and the table's ctx is a struct ps_sockref. The cells are those of
 * list's table. */
struct ps_sockref {
	const struct ps_view *view;
	size_t offset;		/* offsetof(record, its socket pointer) */
};
size_t ps_sockref_proto(const void *rec, const void *ctx, char *buf, size_t len);
size_t ps_sockref_local(const void *rec, const void *ctx, char *buf, size_t len);
size_t ps_sockref_exposure(const void *rec, const void *ctx, char *buf, size_t len);
size_t ps_sockref_user(const void *rec, const void *ctx, char *buf, size_t len);
size_t ps_sockref_process(const void *rec, const void *ctx, char *buf, size_t len);
size_t ps_sockref_unit(const void *rec, const void *ctx, char *buf, size_t len);
/* Those five as column entries (with their widths in a stream). */
#define PS_SOCKREF_COLUMNS                                                       \
	{ "PROTO", ps_sockref_proto, false, 5 }, { "LOCAL", ps_sockref_local, false, 24 }, \
	{ "EXPOSURE", ps_sockref_exposure, false, 8 }, { "USER", ps_sockref_user, false, 8 }, \
	{ "PROCESS", ps_sockref_process, false, 0 }

/* "127.0.0.1", "::1": the address of a record side into buf; returns buf. */
const char *ps_report_addr(const struct sock_rec *r, bool local, char *buf, size_t len);
/* The service name a view shows for r, or NULL. */
const char *ps_report_service(const struct sock_rec *r, const struct ps_view *view);

#endif
