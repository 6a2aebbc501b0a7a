/* Libraries opened on first use (see probe/dl.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/dl.h"

int ps_dl_load(struct ps_dl *d, void *table, ps_err *err)
{
	void **fn;
	void *lib;
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (d->handle)
		goto out;
	lib = dlopen(d->lib, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		errno = ENOENT;
		rc = ps_err_system(err, "cannot load %s (package %s): %s", d->lib, d->package,
				   dlerror());
		goto out;
	}
	fn = calloc(d->n, sizeof(*fn));
	if (!fn) {
		dlclose(lib);
		rc = ps_err_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < d->n; i++)
		if (!(fn[i] = dlsym(lib, d->names[i]))) {
			errno = ENOSYS;
			rc = ps_err_system(err, "%s lacks %s (package %s too old?)", d->lib,
					   d->names[i], d->package);
			dlclose(lib);
			free(fn);
			goto out;
		}
	/* dlsym gives object pointers; POSIX guarantees they convert to functions, and
	 * the table's members are all function pointers of that size. */
	memcpy(table, fn, d->n * sizeof(*fn));
	free(fn);
	d->handle = lib;
out:
	pthread_mutex_unlock(&d->mu);
	return rc;
}
