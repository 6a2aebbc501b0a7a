/* The TLS options check and scan share (--tls, --sni, --alpn, --ca, --insecure,
 * --starttls) as a block of option-table entries (PS_TLS_OPTIONS) filling a struct
 * ps_tls_cli, their checks after parsing, and the one TLS context of a run. */
#ifndef PS_TLSOPTS_H
#define PS_TLSOPTS_H

#include <stdbool.h>

#include "cmd/options.h"
#include "probe/jobs.h"
#include "probe/tls.h"

struct ps_tls_cli {
	bool on;			/* --tls, or implied by --starttls */
	struct ps_tls_opts o;
	struct ps_tls_ctx *ctx;		/* made by ps_tls_cli_begin */
};

ps_opt_cb ps_tls_starttls_option;

#define PS_TLS_OPTIONS(T, m) \
	PS_OPT_BOOL(0, "tls", T, m.on, "a TLS handshake after the connect: version, certificate,\n" \
		    "expiry, verification (TCP); --send, --expect and --banner\n" \
		    "then go through it"), \
	PS_OPT_STRING(0, "sni", T, m.o.sni, "NAME", \
		      "TLS server name to send and verify (default: the target's name)", NULL), \
	PS_OPT_STRING(0, "alpn", T, m.o.alpn, "LIST", \
		      "ALPN protocols to offer, comma-separated (h2,http/1.1)", NULL), \
	PS_OPT_STRING(0, "ca", T, m.o.ca_file, "FILE", \
		      "PEM certificates to trust besides the system store", "@file"), \
	PS_OPT_BOOL(0, "insecure", T, m.o.insecure, \
		    "report a certificate that does not verify, do not fail on it"), \
	PS_OPT_CALLBACK(0, "starttls", T, m, "PROTO", \
			"upgrade in-band first (implies --tls): smtp, imap, pop3,\n" \
			"ftp, postgres, xmpp", ps_tls_starttls_option, \
			"smtp imap pop3 ftp postgres xmpp")

/* After parsing: the TLS options given without TLS asked for (any_tls: a tls:// target)
 * are refused. --send, --expect and --banner work with TLS: they go through the session
 * once the handshake completed. Returns 0, or the exit code after printing the reason. */
int ps_tls_cli_check(struct ps_tls_cli *t, bool any_tls);

/* Make the run's TLS context when TLS is wanted (any_tls or --tls) and set po->tls.
 * Returns 0, or the exit code after printing the reason (a bad --ca or --alpn: 2). */
int ps_tls_cli_begin(struct ps_tls_cli *t, struct ps_probe_opts *po, bool any_tls);
void ps_tls_cli_end(struct ps_tls_cli *t, struct ps_probe_opts *po);

#endif
