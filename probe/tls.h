/* A non-blocking TLS client over a socket the caller has connected, driven from the
 * caller's event loop: ps_tls_step() does what it can without waiting and says whether it
 * needs the socket readable or writable next, so thousands of handshakes share one epoll
 * loop with no thread per handshake. An optional STARTTLS upgrade (probe/starttls.h) runs
 * first on the same socket. The handshake completes whatever the certificate says; the
 * verification result and the certificates are reported in struct ps_tls_info, and the
 * caller decides what fails (ps_tls_info.ok folds in --insecure). */
#ifndef PS_TLS_H
#define PS_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "probe/err.h"
#include "probe/starttls.h"

/* One option set: every session made from one ps_tls_ctx shares its SSL_CTX. */
struct ps_tls_opts {
	const char *sni;	/* --sni: the name to send and verify; NULL: the target's */
	const char *alpn;	/* --alpn: comma-separated protocols ("h2,http/1.1") or NULL */
	const char *ca_file;	/* --ca: PEM certificates trusted besides the system store */
	bool insecure;		/* --insecure: a verification failure does not fail (info.ok) */
	enum ps_starttls_proto starttls;
	const char *client_name; /* SMTP EHLO name; NULL: "localhost" */
};

enum ps_tls_status {
	PS_TLS_WANT_READ,	/* call ps_tls_step again when the socket is readable */
	PS_TLS_WANT_WRITE,	/* ... when it is writable */
	PS_TLS_DONE,		/* the handshake completed: see ps_tls_info (verify may still fail) */
	PS_TLS_FAILED,		/* STARTTLS was refused or the handshake failed */
};

/* The verification result, one value per cause a user acts on. */
enum ps_tls_verify {
	PS_TLS_VERIFY_INCOMPLETE = 0,	/* "incomplete": not finished (the caller timed out) */
	PS_TLS_VERIFY_OK,		/* "ok" */
	PS_TLS_VERIFY_EXPIRED,		/* "expired": the leaf or a chain certificate */
	PS_TLS_VERIFY_NOT_YET_VALID,	/* "not-yet-valid" */
	PS_TLS_VERIFY_SELF_SIGNED,	/* "self-signed": the leaf signed itself */
	PS_TLS_VERIFY_UNTRUSTED,	/* "untrusted": no chain to a trusted root */
	PS_TLS_VERIFY_HOSTNAME_MISMATCH, /* "hostname-mismatch": not for the SNI name/address */
	PS_TLS_VERIFY_REVOKED,		/* "revoked" */
	PS_TLS_VERIFY_INVALID,		/* "invalid": any other cause, see verify_error */
	PS_TLS_VERIFY_HANDSHAKE_FAILED,	/* "handshake-failed" */
	PS_TLS_VERIFY_STARTTLS_REFUSED,	/* "starttls-refused" */
};

#define PS_TLS_TEXT_MAX 512	/* subject and issuer; longer ones are cut */
#define PS_TLS_SAN_BYTES 4096	/* all SAN entries, each NUL-terminated */
#define PS_TLS_SAN_MAX 128

/* What one session found. Plain data, safe to copy; text is raw as the server or OpenSSL
 * gave it (report/ escapes it). Times are UTC seconds, 0 when unknown. days_left counts
 * whole days from the moment the handshake completed: floor((not_after - now) / 86400),
 * negative once expired. */
struct ps_tls_info {
	bool handshake_done;
	bool ok;			/* handshake done and (verify ok, or --insecure) */
	enum ps_tls_verify verify;
	int verify_code;		/* X509_V_ERR_* (0: ok), -1 when nothing was verified */
	int verify_depth;		/* chain position of the failing certificate, -1 none */
	char verify_error[256];		/* OpenSSL's text, the handshake error or the refusal */
	char version[16];		/* "TLSv1.3" */
	char cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	char alpn[256];			/* the negotiated protocol, "" when none */
	bool has_cert;
	char subject[PS_TLS_TEXT_MAX];	/* RFC 2253, UTF-8: "CN=example.com,O=Example" */
	char issuer[PS_TLS_TEXT_MAX];
	char serial[96];		/* uppercase hex */
	time_t not_before, not_after;
	long days_left;
	time_t chain_earliest_not_after; /* the earliest notAfter of the chain the peer sent */
	long chain_days_left;
	unsigned chain_len;		/* certificates the peer sent, leaf included */
	unsigned nsan;
	bool san_truncated;
	uint16_t san_off[PS_TLS_SAN_MAX];
	char san[PS_TLS_SAN_BYTES];	/* "DNS:example.com", "IP:192.0.2.1", "email:", "URI:" */
};

struct ps_tls_ctx;
struct ps_tls;

/* Parse and check an option set once: the CA file must hold PEM certificates, every ALPN
 * name be 1 to 255 bytes. Returns the context, or NULL with err (input errors name the
 * token). The context may be freed while sessions made from it live on. */
struct ps_tls_ctx *ps_tls_ctx_new(const struct ps_tls_opts *o, ps_err *err);
void ps_tls_ctx_free(struct ps_tls_ctx *c);

/* A session on the connected non-blocking socket fd (the caller keeps owning it). host
 * is the target as the user wrote it (an IPv6 address without brackets): sent as SNI
 * unless --sni is set or it is a literal address, and the name (or address) the
 * certificate must match; NULL with no --sni checks no name. Returns NULL with err. */
struct ps_tls *ps_tls_new(struct ps_tls_ctx *c, int fd, const char *host, ps_err *err);
/* Do what can be done without blocking: STARTTLS, then the handshake. */
enum ps_tls_status ps_tls_step(struct ps_tls *t);
/* Application data once ps_tls_step returned DONE (--send, --expect, --banner through
 * TLS). ps_tls_write sends len bytes (len > 0) as a whole: DONE when they are out, WANT_*
 * to be called again with the same buf and len, FAILED when the peer closed or reset.
 * ps_tls_read takes what has arrived, at most cap bytes: DONE with *got > 0 bytes, DONE
 * with *got 0 at the end of the stream (close_notify, or the connection closed without
 * it), WANT_*, or FAILED (a reset or a TLS error). */
enum ps_tls_status ps_tls_write(struct ps_tls *t, const void *buf, size_t len);
enum ps_tls_status ps_tls_read(struct ps_tls *t, void *buf, size_t cap, size_t *got);
/* True once the handshake completed with a certificate that verified, or with --insecure
 * (ps_tls_info.ok without the copy). */
bool ps_tls_ok(const struct ps_tls *t);
/* What the session found so far; complete once ps_tls_step returned DONE or FAILED. */
void ps_tls_info(const struct ps_tls *t, struct ps_tls_info *out);
/* Send close_notify if the handshake completed (best effort, never waits) and free t. */
void ps_tls_free(struct ps_tls *t);

/* The verify value's name ("ok", "expired", ...). */
const char *ps_tls_verify_name(enum ps_tls_verify v);
/* SAN entry k (k < info->nsan). */
const char *ps_tls_info_san(const struct ps_tls_info *i, unsigned k);

#endif
