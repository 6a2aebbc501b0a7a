/* Inside the TLS client: the system trust store of a TLS context, where OpenSSL's default
 * paths say (SSL_CERT_DIR and SSL_CERT_FILE override them), read only as a chain needs
 * it. The hashed directory is OpenSSL's own on-demand lookup. The bundle file, which
 * OpenSSL would parse whole up front (some 140 certificates, 50 ms of a one-endpoint
 * check), is parsed the first time a chain names an issuer that neither the store (--ca)
 * nor the directory has, and all of it then joins the store. The bundle is used when
 * SSL_CERT_FILE names it or when the directory holds no hashed name. Not for other
 * modules. */
#ifndef PS_TLS_STORE_H
#define PS_TLS_STORE_H

#include <openssl/ssl.h>

struct ps_tls_store;

/* Attach the system store to ctx's certificate store. Returns what must outlive ctx
 * (free it after SSL_CTX_free), or NULL when out of memory. A store that is missing or
 * unreadable leaves only --ca: every chain is then "untrusted". */
struct ps_tls_store *ps_tls_store_attach(SSL_CTX *ctx);
void ps_tls_store_free(struct ps_tls_store *s);

#endif
