/* What a completed TLS handshake tells: the negotiated version, cipher and ALPN protocol,
 * the verification result mapped to the causes a user acts on, and the leaf certificate
 * and the chain the server sent, as plain text and UTC seconds. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "probe/ssl.h"
#include "probe/tls_cert.h"

static const char *const verify_names[] = {
	[PS_TLS_VERIFY_INCOMPLETE] = "incomplete",
	[PS_TLS_VERIFY_OK] = "ok",
	[PS_TLS_VERIFY_EXPIRED] = "expired",
	[PS_TLS_VERIFY_NOT_YET_VALID] = "not-yet-valid",
	[PS_TLS_VERIFY_SELF_SIGNED] = "self-signed",
	[PS_TLS_VERIFY_UNTRUSTED] = "untrusted",
	[PS_TLS_VERIFY_HOSTNAME_MISMATCH] = "hostname-mismatch",
	[PS_TLS_VERIFY_REVOKED] = "revoked",
	[PS_TLS_VERIFY_INVALID] = "invalid",
	[PS_TLS_VERIFY_HANDSHAKE_FAILED] = "handshake-failed",
	[PS_TLS_VERIFY_STARTTLS_REFUSED] = "starttls-refused",
};

const char *ps_tls_verify_name(enum ps_tls_verify v)
{
	if ((size_t)v >= sizeof(verify_names) / sizeof(verify_names[0]))
		return "invalid";
	return verify_names[v];
}

const char *ps_tls_info_san(const struct ps_tls_info *i, unsigned k)
{
	return k < i->nsan ? i->san + i->san_off[k] : NULL;
}

enum ps_tls_verify ps_tls_cert_verify(long code)
{
	switch (code) {
	case X509_V_OK:
		return PS_TLS_VERIFY_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return PS_TLS_VERIFY_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return PS_TLS_VERIFY_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return PS_TLS_VERIFY_SELF_SIGNED;
	/* A chain that does not end at a trusted root, however it ends. */
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return PS_TLS_VERIFY_UNTRUSTED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return PS_TLS_VERIFY_HOSTNAME_MISMATCH;
	case X509_V_ERR_CERT_REVOKED:
		return PS_TLS_VERIFY_REVOKED;
	default:
		return PS_TLS_VERIFY_INVALID;
	}
}

/* A distinguished name as RFC 2253 text with UTF-8 kept as is (OpenSSL's -nameopt utf8):
 * control characters and the RFC's specials are escaped by OpenSSL, the rest is raw. */
static void name_text(const X509_NAME *name, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	buf[0] = '\0';
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n > 0)
			snprintf(buf, size, "%.*s", (int)(n < (long)size ? n : (long)size - 1), data);
	}
	BIO_free(bio);
}

static void serial_text(const X509 *cert, char *buf, size_t size)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(buf, size, "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

time_t ps_tls_cert_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* Whole days from now to t, rounded down: 23 hours left is 0, one hour past is -1. */
static long days_until(time_t now, time_t t)
{
	long long d = (long long)t - (long long)now;

	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* Append "prefix" + len bytes of text as the next SAN entry, if it fits. */
static void san_add(struct ps_tls_info *i, const char *prefix, const char *text, size_t len)
{
	size_t used = i->nsan ? i->san_off[i->nsan - 1] + strlen(ps_tls_info_san(i, i->nsan - 1))
				 + 1 : 0;
	size_t need = strlen(prefix) + len + 1;

	if (i->nsan >= PS_TLS_SAN_MAX || used + need > sizeof(i->san)) {
		i->san_truncated = true;
		return;
	}
	i->san_off[i->nsan++] = (uint16_t)used;
	snprintf(i->san + used, need, "%s%.*s", prefix, (int)len, text);
}

static void san_collect(X509 *cert, struct ps_tls_info *i)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	char ip[INET6_ADDRSTRLEN];

	for (int k = 0; names && k < sk_GENERAL_NAME_num(names); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
		const ASN1_STRING *s = NULL;
		const char *prefix = NULL;
		int len;

		switch (g->type) {
		case GEN_DNS: s = g->d.dNSName; prefix = "DNS:"; break;
		case GEN_EMAIL: s = g->d.rfc822Name; prefix = "email:"; break;
		case GEN_URI: s = g->d.uniformResourceIdentifier; prefix = "URI:"; break;
		case GEN_IPADD:
			len = ASN1_STRING_length(g->d.iPAddress);
			if ((len == 4 || len == 16) &&
			    inet_ntop(len == 4 ? AF_INET : AF_INET6,
				      ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
				san_add(i, "IP:", ip, strlen(ip));
			break;
		default: break;
		}
		if (s)
			san_add(i, prefix, (const char *)ASN1_STRING_get0_data(s),
				(size_t)ASN1_STRING_length(s));
	}
	GENERAL_NAMES_free(names);
}

static void leaf_collect(X509 *cert, time_t now, struct ps_tls_info *i)
{
	i->has_cert = true;
	name_text(X509_get_subject_name(cert), i->subject, sizeof(i->subject));
	name_text(X509_get_issuer_name(cert), i->issuer, sizeof(i->issuer));
	serial_text(cert, i->serial, sizeof(i->serial));
	i->not_before = ps_tls_cert_time(X509_get0_notBefore(cert));
	i->not_after = ps_tls_cert_time(X509_get0_notAfter(cert));
	i->days_left = days_until(now, i->not_after);
	san_collect(cert, i);
}

/* The chain as the server sent it (a client's peer chain includes the leaf). */
static void chain_collect(SSL *ssl, time_t now, struct ps_tls_info *i)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	time_t earliest = i->not_after;

	i->chain_len = i->has_cert ? 1 : 0;
	if (chain && sk_X509_num(chain) > 0) {
		i->chain_len = (unsigned)sk_X509_num(chain);
		for (int k = 0; k < sk_X509_num(chain); k++) {
			time_t t = ps_tls_cert_time(X509_get0_notAfter(sk_X509_value(chain, k)));

			if (t && (!earliest || t < earliest))
				earliest = t;
		}
	}
	i->chain_earliest_not_after = earliest;
	i->chain_days_left = earliest ? days_until(now, earliest) : 0;
}

void ps_tls_cert_collect(SSL *ssl, time_t now, struct ps_tls_info *out)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	long code = SSL_get_verify_result(ssl);

	out->handshake_done = true;
	snprintf(out->version, sizeof(out->version), "%s", SSL_get_version(ssl));
	snprintf(out->cipher, sizeof(out->cipher), "%s", SSL_get_cipher_name(ssl));
	SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	snprintf(out->alpn, sizeof(out->alpn), "%.*s", (int)alpn_len, alpn ? (const char *)alpn : "");
	if (leaf)
		leaf_collect(leaf, now, out);
	chain_collect(ssl, now, out);
	out->verify_code = (int)code;
	out->verify = ps_tls_cert_verify(code);
	if (!leaf) {
		out->verify = PS_TLS_VERIFY_INVALID;
		snprintf(out->verify_error, sizeof(out->verify_error), "no certificate");
	} else if (code != X509_V_OK) {
		snprintf(out->verify_error, sizeof(out->verify_error), "%s",
			 X509_verify_cert_error_string(code));
	}
}
