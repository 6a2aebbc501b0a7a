/* Starting and stopping the exporter's server, and the watchdog that cuts requests which
 * trickle in: MHD's idle timeout restarts at every byte, so a client sending one byte a
 * second could hold a connection for as long as its memory limit lets the head grow. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "probe/clock.h"
#include "probe/exporter_srv.h"
#include "probe/mhd.h"

#define CONN_MEMORY_LIMIT (16 * 1024)	/* request head and query; more is answered 431 */
#define THREAD_STACK (512 * 1024)

void ps_xsrv_addr_text(const union ps_sockaddr *sa, char *buf, size_t len)
{
	const struct in6_addr *a6 = &sa->v6.sin6_addr;

	buf[0] = '\0';
	if (sa->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &sa->v4.sin_addr, buf, (socklen_t)len);
	else if (sa->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6))
		inet_ntop(AF_INET, &a6->s6_addr[12], buf, (socklen_t)len);
	else if (sa->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, a6, buf, (socklen_t)len);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct ps_xsrv *s = cls;
	struct xconn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			ps_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (!ci || !(c = calloc(1, sizeof(*c))))
			return;	/* not watched: MHD's idle timeout still applies */
		c->fd = ci->connect_fd;
		c->since_ns = ps_clock_ns();
		pthread_mutex_lock(&s->conn_lock);
		c->next = s->conns.next;
		c->prev = &s->conns;
		s->conns.next->prev = c;
		s->conns.next = c;
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = c;
	} else if (c) {
		pthread_mutex_lock(&s->conn_lock);
		c->prev->next = c->next;
		c->next->prev = c->prev;
		pthread_mutex_unlock(&s->conn_lock);
		free(c);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct ps_xsrv *s = cls;
	const union MHD_ConnectionInfo *ci =
		ps_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)req_cls;
	(void)code;
	if (!ci || !ci->socket_context)
		return;
	pthread_mutex_lock(&s->conn_lock);
	((struct xconn *)ci->socket_context)->since_ns = ps_clock_ns();
	pthread_mutex_unlock(&s->conn_lock);
}

/* Once a second: shut down (not close: MHD owns the descriptor) every connection whose
 * request has not been answered within request_timeout_s. */
static void *watchdog(void *arg)
{
	struct ps_xsrv *s = arg;
	uint64_t limit = (uint64_t)s->opts.request_timeout_s * 1000000000ull;

	pthread_mutex_lock(&s->conn_lock);
	while (!s->stopping) {
		struct timespec ts;
		uint64_t now = ps_clock_ns();

		for (struct xconn *c = s->conns.next; c != &s->conns; c = c->next)
			if (c->fd >= 0 && now - c->since_ns > limit) {
				(void)shutdown(c->fd, SHUT_RDWR);
				c->fd = -1;
			}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->conn_cond, &s->conn_lock, &ts);
	}
	pthread_mutex_unlock(&s->conn_lock);
	return NULL;
}

__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct ps_xevent ev = { .event = "error" };
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	ev.detail = msg;
	ps_xsrv_log(cls, &ev);
}

static void srv_free(struct ps_xsrv *s)
{
	if (s->cfg) {
		ps_xconfig_free(&s->cfg->c);
		free(s->cfg);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->log_lock);
	pthread_mutex_destroy(&s->scrape_lock);
	pthread_mutex_destroy(&s->conn_lock);
	pthread_cond_destroy(&s->conn_cond);
	free(s);
}

static struct MHD_Daemon *daemon_start(struct ps_xsrv *s)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_ERROR_LOG;

	/* [::] serves IPv4 too, as "every address" promises; another v6 address only itself. */
	if (s->opts.listen.sa.sa_family == AF_INET6)
		flags |= IN6_IS_ADDR_UNSPECIFIED(&s->opts.listen.v6.sin6_addr) ? MHD_USE_DUAL_STACK
									  : MHD_USE_IPv6;
	return ps_mhd.start_daemon(flags, 0, NULL, NULL, ps_xsrv_on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, &s->opts.listen.sa,
		MHD_OPTION_CONNECTION_LIMIT, s->opts.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, s->opts.idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
}

struct ps_xsrv *ps_xsrv_start(const struct ps_xsrv_opts *o, const struct ps_xsrv_hooks *h,
			      struct ps_xconfig *c, ps_err *err)
{
	struct ps_xsrv *s = calloc(1, sizeof(*s));

	if (!s || ps_mhd_load(err) < 0) {
		if (!s)
			ps_err_nomem(err);
		free(s);
		ps_xconfig_free(c);
		return NULL;
	}
	s->opts = *o;
	s->hooks = *h;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_mutex_init(&s->scrape_lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_cond_init(&s->conn_cond, NULL);
	s->conns.next = s->conns.prev = &s->conns;
	s->stats.start_time = (double)time(NULL);
	if (!(s->cfg = calloc(1, sizeof(*s->cfg)))) {
		ps_xconfig_free(c);
		srv_free(s);
		ps_err_nomem(err);
		return NULL;
	}
	s->cfg->c = *c;
	s->cfg->refs = 1;
	memset(c, 0, sizeof(*c));
	errno = 0;
	if (!(s->daemon = daemon_start(s))) {
		ps_err_system(err, "cannot listen on the address given to --listen: %s",
			      errno ? strerror(errno) : "refused by libmicrohttpd");
		srv_free(s);
		return NULL;
	}
	s->have_watchdog = pthread_create(&s->watchdog, NULL, watchdog, s) == 0;
	return s;
}

void ps_xsrv_stop(struct ps_xsrv *s)
{
	ps_mhd.stop_daemon(s->daemon);
	pthread_mutex_lock(&s->conn_lock);
	s->stopping = true;
	pthread_cond_signal(&s->conn_cond);
	pthread_mutex_unlock(&s->conn_lock);
	if (s->have_watchdog)
		pthread_join(s->watchdog, NULL);
	srv_free(s);
}
