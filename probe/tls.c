/* The non-blocking TLS client: one SSL_CTX per option set, one session per connected
 * socket, stepped by the caller's event loop through STARTTLS and the handshake. The
 * handshake never stops for a certificate (SSL_VERIFY_NONE): OpenSSL still verifies the
 * chain and the name and keeps the first error, which is what gets reported. Bytes go
 * through a socket BIO of our own that sends with MSG_NOSIGNAL, so a peer that resets
 * mid-handshake is an error for that session and never a SIGPIPE for the process. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/ssl.h"
#include "probe/tls_cert.h"
#include "probe/tls_store.h"
#include "probe/tls_vcache.h"

struct ps_tls_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio;
	struct ps_tls_vcache *vcache;	/* chains already verified */
	struct ps_tls_store *store;	/* the system trust store, read on demand */
	unsigned refs;		/* the owner's and one per live session (atomic: the
				 * engine's loops share one context) */
	char *sni;
	char *client_name;
	bool insecure;
	enum ps_starttls_proto starttls;
};

enum phase { PHASE_STARTTLS, PHASE_HANDSHAKE, PHASE_DONE, PHASE_FAILED };

struct ps_tls {
	struct ps_tls_ctx *ctx;
	SSL *ssl;
	int fd;
	enum phase phase;
	struct ps_starttls st;
	struct ps_tls_info info;
};

static int bio_write(BIO *b, const char *buf, int len)
{
	ssize_t n = send((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	ssize_t n = recv((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, 0);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	else if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	return (int)n;
}

/* libssl flushes after every flight and asks whether the peer closed; nothing else. */
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	(void)ptr;
	if (cmd == BIO_CTRL_FLUSH || cmd == BIO_CTRL_DUP)
		return 1;
	if (cmd == BIO_CTRL_EOF)
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	return 0;
}

static BIO_METHOD *bio_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "portscope");

	if (m && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
		  !BIO_meth_set_ctrl(m, bio_ctrl))) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* Keep the chain position of the first verification error; returning ok unchanged keeps
 * OpenSSL's own behaviour (stop at the first error and keep it as the result). */
static int verify_cb(int ok, X509_STORE_CTX *sc)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct ps_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!ok && t && t->info.verify_depth < 0)
		t->info.verify_depth = X509_STORE_CTX_get_error_depth(sc);
	return ok;
}

/* The chain's verification, from the context's cache when the same chain was verified
 * for the same name before (probe/tls_vcache.h). */
static int verify_chain(X509_STORE_CTX *sc, void *arg)
{
	struct ps_tls_ctx *c = arg;
	SSL *ssl = X509_STORE_CTX_get_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct ps_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
	X509_VERIFY_PARAM *param = ssl ? SSL_get0_param(ssl) : NULL;
	const char *host = param ? X509_VERIFY_PARAM_get0_host(param, 0) : NULL;
	char *ip = param && !host ? X509_VERIFY_PARAM_get1_ip_asc(param) : NULL;
	int depth = -1, ret;

	ret = ps_tls_vcache_verify(c->vcache, sc, host ? host : ip ? ip : "", time(NULL), &depth);
	if (t && depth >= 0 && t->info.verify_depth < 0)
		t->info.verify_depth = depth;
	OPENSSL_free(ip);
	return ret;
}

/* "h2,http/1.1" in ALPN's wire format (RFC 7301 3.1): each name after its length byte. */
static int alpn_wire(const char *list, unsigned char **out, unsigned *out_len, ps_err *err)
{
	size_t len = strlen(list), pos = 0;
	unsigned char *w = malloc(len + 1);
	const char *p = list;

	if (!w)
		return ps_err_nomem(err);
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n > 255) {
			free(w);
			return ps_err_input(err, "invalid ALPN protocol '%.*s' in '%s' (1 to 255 "
					    "bytes each)", (int)(n > 255 ? 255 : n), p, list);
		}
		w[pos++] = (unsigned char)n;
		memcpy(w + pos, p, n);
		pos += n;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	*out = w;
	*out_len = (unsigned)pos;
	return 0;
}

static int load_ca(SSL_CTX *ctx, const char *file, ps_err *err)
{
	FILE *f = fopen(file, "r");

	if (!f)
		return ps_err_input(err, "cannot read CA file '%s': %s", file, strerror(errno));
	fclose(f);
	ERR_clear_error();
	if (SSL_CTX_load_verify_locations(ctx, file, NULL) != 1) {
		ERR_clear_error();
		return ps_err_input(err, "CA file '%s' holds no PEM certificate", file);
	}
	return 0;
}

