/* Libraries opened with dlopen(3) the first time a command needs them, not linked:
 * OpenSSL (TLS), libmicrohttpd (the exporter's HTTP) and libnftables (list --nat) bring
 * relocations, constructors and dependencies (GnuTLS, nettle, gmp, libnftnl, ...) that
 * would cost every other command milliseconds of start-up. Their headers still give the
 * types and constants; the calls go through a table of function pointers that
 * ps_dl_load fills. */
#ifndef PS_DL_H
#define PS_DL_H

#include <pthread.h>
#include <stddef.h>

#include "probe/err.h"

struct ps_dl {
	const char *lib;		/* the soname: "libssl.so.3" */
	const char *package;		/* the Debian package that has it, for the message */
	const char *const *names;	/* the entry points, in the order of the table */
	size_t n;
	void *handle;			/* set once loaded; the library stays open */
	pthread_mutex_t mu;
};

#define PS_DL_INIT(lib, package, names) \
	{ lib, package, names, sizeof(names) / sizeof(names[0]), NULL, PTHREAD_MUTEX_INITIALIZER }

/* Open d->lib once (later calls return at once) and fill table, a struct whose members
 * are d->n function pointers in the order of d->names. Returns 0, or -1 with err
 * (PS_ERR_SYSTEM: the library is not installed, or lacks an entry point). Safe to call
 * from several threads. */
int ps_dl_load(struct ps_dl *d, void *table, ps_err *err);

#endif
