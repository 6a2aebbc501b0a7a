/* OpenSSL's entry points through dlopen (see probe/ssl.h). */
#include "probe/dl.h"
#include "probe/ssl.h"

struct ps_ssl_api ps_ssl;

static const char *const names[] = {
#define PS_SSL_NAME(f) #f,
	PS_SSL_FUNCS(PS_SSL_NAME)
#undef PS_SSL_NAME
};

_Static_assert(sizeof(struct ps_ssl_api) == sizeof(names) / sizeof(names[0]) * sizeof(void (*)(void)),
	       "ps_ssl_api and names[] differ");

/* libssl's own dependency, libcrypto, comes with it; dlsym on libssl's handle finds
 * libcrypto's functions too. */
static struct ps_dl lib = PS_DL_INIT("libssl.so.3", "libssl3", names);

int ps_ssl_load(ps_err *err)
{
	return ps_dl_load(&lib, &ps_ssl, err);
}
