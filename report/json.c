/* The streaming JSON writer behind -o json and -o ndjson. */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/json.h"

void ps_json_init(struct ps_json *j, FILE *f, int pretty_depth)
{
	/* Not the buffer: an NDJSON line each would clear 4 KB. */
	memset(j->comma, 0, sizeof(j->comma));
	memset(j->close, 0, sizeof(j->close));
	j->f = f;
	j->depth = 0;
	j->pretty_depth = pretty_depth;
	j->n = 0;
}

/* Length of the valid UTF-8 sequence that starts s[0..n) (s[0] >= 0x80), or 0 when it
 * is not one: overlong forms, surrogates, code points past U+10FFFF and sequences cut
 * short are not. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Text gathers in j->buf and goes to stdio in large writes: a call per piece (bracket,
 * comma, key, quote, value) cost more than the text itself. The buffer is handed over
 * whenever a record of a document's array or an NDJSON line is complete, and when the
 * document ends, so a reader of a growing file never waits on a finished record. */
static void out_flush(struct ps_json *o)
{
	if (o->n)
		fwrite_unlocked(o->buf, 1, o->n, o->f);
	o->n = 0;
}

static void out_put(struct ps_json *o, const void *p, size_t len)
{
	if (o->n + len > sizeof(o->buf)) {
		out_flush(o);
		if (len > sizeof(o->buf)) {
			fwrite_unlocked(p, 1, len, o->f);
			return;
		}
	}
	memcpy(o->buf + o->n, p, len);
	o->n += len;
}

static void out_c(struct ps_json *o, char c)
{
	if (o->n == sizeof(o->buf))
		out_flush(o);
	o->buf[o->n++] = c;
}

static void out_str(struct ps_json *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Bytes that go out as they are: printable ASCII but the quote and the backslash. */
static const bool plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

/* Write the character or byte at s[0..n) that cannot go out as it is; returns the bytes
 * it took. Control characters (C0, DEL and the C1 range U+0080-U+009F) are JSON escapes
 * and decode to themselves; a byte that is not valid UTF-8 is the four characters \xHH. */
static size_t put_escape(struct ps_json *o, const unsigned char *s, size_t n)
{
	const char *e = NULL;
	char buf[8];

	switch (s[0]) {
	case '"': e = "\\\""; break;
	case '\\': e = "\\\\"; break;
	case '\b': e = "\\b"; break;
	case '\f': e = "\\f"; break;
	case '\n': e = "\\n"; break;
	case '\r': e = "\\r"; break;
	case '\t': e = "\\t"; break;
	}
	if (e) {
		out_str(o, e);
		return 1;
	}
	if (s[0] < 0x20 || s[0] == 0x7f) {
		snprintf(buf, sizeof(buf), "\\u%04x", s[0]);
		out_str(o, buf);
		return 1;
	}
	if (s[0] == 0xc2 && n >= 2 && s[1] >= 0x80 && s[1] < 0xa0) {
		snprintf(buf, sizeof(buf), "\\u%04x", s[1]);
		out_str(o, buf);
		return 2;
	}
	snprintf(buf, sizeof(buf), "\\\\x%02x", s[0]);
	out_str(o, buf);
	return 1;
}

/* True when none of the 8 bytes at p needs a look of its own: no control character, quote,
 * backslash, DEL or byte from 0x80 (the usual bit tricks; exact for "any byte"). */
static bool word_plain(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t w, q, b, d;

	memcpy(&w, p, sizeof(w));
	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	d = w ^ (ones * 0x7f);
	/* (x - ones * n) & ~x & high: some byte of x is below n (n <= 0x80). */
	return !(((w - ones * 0x20) & ~w & high) | ((q - ones) & ~q & high) |
		 ((b - ones) & ~b & high) | ((d - ones) & ~d & high) | (w & high));
}

/* s as a JSON string: valid UTF-8 text as it is, the rest through put_escape. */
static void put_quoted(struct ps_json *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;

	out_c(o, '"');
	while (i < len) {
		size_t u = 1;

		if (i + 8 <= len && word_plain(p + i)) {
			i += 8;
			continue;
		}
		if (plain[p[i]]) {
			i++;
			continue;
		}
		if (p[i] >= 0x80 && !(p[i] == 0xc2 && i + 1 < len && p[i + 1] < 0xa0) &&
		    (u = utf8_len(p + i, len - i)) > 0) {
			i += u;
			continue;
		}
		out_put(o, p + start, i - start);
		i += put_escape(o, p + i, len - i);
		start = i;
	}
	out_put(o, p + start, i - start);
	out_c(o, '"');
}

/* Separator, indentation and key before a value. */
static void lead(struct ps_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->comma[j->depth])
			out_c(j, ',');
		j->comma[j->depth] = true;
		if (j->depth <= j->pretty_depth) {
			out_c(j, '\n');
			for (int i = 0; i < j->depth; i++)
				out_put(j, "  ", 2);
		}
	}
	if (key) {
		put_quoted(j, key, strlen(key));
		out_c(j, ':');
		if (j->depth <= j->pretty_depth)
			out_c(j, ' ');
	}
}

