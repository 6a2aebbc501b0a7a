/* Loading a JSON document a user wrote (a policy, the exporter's configuration) with
 * jansson, with one error contract for every such file. */
#ifndef PS_JSONLOAD_H
#define PS_JSONLOAD_H

#include <jansson.h>
#include <stddef.h>

#include "probe/err.h"

/* The document in text (len bytes; duplicate keys refused), or NULL with err: out of
 * memory ("out of memory loading NAME"), or the syntax error as "NAME:LINE:COLUMN: what",
 * positions counted from 1:1. */
json_t *ps_json_load_user(const char *text, size_t len, const char *name, ps_err *err);

#endif
