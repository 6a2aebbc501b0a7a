/* Verification results kept per TLS context (see tls_vcache.h). A handful of entries, a
 * mutex (the engine's loop threads share the context), replacement in turn. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ssl.h"
#include "probe/tls_cert.h"
#include "probe/tls_vcache.h"

#define VCACHE_ENTRIES 16
/* Longer chains are verified every time. */
#define VCACHE_DEPTH 8

struct entry {
	X509 *certs[VCACHE_DEPTH];	/* the leaf, then the chain as sent */
	int ncerts;
	char *name;
	time_t until;		/* the first validity boundary after the verification */
	int code, depth;
};

struct ps_tls_vcache {
	pthread_mutex_t lock;
	struct entry e[VCACHE_ENTRIES];
	unsigned next;
};

struct ps_tls_vcache *ps_tls_vcache_new(void)
{
	struct ps_tls_vcache *v = calloc(1, sizeof(*v));

	if (v && pthread_mutex_init(&v->lock, NULL) != 0) {
		free(v);
		return NULL;
	}
	return v;
}

static void entry_clear(struct entry *e)
{
	for (int k = 0; k < e->ncerts; k++)
		X509_free(e->certs[k]);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

void ps_tls_vcache_free(struct ps_tls_vcache *v)
{
	if (!v)
		return;
	for (int i = 0; i < VCACHE_ENTRIES; i++)
		entry_clear(&v->e[i]);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* The chain as sent: the leaf, then the untrusted certificates (libssl passes the whole
 * peer chain, leaf included). Returns how many, or -1 when more than fit. */
static int sent_chain(X509_STORE_CTX *sc, X509 **out)
{
	STACK_OF(X509) *u = X509_STORE_CTX_get0_untrusted(sc);
	int n = 0;

	out[n++] = X509_STORE_CTX_get0_cert(sc);
	for (int k = 0; u && k < sk_X509_num(u); k++) {
		if (n == VCACHE_DEPTH)
			return -1;
		out[n++] = sk_X509_value(u, k);
	}
	return out[0] ? n : -1;
}

static bool entry_matches(const struct entry *e, X509 *const *c, int n, const char *name,
			  time_t now)
{
	if (!e->name || e->ncerts != n || now >= e->until || strcmp(e->name, name) != 0)
		return false;
	for (int k = 0; k < n; k++)
		if (X509_cmp(e->certs[k], c[k]) != 0)
			return false;
	return true;
}

/* The first moment after now at which a certificate of the chain changes validity (it
 * becomes valid after notBefore, expired after notAfter), a day at most; 0 when a time is
 * unreadable. */
static time_t horizon(STACK_OF(X509) *chain, X509 *const *sent, int nsent, time_t now)
{
	time_t until = now + 86400;
	int nchain = chain ? sk_X509_num(chain) : 0;

	for (int k = 0; k < nchain + nsent; k++) {
		X509 *x = k < nchain ? sk_X509_value(chain, k) : sent[k - nchain];
		time_t nb = ps_tls_cert_time(X509_get0_notBefore(x));
		time_t na = ps_tls_cert_time(X509_get0_notAfter(x));

		if (!nb || !na)
			return 0;
		if (nb > now && nb < until)
			until = nb;
		if (na >= now && na + 1 < until)
			until = na + 1;
	}
	return until;
}

static void put(struct ps_tls_vcache *v, X509 *const *c, int n, const char *name, time_t until,
		int code, int depth)
{
	struct entry *e = &v->e[v->next++ % VCACHE_ENTRIES];
	char *copy = strdup(name);

	if (!copy)
		return;
	entry_clear(e);
	for (int k = 0; k < n; k++) {
		X509_up_ref(c[k]);
		e->certs[k] = c[k];
	}
	e->ncerts = n;
	e->name = copy;
	e->until = until;
	e->code = code;
	e->depth = depth;
}

int ps_tls_vcache_verify(struct ps_tls_vcache *v, X509_STORE_CTX *sc, const char *name,
			 time_t now, int *depth)
{
	X509 *c[VCACHE_DEPTH];
	int n = sent_chain(sc, c), ret, code;
	time_t until;

	if (n > 0) {
		pthread_mutex_lock(&v->lock);
		for (int i = 0; i < VCACHE_ENTRIES; i++) {
			const struct entry *e = &v->e[i];

			if (entry_matches(e, c, n, name, now)) {
				code = e->code;
				*depth = e->depth;
				pthread_mutex_unlock(&v->lock);
				X509_STORE_CTX_set_error(sc, code);
				X509_STORE_CTX_set_error_depth(sc, *depth < 0 ? 0 : *depth);
				return code == X509_V_OK;
			}
		}
		pthread_mutex_unlock(&v->lock);
	}
	ret = X509_verify_cert(sc);
	code = X509_STORE_CTX_get_error(sc);
	/* A failure of the verifier itself is not the chain's verdict. */
	if (n <= 0 || ret < 0 || (ret == 0 && code == X509_V_OK) ||
	    code == X509_V_ERR_OUT_OF_MEM || code == X509_V_ERR_UNSPECIFIED)
		return ret;
	until = horizon(X509_STORE_CTX_get0_chain(sc), c, n, now);
	if (until > now) {
		pthread_mutex_lock(&v->lock);
		put(v, c, n, name, until, code, ret == 1 ? -1 : X509_STORE_CTX_get_error_depth(sc));
		pthread_mutex_unlock(&v->lock);
	}
	return ret;
}
