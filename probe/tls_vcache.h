/* Inside the TLS client: chains already verified, per TLS context. A scan of 1,000
 * endpoints behind one certificate verifies its chain once. A result is reused only for
 * the same chain as sent (every certificate compared), the same expected name (the SNI
 * name or the address the certificate must match), and while no certificate of the chain
 * OpenSSL built (its trust anchor included) has reached its notBefore or passed its
 * notAfter since: the same inputs, so the same verdict. Not for other modules. */
#ifndef PS_TLS_VCACHE_H
#define PS_TLS_VCACHE_H

#include <openssl/ssl.h>
#include <time.h>

struct ps_tls_vcache;

/* An empty cache, or NULL when out of memory. */
struct ps_tls_vcache *ps_tls_vcache_new(void);
void ps_tls_vcache_free(struct ps_tls_vcache *v);

/* Verify the chain in sc as X509_verify_cert does, or give the result kept for it; name
 * is what the certificate must match ("" for nothing). Either way sc's error and error
 * depth are those of the verification, and *depth is the depth of its first error (-1
 * none) when the result came from the cache; otherwise *depth is left alone (OpenSSL's
 * verify callback reports it). Returns X509_verify_cert's value. Safe from any thread. */
int ps_tls_vcache_verify(struct ps_tls_vcache *v, X509_STORE_CTX *sc, const char *name,
			 time_t now, int *depth);

#endif
