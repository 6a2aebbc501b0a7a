/* The ruleset through libnftables: `list ruleset` with JSON output into a buffer, in the
 * network namespace this process is in. */
#include <errno.h>
#include <nftables/libnftables.h>
#include <string.h>

#include "probe/nat.h"

int ps_nat_load(struct ps_natset *rules, struct ps_sockvec *out, ps_err *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *text;
	int rc;

	if (!nft)
		return ps_err_nomem(err);
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0) {
		nft_ctx_free(nft);
		return ps_err_nomem(err);
	}
	if (nft_run_cmd_from_buffer(nft, "list ruleset") != 0) {
		const char *why = nft_ctx_get_error_buffer(nft);
		size_t n = why ? strcspn(why, "\n") : 0;

		errno = EPERM;
		rc = ps_err_system(err, "nftables: cannot list the ruleset: %.*s", (int)n,
				   n ? why : "no reason given (root needed?)");
		nft_ctx_free(nft);
		return rc;
	}
	text = nft_ctx_get_output_buffer(nft);
	rc = ps_nat_parse(text ? text : "", text ? strlen(text) : 0, rules, out, err);
	nft_ctx_free(nft);
	return rc;
}
