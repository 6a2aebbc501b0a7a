/* A top-level object of arrays walked token by token; each element goes to a callback
 * (probe/jsonstream.h). Anything else than the expected shape stops the walk: the walk is
 * a fast path, never the judge of a text. */
#include <string.h>

#include "probe/jsonstream.h"

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* The key at t[*i] (a '"'), a plain string: its index in keys, or -1. */
static int read_key(const char *t, size_t len, size_t *i, const char *const *keys)
{
	size_t k0 = *i + 1, k = k0;

	if (*i >= len || t[*i] != '"')
		return -1;
	while (k < len && t[k] != '"' && t[k] != '\\' && (unsigned char)t[k] >= 0x20)
		k++;
	if (k >= len || t[k] != '"')
		return -1;
	*i = k + 1;
	for (int n = 0; n < 32 && keys[n]; n++)
		if (strlen(keys[n]) == k - k0 && memcmp(keys[n], t + k0, k - k0) == 0)
			return n;
	return -1;
}

/* The array at t[*i] (a '['), every element through fn. Returns 0, or -1. */
static int walk_array(const char *t, size_t len, size_t *i, const char *key,
		      ps_jsonstream_fn fn, void *ctx)
{
	size_t at;

	if (*i >= len || t[*i] != '[')
		return -1;
	at = skip_ws(t, len, *i + 1);
	if (at < len && t[at] == ']') {
		*i = at + 1;
		return 0;
	}
	for (size_t n = 0;; n++) {
		long used = fn(key, n, t + at, len - at, ctx);

		if (used <= 0 || (size_t)used > len - at)
			return -1;
		at = skip_ws(t, len, at + (size_t)used);
		if (at < len && t[at] == ']') {
			*i = at + 1;
			return 0;
		}
		if (at >= len || t[at] != ',')
			return -1;
		at = skip_ws(t, len, at + 1);
	}
}

int ps_jsonstream_arrays(const char *text, size_t len, const char *const *keys,
			 ps_jsonstream_fn fn, void *ctx)
{
	unsigned long seen = 0;
	size_t i = skip_ws(text, len, 0);

	if (i >= len || text[i] != '{')
		return -1;
	i = skip_ws(text, len, i + 1);
	if (i < len && text[i] == '}')
		return skip_ws(text, len, i + 1) == len ? 0 : -1;
	for (;;) {
		int k = read_key(text, len, &i, keys);

		if (k < 0 || (seen & 1ul << k))
			return -1;
		seen |= 1ul << k;
		i = skip_ws(text, len, i);
		if (i >= len || text[i] != ':')
			return -1;
		i = skip_ws(text, len, i + 1);
		if (walk_array(text, len, &i, keys[k], fn, ctx) < 0)
			return -1;
		i = skip_ws(text, len, i);
		if (i < len && text[i] == '}')
			return skip_ws(text, len, i + 1) == len ? 0 : -1;
		if (i >= len || text[i] != ',')
			return -1;
		i = skip_ws(text, len, i + 1);
	}
}
