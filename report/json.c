/* The streaming JSON writer behind -o json and -o ndjson. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/json.h"

void ps_json_init(struct ps_json *j, FILE *f, int pretty_depth)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty_depth = pretty_depth;
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

/* Write the character or byte at s[0..n) that cannot go out as it is; returns the bytes
 * it took. Control characters (C0, DEL and the C1 range U+0080-U+009F) are JSON escapes
 * and decode to themselves; a byte that is not valid UTF-8 is the four characters \xHH. */
static size_t put_escape(FILE *f, const unsigned char *s, size_t n)
{
	const char *e = NULL;

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
		fputs_unlocked(e, f);
		return 1;
	}
	if (s[0] < 0x20 || s[0] == 0x7f) {
		fprintf(f, "\\u%04x", s[0]);
		return 1;
	}
	if (s[0] == 0xc2 && n >= 2 && s[1] >= 0x80 && s[1] < 0xa0) {
		fprintf(f, "\\u%04x", s[1]);
		return 2;
	}
	fprintf(f, "\\\\x%02x", s[0]);
	return 1;
}

/* s as a JSON string: valid UTF-8 text as it is, the rest through put_escape. */
static void put_quoted(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;

	putc_unlocked('"', f);
	while (i < len) {
		size_t u = 1;

		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		if (p[i] >= 0x80 && !(p[i] == 0xc2 && i + 1 < len && p[i + 1] < 0xa0) &&
		    (u = utf8_len(p + i, len - i)) > 0) {
			i += u;
			continue;
		}
		fwrite_unlocked(p + start, 1, i - start, f);
		i += put_escape(f, p + i, len - i);
		start = i;
	}
	fwrite_unlocked(p + start, 1, i - start, f);
	putc_unlocked('"', f);
}

/* Separator, indentation and key before a value. */
static void lead(struct ps_json *j, const char *key)
{
	FILE *f = j->f;

	if (j->depth > 0) {
		if (j->comma[j->depth])
			putc_unlocked(',', f);
		j->comma[j->depth] = true;
		if (j->depth <= j->pretty_depth) {
			putc_unlocked('\n', f);
			for (int i = 0; i < j->depth; i++)
				fputs_unlocked("  ", f);
		}
	}
	if (key) {
		put_quoted(f, key, strlen(key));
		putc_unlocked(':', f);
		if (j->depth <= j->pretty_depth)
			putc_unlocked(' ', f);
	}
}

static void open_container(struct ps_json *j, const char *key, char c)
{
	lead(j, key);
	putc_unlocked(c, j->f);
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
		putc_unlocked('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs_unlocked("  ", j->f);
	}
	putc_unlocked(k, j->f);
}

void ps_json_strn(struct ps_json *j, const char *key, const char *s, size_t len)
{
	lead(j, key);
	put_quoted(j->f, s, len);
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
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), j->f);
}

void ps_json_bool(struct ps_json *j, const char *key, bool v)
{
	lead(j, key);
	fputs_unlocked(v ? "true" : "false", j->f);
}

void ps_json_null(struct ps_json *j, const char *key)
{
	lead(j, key);
	fputs_unlocked("null", j->f);
}

void ps_json_double(struct ps_json *j, const char *key, double v, int decimals)
{
	lead(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void ps_json_line_begin(struct ps_json *j, FILE *f)
{
	ps_json_init(j, f, 0);
	ps_json_object(j, NULL);
}

void ps_json_line_end(struct ps_json *j)
{
	ps_json_end(j);
	putc_unlocked('\n', j->f);
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
	putc_unlocked('\n', j->f);
}
