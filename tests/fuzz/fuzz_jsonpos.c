/* libFuzzer target for the JSON position scanner (probe/jsonpos.c). Any bytes: the scan
 * must stay inside the text and end. Text jansson accepts (an object): every member's key
 * and value, and every element of an array member, must be found, at a position that
 * holds the key's quote or the value's first character.
 * Build and run: `make fuzz` builds build/fuzz/fuzz_jsonpos; `make fuzz-run FUZZ_SECONDS=60`
 * runs it from the seeds in tests/fuzz/jsonpos_corpus (the policy seeds). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/jsonpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The byte at line:col, or -1 when the text has no such position. */
static int byte_at(const char *t, size_t len, int line, int col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < len; i++) {
		if ((t[i] & 0xc0) == 0x80)
			continue;
		if (l == line && c == col)
			return (unsigned char)t[i];
		if (t[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	return -1;
}

static void check_first(const json_t *v, int b)
{
	int want = json_is_object(v) ? '{' : json_is_array(v) ? '[' : json_is_string(v) ? '"'
		 : json_is_true(v) ? 't' : json_is_false(v) ? 'f' : json_is_null(v) ? 'n' : 0;

	if (want ? b != want : !(b == '-' || (b >= '0' && b <= '9')))
		abort();
}

static void count_elem(size_t i, int line, int col, void *ctx)
{
	(void)i;
	(void)line;
	(void)col;
	(*(size_t *)ctx)++;
}

static void check_member(const char *t, size_t len, const char *key, const json_t *v)
{
	struct ps_jsonpos_step path[2] = { { key, 0 }, { NULL, 0 } };
	size_t n = json_is_array(v) ? json_array_size(v) : 0, seen = 0;
	int line, col;

	if (ps_jsonpos_find(t, len, path, 1, true, &line, &col) < 0 ||
	    byte_at(t, len, line, col) != '"')
		abort();
	if (ps_jsonpos_find(t, len, path, 1, false, &line, &col) < 0)
		abort();
	check_first(v, byte_at(t, len, line, col));
	for (size_t i = 0; i < n && i < 16; i++) {
		path[1].index = i;
		if (ps_jsonpos_find(t, len, path, 2, false, &line, &col) < 0)
			abort();
		check_first(json_array_get(v, i), byte_at(t, len, line, col));
	}
	if (ps_jsonpos_elements(t, len, key, n, count_elem, &seen) != n || seen != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ps_jsonpos_step path[3] = { { "allow", 0 }, { NULL, 1 }, { "port", 0 } };
	const char *t = (const char *)data;
	const char *key;
	json_t *root, *v;
	int line, col;

	/* Any bytes: every depth of a path, as value and as key. */
	for (size_t n = 0; n <= 3; n++)
		(void)ps_jsonpos_find(t, size, path, n, n == 1 || n == 3, &line, &col);
	(void)ps_jsonpos_elements(t, size, "require", 4, count_elem, &(size_t){ 0 });
	root = json_loadb(t, size, JSON_REJECT_DUPLICATES, NULL);
	/* Keys with NUL bytes or longer than the scanner keeps are out of its contract. */
	if (root && json_is_object(root) && !memmem(t, size, "\\u0000", 6)) {
		json_object_foreach(root, key, v) {
			if (strlen(key) < 255)
				check_member(t, size, key, v);
		}
	}
	json_decref(root);
	return 0;
}
