/* OpenSSL (libssl and libcrypto) through dlopen(3) (probe/dl.h): loaded by the first TLS
 * context, so commands without TLS (list, audit, scan without --tls) do not pay for its
 * relocations and constructors at start-up. Include this after the OpenSSL headers, and
 * only in the files that call OpenSSL (probe/tls.c, probe/tls_cert.c, probe/tls_store.c,
 * probe/tls_vcache.c):
 * every OpenSSL function they call, directly or through an OpenSSL macro, becomes the
 * member of ps_ssl of that name. A function missing from PS_SSL_FUNCS fails the link
 * (portscope is not linked against OpenSSL); one missing from the macros below fails the
 * compile. */
#ifndef PS_SSL_H
#define PS_SSL_H

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "probe/err.h"

#define PS_SSL_FUNCS(X) \
	X(ASN1_INTEGER_to_BN) X(ASN1_STRING_get0_data) X(ASN1_STRING_length) \
	X(ASN1_TIME_to_tm) X(BIO_clear_flags) X(BIO_ctrl) X(BIO_free) X(BIO_get_data) \
	X(BIO_get_new_index) X(BIO_meth_free) X(BIO_meth_new) X(BIO_meth_set_ctrl) \
	X(BIO_meth_set_read) X(BIO_meth_set_write) X(BIO_new) X(BIO_new_file) X(BIO_s_mem) \
	X(BIO_set_data) X(BIO_set_flags) X(BIO_set_init) X(BIO_test_flags) X(BN_bn2hex) \
	X(BN_free) X(CRYPTO_free) X(ERR_clear_error) X(ERR_error_string_n) \
	X(ERR_peek_error) X(ERR_reason_error_string) X(GENERAL_NAMES_free) \
	X(OPENSSL_sk_num) X(OPENSSL_sk_value) X(PEM_read_bio_X509_AUX) X(SSL_CIPHER_get_name) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) X(SSL_CTX_get_cert_store) X(SSL_CTX_load_verify_dir) \
	X(SSL_CTX_load_verify_locations) X(SSL_CTX_new) X(SSL_CTX_set_alpn_protos) \
	X(SSL_CTX_set_cert_verify_callback) X(SSL_CTX_set_options) X(SSL_CTX_set_verify) \
	X(SSL_connect) \
	X(SSL_ctrl) X(SSL_free) X(SSL_get0_alpn_selected) X(SSL_get0_param) \
	X(SSL_get0_peer_certificate) X(SSL_get_current_cipher) X(SSL_get_error) \
	X(SSL_get_ex_data) X(SSL_get_ex_data_X509_STORE_CTX_idx) \
	X(SSL_get_peer_cert_chain) X(SSL_get_verify_result) X(SSL_get_version) \
	X(SSL_new) X(SSL_read_ex) X(SSL_set1_host) X(SSL_set_bio) \
	X(SSL_set_connect_state) X(SSL_set_ex_data) X(SSL_set_hostflags) \
	X(SSL_shutdown) X(SSL_write_ex) X(TLS_client_method) X(X509_LOOKUP_get_method_data) \
	X(X509_LOOKUP_get_store) X(X509_LOOKUP_meth_free) X(X509_LOOKUP_meth_new) \
	X(X509_LOOKUP_meth_set_get_by_subject) X(X509_LOOKUP_set_method_data) \
	X(X509_NAME_print_ex) X(X509_OBJECT_get0_X509) X(X509_OBJECT_retrieve_by_subject) \
	X(X509_OBJECT_set1_X509) X(X509_STORE_add_cert) X(X509_STORE_add_lookup) \
	X(X509_STORE_get0_objects) X(X509_STORE_lock) X(X509_STORE_unlock) \
	X(X509_STORE_CTX_get0_cert) X(X509_STORE_CTX_get0_chain) \
	X(X509_STORE_CTX_get0_untrusted) X(X509_STORE_CTX_get_error) \
	X(X509_STORE_CTX_get_error_depth) X(X509_STORE_CTX_get_ex_data) \
	X(X509_STORE_CTX_set_error) X(X509_STORE_CTX_set_error_depth) \
	X(X509_VERIFY_PARAM_get0_host) X(X509_VERIFY_PARAM_get1_ip_asc) \
	X(X509_VERIFY_PARAM_set1_ip_asc) X(X509_cmp) X(X509_free) X(X509_get0_notAfter) \
	X(X509_get0_notBefore) X(X509_get0_serialNumber) X(X509_get_default_cert_dir) \
	X(X509_get_default_cert_dir_env) X(X509_get_default_cert_file) \
	X(X509_get_default_cert_file_env) X(X509_get_ext_d2i) \
	X(X509_get_issuer_name) X(X509_get_subject_name) X(X509_up_ref) \
	X(X509_verify_cert) X(X509_verify_cert_error_string)

