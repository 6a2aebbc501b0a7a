/* Netlink message walking and the dump loop. mnl_nlmsg_ok() casts nlmsg_len to int, so a
 * length above INT_MAX passes it; the kernel never sends one, but a parser of recorded or
 * fuzzed bytes must not trust that, hence our own bounds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/nlmsg.h"

void ps_nlwalk_init(struct ps_nlwalk *w, const void *buf, size_t len)
{
	w->next = buf;
	w->left = len;
	w->intr = false;
}

const struct nlmsghdr *ps_nlwalk_next(struct ps_nlwalk *w)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)w->next;
	size_t step;

	if (w->left < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > w->left)
		return NULL;
	step = NLMSG_ALIGN(nlh->nlmsg_len);
	if (step > w->left)
		step = w->left;	/* the last message's padding may be missing */
	w->next += step;
	w->left -= step;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		w->intr = true;
	return nlh;
}

size_t ps_nlwalk_rest(const struct ps_nlwalk *w)
{
	return w->left;
}

int ps_nlwalk_end(const struct ps_nlwalk *w, const char *what, ps_err *err)
{
	if (w->left) {
		errno = EBADMSG;
		return ps_err_system(err, "netlink: malformed message in %s dump", what);
	}
	return w->intr ? -2 : 0;
}

const void *ps_nlmsg_payload(const struct nlmsghdr *nlh, size_t size, const char *what,
			     ps_err *err)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH(size)) {
		errno = EBADMSG;
		ps_err_system(err, "netlink: malformed %s message", what);
		return NULL;
	}
	return mnl_nlmsg_get_payload(nlh);
}

/* The kernel sends negative errnos; anything else is no errno we can name. */
static int kernel_errno(int e)
{
	return e < 0 && e > -4096 ? -e : EPROTO;
}

int ps_nlmsg_control(const struct nlmsghdr *nlh, const char *what, ps_err *err)
{
	const struct nlmsgerr *e;
	int code;

	switch (nlh->nlmsg_type) {
	case NLMSG_DONE:
		/* A dump's DONE carries an int: a negative errno when it failed late. */
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 1;
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
		if (code >= 0)
			return 1;
		errno = kernel_errno(code);
		return ps_err_system(err, "netlink: %s dump failed: %s", what, strerror(errno));
	case NLMSG_ERROR:
		e = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			errno = EBADMSG;
			return ps_err_system(err, "netlink: truncated error message in %s dump", what);
		}
		if (e->error == 0)
			return 0;	/* an ack */
		errno = kernel_errno(e->error);
		return ps_err_system(err, "netlink: %s dump: %s", what, strerror(errno));
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return 0;
	default:
		return 2;
	}
}

int ps_nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, char *buf, size_t bufsz,
	       ps_nl_parse_fn parse, void *data, ps_err *err)
{
	unsigned portid = mnl_socket_get_portid(nl);

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return ps_err_system(err, "netlink: send: %s", strerror(errno));
	for (;;) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		ssize_t n = mnl_socket_recvfrom(nl, buf, bufsz);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ps_err_system(err, "netlink: receive: %s", strerror(errno));
		if (n == 0) {
			errno = EPIPE;
			return ps_err_system(err, "netlink: the kernel ended the dump early");
		}
		if (n >= (ssize_t)sizeof(*h) && (h->nlmsg_seq != req->nlmsg_seq ||
						 h->nlmsg_pid != portid))
			continue;
		rc = parse(buf, (size_t)n, data, err);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return rc;
	}
}

struct mnl_socket *ps_nl_open(int bus, const char *what, char **buf, size_t bufsz, ps_err *err)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);

	*buf = NULL;
	if (!nl) {
		ps_err_system(err, "netlink: cannot open %s socket: %s", what, strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ps_err_system(err, "netlink: bind: %s", strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	*buf = malloc(bufsz);
	if (!*buf) {
		ps_err_nomem(err);
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

void ps_nl_close(struct mnl_socket *nl, char *buf)
{
	free(buf);
	mnl_socket_close(nl);
}
