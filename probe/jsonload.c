/* A user's JSON document through jansson (see jsonload.h). */
#include <errno.h>
#include <stdio.h>

#include "probe/jsonload.h"

json_t *ps_json_load_user(const char *text, size_t len, const char *name, ps_err *err)
{
	json_error_t jerr;
	json_t *root;

	errno = 0;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root)
		return root;
	/* jansson names every syntax error; a failure without a reason is an allocation
	 * that failed on a path that does not say so, and its lexer reports a string it
	 * could not allocate as an invalid token: malloc's ENOMEM tells them apart. */
	if (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0] ||
	    errno == ENOMEM) {
		ps_err_nomem(err);
		snprintf(err->msg, sizeof(err->msg), "out of memory loading %s", name);
		return NULL;
	}
	/* jansson counts columns from 0 at the end of the text (an empty file is 1:0). */
	ps_err_input(err, "%s:%d:%d: %s", name, jerr.line < 1 ? 1 : jerr.line,
		     jerr.column < 1 ? 1 : jerr.column, jerr.text);
	return NULL;
}
