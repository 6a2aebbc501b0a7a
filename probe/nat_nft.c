/* The ruleset through libnftables: `list ruleset` with JSON output into a buffer, in the
 * network namespace this process is in. libnftables is opened with dlopen(3) when --nat
 * asks for it, not linked: it brings libnftnl, libxtables and libgmp, whose relocations
 * would cost every other command its start-up time. */
#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <string.h>

#include "probe/nat.h"

#define NFT_LIB "libnftables.so.1"

/* The entry points we use, by name, so one table both loads and calls them. */
struct nft_api {
	struct nft_ctx *(*ctx_new)(uint32_t);
	void (*ctx_free)(struct nft_ctx *);
	void (*set_flags)(struct nft_ctx *, unsigned int);
	int (*buffer_output)(struct nft_ctx *);
	int (*buffer_error)(struct nft_ctx *);
	int (*run)(struct nft_ctx *, const char *);
	const char *(*output)(struct nft_ctx *);
	const char *(*error)(struct nft_ctx *);
};

static int api_load(void *lib, struct nft_api *api)
{
	static const char *const names[] = {
		"nft_ctx_new", "nft_ctx_free", "nft_ctx_output_set_flags", "nft_ctx_buffer_output",
		"nft_ctx_buffer_error", "nft_run_cmd_from_buffer", "nft_ctx_get_output_buffer",
		"nft_ctx_get_error_buffer",
	};
	void *fn[sizeof(names) / sizeof(names[0])];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!(fn[i] = dlsym(lib, names[i])))
			return -1;
	/* dlsym gives object pointers; POSIX guarantees they convert to functions. */
	memcpy(&api->ctx_new, &fn[0], sizeof(fn[0]));
	memcpy(&api->ctx_free, &fn[1], sizeof(fn[1]));
	memcpy(&api->set_flags, &fn[2], sizeof(fn[2]));
	memcpy(&api->buffer_output, &fn[3], sizeof(fn[3]));
	memcpy(&api->buffer_error, &fn[4], sizeof(fn[4]));
	memcpy(&api->run, &fn[5], sizeof(fn[5]));
	memcpy(&api->output, &fn[6], sizeof(fn[6]));
	memcpy(&api->error, &fn[7], sizeof(fn[7]));
	return 0;
}

static int list_ruleset(const struct nft_api *api, struct ps_natset *rules,
			struct ps_sockvec *out, ps_err *err)
{
	struct nft_ctx *nft = api->ctx_new(NFT_CTX_DEFAULT);
	const char *text;
	int rc;

	if (!nft)
		return ps_err_nomem(err);
	api->set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (api->buffer_output(nft) < 0 || api->buffer_error(nft) < 0) {
		api->ctx_free(nft);
		return ps_err_nomem(err);
	}
	if (api->run(nft, "list ruleset") != 0) {
		const char *why = api->error(nft);
		size_t n = why ? strcspn(why, "\n") : 0;

		errno = EPERM;
		rc = ps_err_system(err, "nftables: cannot list the ruleset: %.*s", (int)n,
				   n ? why : "no reason given (root needed?)");
		api->ctx_free(nft);
		return rc;
	}
	text = api->output(nft);
	rc = ps_nat_parse(text ? text : "", text ? strlen(text) : 0, rules, out, err);
	api->ctx_free(nft);
	return rc;
}

int ps_nat_load(struct ps_natset *rules, struct ps_sockvec *out, ps_err *err)
{
	void *lib = dlopen(NFT_LIB, RTLD_NOW | RTLD_LOCAL);
	struct nft_api api;
	int rc;

	if (!lib) {
		errno = ENOENT;
		return ps_err_system(err, "nftables: cannot load %s (package libnftables1): %s",
				     NFT_LIB, dlerror());
	}
	if (api_load(lib, &api) < 0) {
		errno = ENOSYS;
		rc = ps_err_system(err, "nftables: %s lacks the JSON interface", NFT_LIB);
	} else {
		rc = list_ruleset(&api, rules, out, err);
	}
	dlclose(lib);
	return rc;
}
