/* The streaming JSON writer behind -o json and -o ndjson. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/escape.h"
#include "report/json.h"

void ps_json_init(struct ps_json *j, FILE *f, int pretty_depth)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty_depth = pretty_depth;
}

static void put_quoted(FILE *f, const char *s, size_t len)
{
	putc_unlocked('"', f);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '"' || c == '\\')
			putc_unlocked('\\', f);
		putc_unlocked(c, f);
	}
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
	char buf[4096];
	size_t n;

	lead(j, key);
	n = ps_escape(s, len, buf, sizeof(buf));
	put_quoted(j->f, buf, n);
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
