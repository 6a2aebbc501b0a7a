/* The ruleset through libnftables: `list ruleset` with JSON output into a buffer, in the
 * network namespace this process is in. libnftables is opened with dlopen(3) when --nat
 * asks for it, not linked: it brings libnftnl, libxtables and libgmp, whose relocations
 * would cost every other command its start-up time. */
#include <errno.h>
#include <nftables/libnftables.h>
#include <string.h>

#include "probe/dl.h"
#include "probe/nat.h"

/* The entry points we use, in the order of names[]. */
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

static const char *const names[] = {
	"nft_ctx_new", "nft_ctx_free", "nft_ctx_output_set_flags", "nft_ctx_buffer_output",
	"nft_ctx_buffer_error", "nft_run_cmd_from_buffer", "nft_ctx_get_output_buffer",
	"nft_ctx_get_error_buffer",
};

_Static_assert(sizeof(struct nft_api) == sizeof(names) / sizeof(names[0]) * sizeof(void (*)(void)),
	       "nft_api and names[] differ");

static struct ps_dl lib = PS_DL_INIT("libnftables.so.1", "libnftables1", names);
static struct nft_api nft_api;

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
	if (ps_dl_load(&lib, &nft_api, err) < 0)
		return -1;
	return list_ruleset(&nft_api, rules, out, err);
}
