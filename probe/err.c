/* The error buffer shared by every probe module. */
#include <stdarg.h>
#include <stdio.h>

#include "probe/err.h"

int ps_err_set(ps_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