struct ps_ssl_api {
#define PS_SSL_MEMBER(f) __typeof__(f) *f;
	PS_SSL_FUNCS(PS_SSL_MEMBER)
#undef PS_SSL_MEMBER
};

/* The entry points, once ps_ssl_load succeeded. */
extern struct ps_ssl_api ps_ssl;

/* Open libssl.so.3 (and through it libcrypto.so.3) once. Returns 0, or -1 with err. */
int ps_ssl_load(ps_err *err);

#define ASN1_INTEGER_to_BN ps_ssl.ASN1_INTEGER_to_BN
#define ASN1_STRING_get0_data ps_ssl.ASN1_STRING_get0_data
#define ASN1_STRING_length ps_ssl.ASN1_STRING_length
#define ASN1_TIME_to_tm ps_ssl.ASN1_TIME_to_tm
#define BIO_clear_flags ps_ssl.BIO_clear_flags
#define BIO_ctrl ps_ssl.BIO_ctrl
#define BIO_free ps_ssl.BIO_free
#define BIO_get_data ps_ssl.BIO_get_data
#define BIO_get_new_index ps_ssl.BIO_get_new_index
#define BIO_meth_free ps_ssl.BIO_meth_free
#define BIO_meth_new ps_ssl.BIO_meth_new
#define BIO_meth_set_ctrl ps_ssl.BIO_meth_set_ctrl
#define BIO_meth_set_read ps_ssl.BIO_meth_set_read
#define BIO_meth_set_write ps_ssl.BIO_meth_set_write
#define BIO_new ps_ssl.BIO_new
#define BIO_new_file ps_ssl.BIO_new_file
#define BIO_s_mem ps_ssl.BIO_s_mem
#define BIO_set_data ps_ssl.BIO_set_data
#define BIO_set_flags ps_ssl.BIO_set_flags
#define BIO_set_init ps_ssl.BIO_set_init
#define BIO_test_flags ps_ssl.BIO_test_flags
#define BN_bn2hex ps_ssl.BN_bn2hex
#define BN_free ps_ssl.BN_free
#define CRYPTO_free ps_ssl.CRYPTO_free
#define ERR_clear_error ps_ssl.ERR_clear_error
#define ERR_error_string_n ps_ssl.ERR_error_string_n
#define ERR_peek_error ps_ssl.ERR_peek_error
#define ERR_reason_error_string ps_ssl.ERR_reason_error_string
#define GENERAL_NAMES_free ps_ssl.GENERAL_NAMES_free
#define OPENSSL_sk_num ps_ssl.OPENSSL_sk_num
#define OPENSSL_sk_value ps_ssl.OPENSSL_sk_value
#define PEM_read_bio_X509_AUX ps_ssl.PEM_read_bio_X509_AUX
#define SSL_CIPHER_get_name ps_ssl.SSL_CIPHER_get_name
#define SSL_CTX_ctrl ps_ssl.SSL_CTX_ctrl
#define SSL_CTX_free ps_ssl.SSL_CTX_free
#define SSL_CTX_get_cert_store ps_ssl.SSL_CTX_get_cert_store
#define SSL_CTX_load_verify_dir ps_ssl.SSL_CTX_load_verify_dir
#define SSL_CTX_load_verify_locations ps_ssl.SSL_CTX_load_verify_locations
#define SSL_CTX_new ps_ssl.SSL_CTX_new
#define SSL_CTX_set_alpn_protos ps_ssl.SSL_CTX_set_alpn_protos
#define SSL_CTX_set_cert_verify_callback ps_ssl.SSL_CTX_set_cert_verify_callback
#define SSL_CTX_set_options ps_ssl.SSL_CTX_set_options
#define SSL_CTX_set_verify ps_ssl.SSL_CTX_set_verify
#define SSL_connect ps_ssl.SSL_connect
#define SSL_ctrl ps_ssl.SSL_ctrl
#define SSL_free ps_ssl.SSL_free
#define SSL_get0_alpn_selected ps_ssl.SSL_get0_alpn_selected
#define SSL_get0_param ps_ssl.SSL_get0_param
#define SSL_get0_peer_certificate ps_ssl.SSL_get0_peer_certificate
#define SSL_get_current_cipher ps_ssl.SSL_get_current_cipher
#define SSL_get_error ps_ssl.SSL_get_error
#define SSL_get_ex_data ps_ssl.SSL_get_ex_data
#define SSL_get_ex_data_X509_STORE_CTX_idx ps_ssl.SSL_get_ex_data_X509_STORE_CTX_idx
#define SSL_get_peer_cert_chain ps_ssl.SSL_get_peer_cert_chain
#define SSL_get_verify_result ps_ssl.SSL_get_verify_result
#define SSL_get_version ps_ssl.SSL_get_version
#define SSL_new ps_ssl.SSL_new
#define SSL_read_ex ps_ssl.SSL_read_ex
#define SSL_set1_host ps_ssl.SSL_set1_host
#define SSL_set_bio ps_ssl.SSL_set_bio
#define SSL_set_connect_state ps_ssl.SSL_set_connect_state
#define SSL_set_ex_data ps_ssl.SSL_set_ex_data
#define SSL_set_hostflags ps_ssl.SSL_set_hostflags
#define SSL_shutdown ps_ssl.SSL_shutdown
#define SSL_write_ex ps_ssl.SSL_write_ex
#define TLS_client_method ps_ssl.TLS_client_method
#define X509_LOOKUP_get_method_data ps_ssl.X509_LOOKUP_get_method_data
#define X509_LOOKUP_get_store ps_ssl.X509_LOOKUP_get_store
#define X509_LOOKUP_meth_free ps_ssl.X509_LOOKUP_meth_free
#define X509_LOOKUP_meth_new ps_ssl.X509_LOOKUP_meth_new
#define X509_LOOKUP_meth_set_get_by_subject ps_ssl.X509_LOOKUP_meth_set_get_by_subject
#define X509_LOOKUP_set_method_data ps_ssl.X509_LOOKUP_set_method_data
#define X509_NAME_print_ex ps_ssl.X509_NAME_print_ex
#define X509_OBJECT_get0_X509 ps_ssl.X509_OBJECT_get0_X509
#define X509_OBJECT_retrieve_by_subject ps_ssl.X509_OBJECT_retrieve_by_subject
#define X509_OBJECT_set1_X509 ps_ssl.X509_OBJECT_set1_X509
#define X509_STORE_add_cert ps_ssl.X509_STORE_add_cert
#define X509_STORE_add_lookup ps_ssl.X509_STORE_add_lookup
#define X509_STORE_get0_objects ps_ssl.X509_STORE_get0_objects
#define X509_STORE_lock ps_ssl.X509_STORE_lock
#define X509_STORE_unlock ps_ssl.X509_STORE_unlock
#define X509_STORE_CTX_get0_cert ps_ssl.X509_STORE_CTX_get0_cert
#define X509_STORE_CTX_get0_chain ps_ssl.X509_STORE_CTX_get0_chain
#define X509_STORE_CTX_get0_untrusted ps_ssl.X509_STORE_CTX_get0_untrusted
#define X509_STORE_CTX_get_error ps_ssl.X509_STORE_CTX_get_error
#define X509_STORE_CTX_get_error_depth ps_ssl.X509_STORE_CTX_get_error_depth
#define X509_STORE_CTX_get_ex_data ps_ssl.X509_STORE_CTX_get_ex_data
#define X509_STORE_CTX_set_error ps_ssl.X509_STORE_CTX_set_error
#define X509_STORE_CTX_set_error_depth ps_ssl.X509_STORE_CTX_set_error_depth
#define X509_VERIFY_PARAM_get0_host ps_ssl.X509_VERIFY_PARAM_get0_host
#define X509_VERIFY_PARAM_get1_ip_asc ps_ssl.X509_VERIFY_PARAM_get1_ip_asc
#define X509_VERIFY_PARAM_set1_ip_asc ps_ssl.X509_VERIFY_PARAM_set1_ip_asc
#define X509_cmp ps_ssl.X509_cmp
#define X509_free ps_ssl.X509_free
#define X509_get0_notAfter ps_ssl.X509_get0_notAfter
#define X509_get0_notBefore ps_ssl.X509_get0_notBefore
#define X509_get0_serialNumber ps_ssl.X509_get0_serialNumber
#define X509_get_default_cert_dir ps_ssl.X509_get_default_cert_dir
#define X509_get_default_cert_dir_env ps_ssl.X509_get_default_cert_dir_env
#define X509_get_default_cert_file ps_ssl.X509_get_default_cert_file
#define X509_get_default_cert_file_env ps_ssl.X509_get_default_cert_file_env
#define X509_get_ext_d2i ps_ssl.X509_get_ext_d2i
#define X509_get_issuer_name ps_ssl.X509_get_issuer_name
#define X509_get_subject_name ps_ssl.X509_get_subject_name
#define X509_up_ref ps_ssl.X509_up_ref
#define X509_verify_cert ps_ssl.X509_verify_cert
#define X509_verify_cert_error_string ps_ssl.X509_verify_cert_error_string

#endif
