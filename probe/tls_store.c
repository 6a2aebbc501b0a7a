/* The system trust store of a TLS context, read as chains need it (see probe/tls_store.h).
 * The bundle is an X509_LOOKUP of our own, after OpenSSL's hashed-directory one: OpenSSL
 * asks it only for an issuer the store does not hold already, and the first question
 * adds the whole bundle to the store, under a lock, so every later answer comes from the
 * store itself. */
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ssl.h"
#include "probe/tls_store.h"

struct ps_tls_store {
	X509_LOOKUP_METHOD *meth;	/* the bundle's lookup; outlives the SSL_CTX */
	char *file;
	pthread_mutex_t lock;	/* the loops share the context: one loads, the others wait */
	bool loaded;
};

/* Whether one directory of the colon-separated list dirs holds a name OpenSSL's hashed
 * lookup reads: eight hex digits, a dot and a digit (c_rehash, update-ca-certificates). */
static bool has_hashed_names(const char *dirs)
{
	char path[4096];
	const char *p = dirs, *end;
	bool found = false;

	for (; !found && *p; p = *end ? end + 1 : end) {
		struct dirent *d;
		DIR *dir;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) >= sizeof(path))
			continue;
		memcpy(path, p, (size_t)(end - p));
		path[end - p] = '\0';
		if (!(dir = opendir(path)))
			continue;
		while (!found && (d = readdir(dir)))
			found = strlen(d->d_name) >= 10 && strspn(d->d_name, "0123456789abcdef") == 8 &&
				d->d_name[8] == '.' && d->d_name[9] >= '0' && d->d_name[9] <= '9';
		closedir(dir);
	}
	return found;
}

/* Every certificate of the PEM bundle into st (one already there is skipped). Other PEM
 * blocks are passed over; the first that cannot be read ends it. */
static void load_bundle(X509_STORE *st, const char *file)
{
	BIO *b = BIO_new_file(file, "r");
	X509 *x;

	if (b) {
		while ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, (void *)""))) {
			(void)X509_STORE_add_cert(st, x);
			X509_free(x);
		}
		BIO_free(b);
	}
	ERR_clear_error();
}

/* The lookup: an issuer named `name`, from the store once the bundle has joined it. ret
 * borrows the store's reference, as OpenSSL's own lookups fill it: the caller takes its
 * own. */
static int by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name,
		      X509_OBJECT *ret)
{
	struct ps_tls_store *s = X509_LOOKUP_get_method_data(lu);
	X509_STORE *st = X509_LOOKUP_get_store(lu);
	X509_OBJECT *o;
	X509 *x;

	if (type != X509_LU_X509 || !s || !st)
		return 0;
	pthread_mutex_lock(&s->lock);
	if (!s->loaded) {
		s->loaded = true;
		load_bundle(st, s->file);
	}
	pthread_mutex_unlock(&s->lock);
	if (!X509_STORE_lock(st))
		return 0;
	o = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(st), X509_LU_X509, name);
	x = o ? X509_OBJECT_get0_X509(o) : NULL;
	if (x && X509_OBJECT_set1_X509(ret, x) != 1)
		x = NULL;
	X509_STORE_unlock(st);
	if (!x)
		return 0;
	X509_free(x);	/* the reference set1 took: ret borrows */
	return 1;
}

struct ps_tls_store *ps_tls_store_attach(SSL_CTX *ctx)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());
	struct ps_tls_store *s = calloc(1, sizeof(*s));
	X509_LOOKUP *lu;

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	if (!dir || !*dir)
		dir = X509_get_default_cert_dir();
	(void)SSL_CTX_load_verify_dir(ctx, dir);
	if ((!file || !*file) && !has_hashed_names(dir))
		file = X509_get_default_cert_file();
	ERR_clear_error();
	if (!file || !*file)
		return s;
	s->file = strdup(file);
	s->meth = X509_LOOKUP_meth_new("portscope: the bundle, read on demand");
	if (!s->file || !s->meth || !X509_LOOKUP_meth_set_get_by_subject(s->meth, by_subject) ||
	    !(lu = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), s->meth))) {
		ERR_clear_error();
		ps_tls_store_free(s);
		return NULL;
	}
	(void)X509_LOOKUP_set_method_data(lu, s);
	return s;
}

void ps_tls_store_free(struct ps_tls_store *s)
{
	if (!s)
		return;
	X509_LOOKUP_meth_free(s->meth);
	free(s->file);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
