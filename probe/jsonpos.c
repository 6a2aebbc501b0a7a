/* The JSON position scanner: a small recursive walk over a text a JSON parser has
 * already accepted, following a path of keys and indexes to the key or value it names and
 * counting lines and columns on the way. Because the text is known to be valid, the walk
 * needs no error handling beyond staying inside the text, which it does for any bytes
 * (tests/fuzz/fuzz_jsonpos.c). */
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/jsonpos.h"

/* jansson's own nesting limit (JSON_PARSER_MAX_DEPTH): valid text never goes deeper. */
#define MAX_DEPTH 2048

struct scan {
	const unsigned char *s;
	size_t len, i;
	int line, col;		/* of s[i], both from 1; columns count characters */
	int depth;		/* containers being skipped */
};

static void sc_adv(struct scan *sc)
{
	if (sc->i >= sc->len)
		return;
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->col = 1;
	} else if ((sc->s[sc->i] & 0xc0) != 0x80) {
		/* Continuation bytes do not start a character. */
		sc->col++;
	}
	sc->i++;
	while (sc->i < sc->len && (sc->s[sc->i] & 0xc0) == 0x80)
		sc->i++;
}

static int sc_peek(const struct scan *sc)
{
	return sc->i < sc->len ? sc->s[sc->i] : -1;
}

static void sc_ws(struct scan *sc)
{
	int c;

	while ((c = sc_peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		sc_adv(sc);
}

static unsigned sc_hex4(struct scan *sc)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		int h = ps_hexval(sc_peek(sc));

		v = v * 16 + (unsigned)(h < 0 ? 0 : h);
		sc_adv(sc);
	}
	return v;
}

static size_t put_utf8(char *out, size_t o, size_t cap, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (size_t k = 0; k < n && o < cap; k++)
		out[o++] = (char)b[k];
	return o;
}

/* Read a string at sc (on its opening quote), decoding escapes into out (cap bytes, kept
 * NUL-terminated; a longer string is cut, which only matters for keys we never use). */
static void sc_string(struct scan *sc, char *out, size_t cap)
{
	size_t o = 0;
	int c;

	sc_adv(sc);
	while ((c = sc_peek(sc)) >= 0 && c != '"') {
		if (c != '\\') {
			size_t start = sc->i;

			sc_adv(sc);
			for (size_t k = start; k < sc->i && o + 1 < cap; k++)
				out[o++] = (char)sc->s[k];
			continue;
		}
		sc_adv(sc);
		c = sc_peek(sc);
		sc_adv(sc);
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': {
			unsigned cp = sc_hex4(sc);

			if (cp >= 0xd800 && cp < 0xdc00 && sc_peek(sc) == '\\') {
				sc_adv(sc);
				sc_adv(sc);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (sc_hex4(sc) - 0xdc00);
			}
			if (cap > 0)
				o = put_utf8(out, o, cap - 1, cp);
			continue;
		}
		default: break;	/* a quote, backslash or slash stands for itself */
		}
		if (o + 1 < cap)
			out[o++] = (char)c;
	}
	sc_adv(sc);
	if (cap > 0)
		out[o] = '\0';
}

static void sc_skip(struct scan *sc);

static void sc_skip_container(struct scan *sc, int close)
{
	char key[8];

	sc_adv(sc);
	sc_ws(sc);
	if (sc_peek(sc) == close) {
		sc_adv(sc);
		return;
	}
	for (;;) {
		sc_ws(sc);
		if (close == '}') {
			sc_string(sc, key, sizeof(key));
			sc_ws(sc);
			sc_adv(sc);	/* ':' */
			sc_ws(sc);
		}
		sc_skip(sc);
		sc_ws(sc);
		if (sc_peek(sc) != ',')
			break;
		sc_adv(sc);
	}
	sc_adv(sc);	/* the closing bracket */
}

/* Skip one value; the text is valid JSON, so no error checks are needed beyond the end
 * (and the depth, for bytes that are not). */
static void sc_skip(struct scan *sc)
{
	char tmp[8];
	int c = sc_peek(sc);

	if (c == '{' || c == '[') {
		/* Deeper than any parser accepts: not JSON, so stop at its end. */
		if (sc->depth >= MAX_DEPTH) {
			sc->i = sc->len;
			return;
		}
		sc->depth++;
		sc_skip_container(sc, c == '{' ? '}' : ']');
		sc->depth--;
	} else if (c == '"') {
		sc_string(sc, tmp, sizeof(tmp));
	} else {
		while ((c = sc_peek(sc)) >= 0 && c != ',' && c != '}' && c != ']' && c != ' ' &&
		       c != '\t' && c != '\n' && c != '\r')
			sc_adv(sc);
	}
}

