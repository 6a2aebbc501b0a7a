/* libmicrohttpd's entry points through dlopen (see probe/mhd.h). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "probe/mhd.h"

struct ps_mhd_api ps_mhd;

static const char *const names[] = {
	"MHD_start_daemon", "MHD_stop_daemon", "MHD_create_response_from_buffer",
	"MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response",
	"MHD_lookup_connection_value", "MHD_get_connection_values", "MHD_get_connection_info",
};

/* The table in the order of names[]: every member is one function pointer. */
_Static_assert(sizeof(struct ps_mhd_api) == sizeof(names) / sizeof(names[0]) * sizeof(void (*)(void)),
	       "ps_mhd_api and names[] differ");

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static void *lib;

int ps_mhd_load(ps_err *err)
{
	void *fn[sizeof(names) / sizeof(names[0])];
	int rc = 0;

	pthread_mutex_lock(&load_mu);
	if (lib)
		goto out;
	lib = dlopen(PS_MHD_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		errno = ENOENT;
		rc = ps_err_system(err, "cannot load %s (package libmicrohttpd12): %s", PS_MHD_LIB,
				   dlerror());
		goto out;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(fn[i] = dlsym(lib, names[i]))) {
			errno = ENOSYS;
			rc = ps_err_system(err, "%s lacks %s", PS_MHD_LIB, names[i]);
			dlclose(lib);
			lib = NULL;
			goto out;
		}
	}
	/* dlsym gives object pointers; POSIX guarantees they convert to functions. */
	memcpy(&ps_mhd, fn, sizeof(ps_mhd));
out:
	pthread_mutex_unlock(&load_mu);
	return rc;
}
