/* libmicrohttpd, opened with dlopen(3) by the exporter alone (probe/dl.h): linked, it
 * would bring GnuTLS, nettle, gmp, p11-kit and more to every other command. Calls go
 * through ps_mhd, filled by ps_mhd_load. */
#ifndef PS_MHD_H
#define PS_MHD_H

#include <microhttpd.h>

#include "probe/err.h"

struct ps_mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_get_connection_values) *get_connection_values;
	__typeof__(MHD_get_connection_info) *get_connection_info;
};

/* The entry points, once ps_mhd_load succeeded. */
extern struct ps_mhd_api ps_mhd;

/* Open the library (once; later calls return at once). Returns 0, or -1 with err
 * (PS_ERR_SYSTEM: not installed, or without an entry point). */
int ps_mhd_load(ps_err *err);

#endif
