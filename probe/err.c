/* The error record shared by every probe module. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "probe/err.h"

__attribute__((format(printf, 4, 0)))
static int fill(ps_err *err, enum ps_err_kind kind, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->kind = kind;
	err->sys_errno = errnum;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int ps_err_input(ps_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fill(err, PS_ERR_INPUT, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int ps_err_system(ps_err *err, const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	fill(err, PS_ERR_SYSTEM, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int ps_err_nomem(ps_err *err)
{
	if (err) {
		err->kind = PS_ERR_NOMEM;
		err->sys_errno = ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	}
	return -1;
}