/* Follow path from the value at sc. On success set line and col to the value the path
 * names, or to its key when want_key (the last step must then be a key). Returns 0, or
 * -1 when the path is not in the text. */
static int sc_find(struct scan *sc, const struct ps_jsonpos_step *path, size_t n, bool want_key,
		   int *line, int *col)
{
	int c;

	sc_ws(sc);
	if (n == 0) {
		*line = sc->line;
		*col = sc->col;
		return 0;
	}
	c = sc_peek(sc);
	if (path->key ? c != '{' : c != '[')
		return -1;
	sc_adv(sc);
	sc_ws(sc);
	if (sc_peek(sc) == (path->key ? '}' : ']'))
		return -1;
	for (size_t idx = 0;; idx++) {
		sc_ws(sc);
		if (path->key) {
			/* Room for the wanted key and one byte more: a longer key in the
			 * text, cut to fit, still differs. */
			size_t cap = strlen(path->key) + 2;
			char small[256], *key = cap <= sizeof(small) ? small : malloc(cap);
			int kl = sc->line, kc = sc->col;
			bool same;

			if (!key)
				return -1;
			sc_string(sc, key, cap);
			sc_ws(sc);
			sc_adv(sc);
			same = strcmp(key, path->key) == 0;
			if (key != small)
				free(key);
			if (same) {
				if (n == 1 && want_key) {
					*line = kl;
					*col = kc;
					return 0;
				}
				return sc_find(sc, path + 1, n - 1, want_key, line, col);
			}
		} else if (idx == path->index) {
			return sc_find(sc, path + 1, n - 1, want_key, line, col);
		}
		sc_ws(sc);
		sc_skip(sc);
		sc_ws(sc);
		if (sc_peek(sc) != ',')
			return -1;
		sc_adv(sc);
	}
}

/* Place the scanner on the value path names (keys only). Returns 0, or -1 when absent. */
static int sc_enter(struct scan *sc, const char *key)
{
	sc_ws(sc);
	if (sc_peek(sc) != '{')
		return -1;
	sc_adv(sc);
	for (;;) {
		char k[256];

		sc_ws(sc);
		if (sc_peek(sc) != '"')
			return -1;
		sc_string(sc, k, sizeof(k));
		sc_ws(sc);
		sc_adv(sc);	/* ':' */
		sc_ws(sc);
		if (strcmp(k, key) == 0)
			return 0;
		sc_skip(sc);
		sc_ws(sc);
		if (sc_peek(sc) != ',')
			return -1;
		sc_adv(sc);
	}
}

int ps_jsonpos_find(const char *text, size_t len, const struct ps_jsonpos_step *path, size_t n,
		    bool want_key, int *line, int *col)
{
	struct scan sc = { (const unsigned char *)text, len, 0, 1, 1, 0 };

	return sc_find(&sc, path, n, want_key, line, col);
}

size_t ps_jsonpos_elements(const char *text, size_t len, const char *key, size_t n,
			   ps_jsonpos_elem_fn fn, void *ctx)
{
	struct scan sc = { (const unsigned char *)text, len, 0, 1, 1, 0 };
	size_t i;

	if (n == 0 || sc_enter(&sc, key) < 0 || sc_peek(&sc) != '[')
		return 0;
	sc_adv(&sc);
	sc_ws(&sc);
	if (sc_peek(&sc) == ']')
		return 0;
	for (i = 0; i < n;) {
		sc_ws(&sc);
		fn(i++, sc.line, sc.col, ctx);
		sc_skip(&sc);
		sc_ws(&sc);
		if (sc_peek(&sc) != ',')
			break;
		sc_adv(&sc);
	}
	return i;
}

int ps_jsonpos_err(ps_err *err, const char *text, size_t len, const char *name,
		   const struct ps_jsonpos_step *path, size_t n, bool want_key, const char *reason)
{
	int line = 1, col = 1;

	/* The path normally exists (it came from the parsed tree); 1:1 is only a fallback. */
	if (ps_jsonpos_find(text, len, path, n, want_key, &line, &col) < 0) {
		line = 1;
		col = 1;
	}
	return ps_err_input(err, "%s:%d:%d: %s", name, line, col, reason);
}
