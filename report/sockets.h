/* Rendering socket records (list, audit, watch): table, JSON document, NDJSON. */
#ifndef PS_REPORT_SOCKETS_H
#define PS_REPORT_SOCKETS_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/sockdiag.h"
#include "report/format.h"
#include "report/json.h"
#include "report/table.h"

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
/* Those columns as list shows them, with their widths in a stream: PROTO, LOCAL,
 * EXPOSURE, USER, then UNIT when unit is true, and PROCESS. Fills cols (room for
 * PS_SOCKREF_NCOLS) and returns how many. */
#define PS_SOCKREF_NCOLS 6
size_t ps_sockref_columns(struct ps_column *cols, bool unit);
/* True when r has something for the UNIT column: a unit, or a container. */
bool ps_sock_has_unit(const struct sock_rec *r);

/* "127.0.0.1", "::1": the address of a record side into buf; returns buf. */
const char *ps_report_addr(const struct sock_rec *r, bool local, char *buf, size_t len);
/* The service name a view shows for r, or NULL. */
const char *ps_report_service(const struct sock_rec *r, const struct ps_view *view);

#endif