static int ctx_setup(struct ps_tls_ctx *c, const struct ps_tls_opts *o, ps_err *err)
{
	unsigned char *wire = NULL;
	unsigned wire_len = 0;
	int rc;

	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, verify_cb);
	SSL_CTX_set_cert_verify_callback(c->ssl_ctx, verify_chain, c);
	/* Thousands of sessions wait on their peers at once: a session holds its 16 KiB
	 * read and write buffers only while it moves bytes. */
	SSL_CTX_set_mode(c->ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
	/* A probe never resumes a session: a ticket (RFC 5077) would cost each server an
	 * encryption and each session a copy, for nothing. */
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_TICKET);
	c->store = ps_tls_store_attach(c->ssl_ctx);
	if (!c->store)
		return ps_err_nomem(err);
	if (o->ca_file && load_ca(c->ssl_ctx, o->ca_file, err) < 0)
		return -1;
	if (o->alpn) {
		if (alpn_wire(o->alpn, &wire, &wire_len, err) < 0)
			return -1;
		rc = SSL_CTX_set_alpn_protos(c->ssl_ctx, wire, wire_len);
		free(wire);
		if (rc != 0)
			return ps_err_nomem(err);
	}
	return 0;
}

struct ps_tls_ctx *ps_tls_ctx_new(const struct ps_tls_opts *o, ps_err *err)
{
	struct ps_tls_ctx *c;

	if (ps_ssl_load(err) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ps_err_nomem(err);
		return NULL;
	}
	c->refs = 1;
	c->insecure = o->insecure;
	c->starttls = o->starttls;
	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	c->bio = bio_method();
	c->vcache = ps_tls_vcache_new();
	c->sni = o->sni ? strdup(o->sni) : NULL;
	c->client_name = o->client_name ? strdup(o->client_name) : NULL;
	if (!c->ssl_ctx || !c->bio || !c->vcache || (o->sni && !c->sni) || (o->client_name && !c->client_name)) {
		ps_err_nomem(err);
		goto fail;
	}
	if (ctx_setup(c, o, err) < 0)
		goto fail;
	return c;
fail:
	ps_tls_ctx_free(c);
	return NULL;
}

void ps_tls_ctx_free(struct ps_tls_ctx *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	SSL_CTX_free(c->ssl_ctx);
	ps_tls_store_free(c->store);	/* after the SSL_CTX: its store holds the lookup */
	BIO_meth_free(c->bio);
	ps_tls_vcache_free(c->vcache);
	free(c->sni);
	free(c->client_name);
	free(c);
}

static bool is_address(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* SNI for a name, none for an address (RFC 6066 3); the certificate must match either. */
static int set_peer_name(SSL *ssl, const char *name, ps_err *err)
{
	if (!name || !*name)
		return 0;
	if (is_address(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1)
			return ps_err_nomem(err);
		return 0;
	}
	if (strlen(name) > 255 || SSL_set_tlsext_host_name(ssl, name) != 1)
		return ps_err_input(err, "invalid TLS server name '%.255s'", name);
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, name) != 1)
		return ps_err_nomem(err);
	return 0;
}

static int session_setup(struct ps_tls *t, const char *name, ps_err *err)
{
	BIO *bio = BIO_new(t->ctx->bio);

	if (!bio)
		return ps_err_nomem(err);
	BIO_set_data(bio, (void *)(intptr_t)t->fd);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_connect_state(t->ssl);
	return set_peer_name(t->ssl, name, err);
}

struct ps_tls *ps_tls_new(struct ps_tls_ctx *c, int fd, const char *host, ps_err *err)
{
	struct ps_tls *t = calloc(1, sizeof(*t));
	const char *name = c->sni ? c->sni : host;

	if (!t) {
		ps_err_nomem(err);
		return NULL;
	}
	t->ctx = c;
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	t->fd = fd;
	t->info.verify_code = -1;
	t->info.verify_depth = -1;
	t->ssl = SSL_new(c->ssl_ctx);
	if (!t->ssl) {
		ps_err_nomem(err);
		goto fail;
	}
	SSL_set_app_data(t->ssl, t);
	if (session_setup(t, name, err) < 0)
		goto fail;
	ps_starttls_init(&t->st, c->starttls, name, c->client_name);
	t->phase = c->starttls ? PHASE_STARTTLS : PHASE_HANDSHAKE;
	return t;
fail:
	ps_tls_free(t);
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static enum ps_tls_status fail(struct ps_tls *t, enum ps_tls_verify v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->info.verify_error, sizeof(t->info.verify_error), fmt, ap);
	va_end(ap);
	t->info.verify = v;
	t->phase = PHASE_FAILED;
	return PS_TLS_FAILED;
}

static enum ps_tls_status starttls_refused(struct ps_tls *t, const char *why)
{
	return fail(t, PS_TLS_VERIFY_STARTTLS_REFUSED, "%s", why);
}

/* Send the queued request, then feed what the server says, consuming from the socket only
 * the bytes the machine used (it peeks first): the byte after the final reply is the
 * server's first TLS byte and must stay for OpenSSL. */
static enum ps_tls_status starttls_step(struct ps_tls *t)
{
	char buf[1024];
	const char *out;
	size_t len, used;
	ssize_t n;

