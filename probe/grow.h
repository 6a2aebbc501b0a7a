/* Growing an array by doubling, for the modules that collect records one at a time. */
#ifndef PS_GROW_H
#define PS_GROW_H

#include <stdlib.h>

/* Room for element len of array v (cap elements of elem bytes): v itself while len < *cap,
 * else v reallocated to twice *cap (first when *cap is 0), with *cap updated. Returns NULL
 * when out of memory; v is then unchanged and still the caller's to free. */
static inline void *ps_grow(void *v, size_t *cap, size_t len, size_t elem, size_t first)
{
	size_t ncap;
	void *n;

	if (len < *cap)
		return v;
	ncap = *cap ? *cap * 2 : first;
	n = realloc(v, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

#endif
