/* STARTTLS: the in-band upgrade a service needs before its TLS handshake (SMTP RFC 3207,
 * IMAP RFC 3501/2595, POP3 RFC 2595, FTP RFC 4217, PostgreSQL's SSLRequest, XMPP RFC 6120).
 * Each protocol is a state machine with no I/O: bytes from the server go in, the request to
 * send and a verdict come out, so the same code runs inside the engine's event loop, in the
 * unit tests and under the fuzzer. Every buffer is bounded; an overlong line is cut, not an
 * error, and a reply that goes on for ever ends in PS_STARTTLS_BAD. */
#ifndef PS_STARTTLS_H
#define PS_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/err.h"

enum ps_starttls_proto {
	PS_STARTTLS_NONE = 0,	/* plain TLS from the first byte */
	PS_STARTTLS_SMTP,
	PS_STARTTLS_IMAP,
	PS_STARTTLS_POP3,
	PS_STARTTLS_FTP,
	PS_STARTTLS_POSTGRES,
	PS_STARTTLS_XMPP,
};

enum ps_starttls_verdict {
	PS_STARTTLS_MORE = 0,	/* send what is queued, then feed what the server says next */
	PS_STARTTLS_READY,	/* the server agreed: its next byte belongs to the TLS handshake */
	PS_STARTTLS_REFUSED,	/* the server said no, or does not offer the upgrade */
	PS_STARTTLS_BAD,	/* the reply is not the protocol, or never ends */
};

#define PS_STARTTLS_LINE_MAX 1024	/* kept of one reply line; the rest of it is skipped */
#define PS_STARTTLS_LINES_MAX 256	/* reply lines before the server is deemed to babble */
#define PS_STARTTLS_BYTES_MAX 65536	/* bytes read before the same verdict */
#define PS_STARTTLS_OUT_MAX 512

/* The XMPP stream is XML, not lines: a small tag scanner that keeps the local name of the
 * tag being read and the element depth. */
struct ps_starttls_xml {
	bool in_tag, end_tag, skip, slash, naming;
	char quote;
	char name[32];
	size_t name_len;
	int depth;
	bool in_features, offered;
};

struct ps_starttls {
	enum ps_starttls_proto proto;
	enum ps_starttls_verdict verdict;
	int stage;		/* which reply the machine waits for, per protocol */
	int code;		/* SMTP/FTP: the code of the multi-line reply being read */
	bool offered;		/* SMTP: STARTTLS was in the EHLO reply */
	char client[256];	/* SMTP: the name given in EHLO */
	unsigned lines;
	size_t bytes;
	size_t line_len;
	char line[PS_STARTTLS_LINE_MAX];
	size_t out_len, out_off;
	char out[PS_STARTTLS_OUT_MAX];
	char why[192];		/* for a refusal or a bad reply: what the server said */
	struct ps_starttls_xml xml;
};

/* The protocol named by name ("smtp", "imap", "pop3", "ftp", "postgres", "xmpp"). Returns 0,
 * or -1 with an input error naming the token. */
int ps_starttls_parse(const char *name, enum ps_starttls_proto *out, ps_err *err);
/* The protocol's name, "" for PS_STARTTLS_NONE. */
const char *ps_starttls_name(enum ps_starttls_proto p);

/* Start a machine. server is the name the client addresses (XMPP's stream 'to'); client
 * is the name given in SMTP's EHLO (NULL: "localhost"). A protocol where the client
 * speaks first (PostgreSQL, XMPP) has its request queued on return. */
void ps_starttls_init(struct ps_starttls *s, enum ps_starttls_proto proto, const char *server,
		      const char *client);
/* Feed bytes the server sent. Returns how many were used: the machine stops after the
 * byte that ends the final reply (the rest is TLS) and while a request is queued to send.
 * The verdict is in s->verdict. */
size_t ps_starttls_feed(struct ps_starttls *s, const char *data, size_t len);
/* The queued request (NULL when none) and its length. */
const char *ps_starttls_pending(const struct ps_starttls *s, size_t *len);
/* n bytes of the queued request went out. */
void ps_starttls_sent(struct ps_starttls *s, size_t n);

#endif
