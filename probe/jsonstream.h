/* A JSON text walked without building a tree: a top-level object of arrays whose elements
 * a callback parses one at a time (a policy of a million rules as one jansson tree takes
 * several hundred bytes a rule). */
#ifndef PS_JSONSTREAM_H
#define PS_JSONSTREAM_H

#include <stddef.h>

/* Parse element i of the array under key, starting at `at` (left bytes to the end of the
 * text). Returns how many bytes the element took (> 0), or -1 to stop the walk. */
typedef long (*ps_jsonstream_fn)(const char *key, size_t i, const char *at, size_t left,
				 void *ctx);

/* Walk text as {"KEY": [ELEM, ...], ...} with each KEY one of keys (NULL-terminated, at
 * most 32), none twice, written without escapes, calling fn for every element in order.
 * Returns 0 when the whole text is such an object (JSON white space around tokens only),
 * -1 as soon as it is not or fn stops: the caller then reads the text the slow way, which
 * names the fault. */
int ps_jsonstream_arrays(const char *text, size_t len, const char *const *keys,
			 ps_jsonstream_fn fn, void *ctx);

#endif
