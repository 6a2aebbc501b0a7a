/* The JSON writer's text rule: valid UTF-8 goes out as UTF-8, control characters as JSON
 * escapes that decode to themselves, and only bytes that are not valid UTF-8 as the four
 * characters \xHH. Every document stays valid UTF-8 that jansson reads back. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"

/* {"s": s} on one line, as NDJSON writes it; len bytes of s. */
static char *one(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct ps_json j;

	cr_assert_not_null(f);
	ps_json_init(&j, f, 0);
	ps_json_object(&j, NULL);
	ps_json_strn(&j, "s", s, len);
	ps_json_end(&j);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

/* The value of "s" as jansson decodes it. */
static char *decoded(const char *doc)
{
	json_error_t e;
	json_t *o = json_loads(doc, JSON_ALLOW_NUL, &e);
	char *v;

	cr_assert_not_null(o, "%s: %s", e.text, doc);
	v = strdup(json_string_value(json_object_get(o, "s")));
	json_decref(o);
	return v;
}

static void check(const char *in, size_t len, const char *want_json, const char *want_value)
{
	char *out = one(in, len), *v = decoded(out);

	cr_assert_str_eq(out, want_json);
	cr_assert_str_eq(v, want_value);
	free(out);
	free(v);
}

#define CHECK(in, json, value) check(in, sizeof(in) - 1, json, value)

Test(json_text, utf8_kept)
{
	CHECK("münchen.de", "{\"s\":\"münchen.de\"}", "münchen.de");
	CHECK("日本 \xf0\x9f\x98\x80", "{\"s\":\"日本 \xf0\x9f\x98\x80\"}", "日本 \xf0\x9f\x98\x80");
	CHECK("nb\xc2\xa0sp", "{\"s\":\"nb\xc2\xa0sp\"}", "nb\xc2\xa0sp");
}

Test(json_text, control_characters_are_json_escapes)
{
	CHECK("we\x1bird", "{\"s\":\"we\\u001bird\"}", "we\x1bird");
	CHECK("a\"b\\c\n\t\r", "{\"s\":\"a\\\"b\\\\c\\n\\t\\r\"}", "a\"b\\c\n\t\r");
	CHECK("del\x7f", "{\"s\":\"del\\u007f\"}", "del\x7f");
	/* C1 controls are valid UTF-8 but still control characters (U+009B is a CSI). */
	CHECK("c1\xc2\x9b", "{\"s\":\"c1\\u009b\"}", "c1\xc2\x9b");
	check("nul\0x", 5, "{\"s\":\"nul\\u0000x\"}", "nul");
}

Test(json_text, invalid_bytes_as_backslash_x)
{
	CHECK("bad\xff", "{\"s\":\"bad\\\\xff\"}", "bad\\xff");
	CHECK("\xc0\xaf", "{\"s\":\"\\\\xc0\\\\xaf\"}", "\\xc0\\xaf");	/* overlong '/' */
	CHECK("\xed\xa0\x80", "{\"s\":\"\\\\xed\\\\xa0\\\\x80\"}", "\\xed\\xa0\\x80");	/* surrogate */
	CHECK("\xf4\x90\x80\x80", "{\"s\":\"\\\\xf4\\\\x90\\\\x80\\\\x80\"}",
	      "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
}

Test(json_text, truncated_multibyte_sequence)
{
	/* A sequence cut by the end of the text, or by a byte that does not continue it: each
	 * byte of it is escaped, and what follows is text again. */
	CHECK("ab\xc3", "{\"s\":\"ab\\\\xc3\"}", "ab\\xc3");
	CHECK("\xe2\x82x\xe2\x82\xac", "{\"s\":\"\\\\xe2\\\\x82x€\"}", "\\xe2\\x82x€");
	CHECK("\xf0\x9f\x98", "{\"s\":\"\\\\xf0\\\\x9f\\\\x98\"}", "\\xf0\\x9f\\x98");
}