static void open_container(struct ps_json *j, const char *key, char c)
{
	lead(j, key);
	out_c(j, c);
	if (j->depth + 1 < PS_JSON_MAXDEPTH)
		j->depth++;
	j->comma[j->depth] = false;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void ps_json_object(struct ps_json *j, const char *key)
{
	open_container(j, key, '{');
}

void ps_json_array(struct ps_json *j, const char *key)
{
	open_container(j, key, '[');
}

void ps_json_end(struct ps_json *j)
{
	bool had = j->comma[j->depth];
	char k = j->close[j->depth];

	j->depth--;
	if (had && j->depth + 1 <= j->pretty_depth) {
		out_c(j, '\n');
		for (int i = 0; i < j->depth; i++)
			out_put(j, "  ", 2);
	}
	out_c(j, k);
	/* A record of a document's array, or a document, is complete. */
	if (j->depth <= 2)
		out_flush(j);
}

void ps_json_strn(struct ps_json *j, const char *key, const char *s, size_t len)
{
	lead(j, key);
	put_quoted(j, s, len);
}

void ps_json_str(struct ps_json *j, const char *key, const char *s)
{
	if (!s) {
		ps_json_null(j, key);
		return;
	}
	ps_json_strn(j, key, s, strlen(s));
}

void ps_json_int(struct ps_json *j, const char *key, long long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	lead(j, key);
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	out_put(j, p, (size_t)(buf + sizeof(buf) - p));
}

void ps_json_bool(struct ps_json *j, const char *key, bool v)
{
	lead(j, key);
	out_str(j, v ? "true" : "false");
}

void ps_json_null(struct ps_json *j, const char *key)
{
	lead(j, key);
	out_str(j, "null");
}

void ps_json_double(struct ps_json *j, const char *key, double v, int decimals)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);

	lead(j, key);
	if (n > 0)
		out_put(j, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void ps_json_line_begin(struct ps_json *j, FILE *f)
{
	ps_json_init(j, f, 0);
	ps_json_object(j, NULL);
}

void ps_json_line_end(struct ps_json *j)
{
	ps_json_end(j);
	out_c(j, '\n');
	out_flush(j);
}

const char *ps_json_hostname(void)
{
	static char host[256];

	if (!host[0] && gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "unknown");
	return host;
}

void ps_json_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ps_json_begin_doc(struct ps_json *j, const char *command)
{
	char schema[64], now[32];

	snprintf(schema, sizeof(schema), "portscope.%s/1", command);
	ps_json_now(now, sizeof(now));
	ps_json_object(j, NULL);
	ps_json_str(j, "schema", schema);
	ps_json_str(j, "host", ps_json_hostname());
	ps_json_str(j, "time", now);
}

void ps_json_end_doc(struct ps_json *j)
{
	ps_json_end(j);
	out_c(j, '\n');
	out_flush(j);
}
