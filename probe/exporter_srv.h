/* Inside the exporter's server: the state probe/exporter_http.c (routes) and
 * probe/exporter_srv.c (start, stop, the request watchdog) share. Not for other modules. */
#ifndef PS_EXPORTER_SRV_H
#define PS_EXPORTER_SRV_H

#include <pthread.h>
#include <stdint.h>

#include "probe/exporter_http.h"

struct MHD_Daemon;
struct MHD_Connection;

/* A configuration shared by the requests that started under it. */
struct xcfg_ref {
	struct ps_xconfig c;
	unsigned refs;
};

/* One open connection, watched for requests that take too long to arrive. */
struct xconn {
	struct xconn *prev, *next;
	int fd;
	uint64_t since_ns;		/* opened, or its last request answered */
};

struct ps_xsrv {
	struct ps_xsrv_opts opts;
	struct ps_xsrv_hooks hooks;
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;		/* cfg, stats */
	pthread_mutex_t log_lock;	/* one log line at a time */
	pthread_mutex_t scrape_lock;	/* one /metrics at a time */
	struct xcfg_ref *cfg;
	struct ps_xstats stats;
	pthread_mutex_t conn_lock;	/* conns, stopping */
	pthread_cond_t conn_cond;
	struct xconn conns;		/* list head */
	bool stopping;
	pthread_t watchdog;
	bool have_watchdog;
};

/* One request being answered. */
struct xreq {
	struct MHD_Connection *conn;
	uint64_t start_ns;
	int status;
	char detail[200];
};

/* The access handler (probe/exporter_http.c), for MHD_start_daemon. */
enum MHD_Result ps_xsrv_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_size, void **req_cls);

/* Numeric text of an address (IPv4-mapped IPv6 shown as IPv4). */
void ps_xsrv_addr_text(const union ps_sockaddr *sa, char *buf, size_t len);

#endif
