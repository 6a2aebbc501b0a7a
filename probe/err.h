/* Error reporting for probe/: the callee fills a buffer the caller owns, and cmd/
 * prints it once. Nothing in probe/ prints or exits. */
#ifndef PS_ERR_H
#define PS_ERR_H

#include <stddef.h>

typedef struct ps_err {
	char msg[256];
} ps_err;

/* Format a message into err (NULL is allowed and ignored). Always returns -1. */
int ps_err_set(ps_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
