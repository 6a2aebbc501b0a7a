/* Where a key or value sits in a JSON text: LINE:COLUMN positions for messages about a
 * document a JSON parser has already accepted (jansson keeps no positions for values). */
#ifndef PS_JSONPOS_H
#define PS_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/err.h"

/* One step of a path: a member key, or an array index when key is NULL. */
struct ps_jsonpos_step {
	const char *key;
	size_t index;
};

/* Follow path[0..n) from the top value of text (len bytes) and set *line and *col (both
 * from 1; columns count UTF-8 characters) to the value the path names, or to its key when
 * want_key (the last step must then be a key). Returns 0, or -1 when the path is not in
 * the text. Meant for valid JSON; on other bytes the answer is unspecified, but the scan
 * stays within len and ends. */
int ps_jsonpos_find(const char *text, size_t len, const struct ps_jsonpos_step *path, size_t n,
		    bool want_key, int *line, int *col);

/* Called with the position of element i of an array. */
typedef void (*ps_jsonpos_elem_fn)(size_t i, int line, int col, void *ctx);

/* Call fn for each of the first n elements of the array that the top-level object's
 * member key holds, in one walk (a search per element would make a long array quadratic).
 * Returns how many elements were found (fewer than n when the array is shorter, 0 when
 * key is absent or not an array). */
size_t ps_jsonpos_elements(const char *text, size_t len, const char *key, size_t n,
			   ps_jsonpos_elem_fn fn, void *ctx);

/* Fill err with the input error "NAME:LINE:COLUMN: reason", the position found as
 * ps_jsonpos_find finds it (1:1 when the path is not in the text). Returns -1. */
int ps_jsonpos_err(ps_err *err, const char *text, size_t len, const char *name,
		   const struct ps_jsonpos_step *path, size_t n, bool want_key, const char *reason);

#endif
