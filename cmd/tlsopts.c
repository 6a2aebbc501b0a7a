/* The TLS options of check and scan: their values, their checks, and the one context
 * (one SSL_CTX, the trust store loaded once) every handshake of a run shares. */
#include "cmd/cli.h"
#include "cmd/tlsopts.h"

int ps_tls_starttls_option(const struct ps_option *opt, const char *name, const char *arg,
			   void *field)
{
	struct ps_tls_cli *t = field;
	ps_err err;

	(void)opt;
	if (ps_starttls_parse(arg, &t->o.starttls, &err) < 0)
		return ps_cli_err_in(&err, name);
	t->on = true;
	return 0;
}

int ps_tls_cli_check(struct ps_tls_cli *t, bool any_tls)
{
	const char *given = t->o.sni ? "--sni" : t->o.alpn ? "--alpn" : t->o.ca_file ? "--ca"
			  : t->o.insecure ? "--insecure" : NULL;

	if (!t->on && !any_tls && given)
		return ps_usage("%s needs --tls, --starttls or a tls:// target", given);
	return 0;
}

int ps_tls_cli_begin(struct ps_tls_cli *t, struct ps_probe_opts *po, bool any_tls)
{
	ps_err err;

	if (!t->on && !any_tls)
		return 0;
	t->ctx = ps_tls_ctx_new(&t->o, &err);
	if (!t->ctx)
		return ps_cli_err(&err);
	po->tls = t->ctx;
	return 0;
}

void ps_tls_cli_end(struct ps_tls_cli *t, struct ps_probe_opts *po)
{
	ps_tls_ctx_free(t->ctx);
	t->ctx = NULL;
	po->tls = NULL;
}
