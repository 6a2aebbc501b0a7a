/* libmicrohttpd's entry points through dlopen (see probe/mhd.h). */
#include "probe/dl.h"
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

static struct ps_dl lib = PS_DL_INIT("libmicrohttpd.so.12", "libmicrohttpd12", names);

int ps_mhd_load(ps_err *err)
{
	return ps_dl_load(&lib, &ps_mhd, err);
}
