/* Inside the TLS client: what probe/tls.c asks of probe/tls_cert.c once a handshake has
 * completed. Not for other modules; they read struct ps_tls_info. */
#ifndef PS_TLS_CERT_H
#define PS_TLS_CERT_H

#include <openssl/ssl.h>
#include <time.h>

#include "probe/tls.h"

/* An ASN.1 time as seconds since the epoch; 0 when unreadable. */
time_t ps_tls_cert_time(const ASN1_TIME *t);
/* The verify value for an X509_V_ERR_* code. */
enum ps_tls_verify ps_tls_cert_verify(long code);
/* Fill the negotiated parameters, the verification result and the certificates of a
 * completed handshake into out (verify_depth is left as the caller set it); days are
 * counted from now. */
void ps_tls_cert_collect(SSL *ssl, time_t now, struct ps_tls_info *out);

#endif
