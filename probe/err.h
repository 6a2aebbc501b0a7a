/* Error reporting for probe/: a failing function returns -1 and fills a ps_err the caller
 * owns with a kind and a message; cmd/ prints the message once and maps the kind to an
 * exit code in one place (ps_cli_err). Nothing in probe/ prints or exits. */
#ifndef PS_ERR_H
#define PS_ERR_H

#include <stddef.h>

enum ps_err_kind {
	PS_ERR_NONE = 0,
	PS_ERR_INPUT,		/* the user's input is wrong: exit 2 */
	PS_ERR_SYSTEM,		/* the system failed us (a socket, netlink, /proc): exit 3 */
	PS_ERR_NOMEM,		/* out of memory: exit 3 */
};

typedef struct ps_err {
	enum ps_err_kind kind;
	int sys_errno;		/* errno of the failing call for PS_ERR_SYSTEM, else 0 */
	char msg[256];
} ps_err;

/* Fill err (NULL is allowed and ignored) with a kind and a message. Always return -1,
 * for `return ps_err_input(err, ...)`. */
int ps_err_input(ps_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* PS_ERR_SYSTEM; sys_errno is taken from errno as it is on entry. */
int ps_err_system(ps_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ps_err_nomem(ps_err *err);

#endif