	while (t->st.verdict == PS_STARTTLS_MORE) {
		if ((out = ps_starttls_pending(&t->st, &len))) {
			n = send(t->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return PS_TLS_WANT_WRITE;
			if (n < 0 && errno != EINTR)
				return fail(t, PS_TLS_VERIFY_STARTTLS_REFUSED, "send: %s",
					    strerror(errno));
			ps_starttls_sent(&t->st, n > 0 ? (size_t)n : 0);
			continue;
		}
		n = recv(t->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PS_TLS_WANT_READ;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return starttls_refused(t, n == 0 ? "connection closed during STARTTLS"
							  : strerror(errno));
		used = ps_starttls_feed(&t->st, buf, (size_t)n);
		if (used == 0 || recv(t->fd, buf, used, MSG_DONTWAIT) != (ssize_t)used)
			return starttls_refused(t, "STARTTLS reply lost");
	}
	if (t->st.verdict != PS_STARTTLS_READY)
		return starttls_refused(t, t->st.why);
	return PS_TLS_DONE;
}

/* Why SSL_connect failed: OpenSSL's reason, the socket's errno, or the peer's close. */
static enum ps_tls_status handshake_failed(struct ps_tls *t, int ret, int errnum)
{
	int e = SSL_get_error(t->ssl, ret);
	unsigned long code = ERR_peek_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;
	char text[256];

	if (code && !reason)
		ERR_error_string_n(code, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s",
			 reason ? reason : e == SSL_ERROR_SYSCALL && errnum ? strerror(errnum)
									    : "connection closed by peer");
	ERR_clear_error();
	return fail(t, PS_TLS_VERIFY_HANDSHAKE_FAILED, "%s", text);
}

static enum ps_tls_status handshake_step(struct ps_tls *t)
{
	int ret, e;

	ERR_clear_error();
	errno = 0;
	ret = SSL_connect(t->ssl);
	if (ret == 1) {
		ps_tls_cert_collect(t->ssl, time(NULL), &t->info);
		t->info.ok = t->info.verify == PS_TLS_VERIFY_OK || t->ctx->insecure;
		t->phase = PHASE_DONE;
		return PS_TLS_DONE;
	}
	e = SSL_get_error(t->ssl, ret);
	if (e == SSL_ERROR_WANT_READ)
		return PS_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return PS_TLS_WANT_WRITE;
	return handshake_failed(t, ret, errno);
}

enum ps_tls_status ps_tls_step(struct ps_tls *t)
{
	enum ps_tls_status s;

	if (t->phase == PHASE_STARTTLS) {
		s = starttls_step(t);
		if (s != PS_TLS_DONE)
			return s;
		t->phase = PHASE_HANDSHAKE;
	}
	if (t->phase == PHASE_HANDSHAKE)
		return handshake_step(t);
	return t->phase == PHASE_DONE ? PS_TLS_DONE : PS_TLS_FAILED;
}

/* SSL_get_error's answer for a call that did not succeed, as a status. */
static enum ps_tls_status io_status(struct ps_tls *t, int ret)
{
	int e = SSL_get_error(t->ssl, ret);

	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ)
		return PS_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return PS_TLS_WANT_WRITE;
	return PS_TLS_FAILED;
}

enum ps_tls_status ps_tls_write(struct ps_tls *t, const void *buf, size_t len)
{
	size_t n = 0;
	int ret;

	if (t->phase != PHASE_DONE)
		return PS_TLS_FAILED;
	ERR_clear_error();
	ret = SSL_write_ex(t->ssl, buf, len, &n);
	return ret == 1 ? PS_TLS_DONE : io_status(t, ret);
}

enum ps_tls_status ps_tls_read(struct ps_tls *t, void *buf, size_t cap, size_t *got)
{
	int ret, e;

	*got = 0;
	if (t->phase != PHASE_DONE)
		return PS_TLS_FAILED;
	ERR_clear_error();
	errno = 0;
	ret = SSL_read_ex(t->ssl, buf, cap, got);
	if (ret == 1)
		return PS_TLS_DONE;
	e = SSL_get_error(t->ssl, ret);
	/* OpenSSL 3 calls a close without close_notify an error (unexpected EOF): for a
	 * banner it is the end of what the server says, as with plain TCP. */
	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SSL &&
	     ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
	    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
		ERR_clear_error();
		*got = 0;
		return PS_TLS_DONE;
	}
	return io_status(t, ret);
}

bool ps_tls_ok(const struct ps_tls *t)
{
	return t->phase == PHASE_DONE && t->info.ok;
}

void ps_tls_info(const struct ps_tls *t, struct ps_tls_info *out)
{
	*out = t->info;
	if (t->phase == PHASE_STARTTLS)
		snprintf(out->verify_error, sizeof(out->verify_error), "STARTTLS did not finish");
	else if (t->phase == PHASE_HANDSHAKE)
		snprintf(out->verify_error, sizeof(out->verify_error),
			 "the handshake did not finish");
}

void ps_tls_free(struct ps_tls *t)
{
	if (!t)
		return;
	if (t->ssl && t->phase == PHASE_DONE) {
		SSL_shutdown(t->ssl);
		ERR_clear_error();
	}
	SSL_free(t->ssl);
	ps_tls_ctx_free(t->ctx);
	free(t);
}
