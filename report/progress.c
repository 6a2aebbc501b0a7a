/* The progress line. Its text is ASCII, so a byte is a column and cutting it to the width
 * is cutting bytes. */
#include <string.h>

#include "probe/escape.h"
#include "report/json.h"
#include "report/progress.h"

#define PROGRESS_AFTER_NS 2000000000ull
#define PROGRESS_EVERY_NS 250000000ull

void ps_progress_init(struct ps_progress *p, const char *what, size_t total, uint64_t now_ns,
		      bool plain)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	p->start_ns = p->last_ns = now_ns;
	p->plain = plain;
	p->after_ns = PROGRESS_AFTER_NS;
	p->every_ns = PROGRESS_EVERY_NS;
}

void ps_progress_pace(struct ps_progress *p, uint64_t after_ns, uint64_t every_ns)
{
	p->after_ns = after_ns;
	p->every_ns = every_ns;
}

static double rate_of(const struct ps_progress *p, uint64_t now_ns)
{
	double secs = (double)(now_ns - p->start_ns) / 1e9;

	return secs > 0 ? p->done / secs : 0;
}

size_t ps_progress_format(const struct ps_progress *p, uint64_t now_ns, unsigned width,
			  char *buf, size_t len)
{
	double rate = rate_of(p, now_ns);
	size_t max = width > 1 ? width - 1 : 0;
	int n;

	n = snprintf(buf, len, "%s: %zu/%zu (%zu%%), %zu open, %.0f/s, ETA %.0f s", p->what,
		     p->done, p->total, p->total ? p->done * 100 / p->total : 100, p->open, rate,
		     rate > 0 && p->total > p->done ? (double)(p->total - p->done) / rate : 0.0);
	if (n >= 0 && (size_t)n < len && p->bound && p->bound->errors_per_s > 0) {
		char host[64 * 4];
		double left = p->total > p->done ? (p->total - p->done) / p->bound->errors_per_s : 0;

		ps_escape(p->bound->host, strlen(p->bound->host), host, sizeof(host));
		n += snprintf(buf + n, len - (size_t)n,
			      "; host %s limits ICMP errors to ~%.*f/s: about %.0f %s left", host,
			      p->bound->errors_per_s < 10 ? 1 : 0, p->bound->errors_per_s,
			      left >= 120 ? left / 60 : left, left >= 120 ? "min" : "s");
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= len)
		n = (int)(len - 1);
	if ((size_t)n > max)
		n = (int)max;
	buf[n] = '\0';
	return (size_t)n;
}

bool ps_progress_due(struct ps_progress *p, uint64_t now_ns)
{
	if (now_ns - p->start_ns < p->after_ns || now_ns - p->last_ns < p->every_ns)
		return false;
	p->last_ns = now_ns;
	return true;
}

static void spaces(FILE *f, size_t n)
{
	while (n-- > 0)
		putc(' ', f);
}

void ps_progress_draw(struct ps_progress *p, FILE *f, uint64_t now_ns, unsigned width)
{
	char line[256];
	size_t n = ps_progress_format(p, now_ns, width, line, sizeof(line));

	putc('\r', f);
	fputs(line, f);
	if (!p->plain)
		fputs("\033[K", f);
	else if (p->shown > n)	/* overwrite what is left of a longer line */
		spaces(f, p->shown - n);
	p->shown = n;
	fflush(f);
}

void ps_progress_clear(struct ps_progress *p, FILE *f)
{
	if (!p->shown)
		return;
	if (p->plain) {
		putc('\r', f);
		spaces(f, p->shown);
		putc('\r', f);
	} else {
		fputs("\r\033[K", f);
	}
	p->shown = 0;
}

void ps_progress_log(const struct ps_progress *p, FILE *f, uint64_t now_ns)
{
	char line[256];

	ps_progress_format(p, now_ns, sizeof(line), line, sizeof(line));
	fprintf(f, "%s\n", line);
	fflush(f);
}

void ps_progress_ndjson(const struct ps_progress *p, FILE *f, uint64_t now_ns, bool final)
{
	struct ps_json j;
	double rate = rate_of(p, now_ns);

	ps_json_line_begin(&j, f);
	ps_json_int(&j, "elapsed_ms", (long long)((now_ns - p->start_ns) / 1000000));
	ps_json_int(&j, "done", (long long)p->done);
	ps_json_int(&j, "total", (long long)p->total);
	ps_json_double(&j, "percent", p->total ? 100.0 * p->done / p->total : 100.0, 1);
	ps_json_int(&j, "open", (long long)p->open);
	ps_json_double(&j, "rate", rate, 1);
	if (rate > 0)
		ps_json_double(&j, "eta_s", p->total > p->done ? (p->total - p->done) / rate : 0, 1);
	else
		ps_json_null(&j, "eta_s");
	ps_json_bool(&j, "final", final);
	if (p->bound && p->bound->errors_per_s > 0) {
		ps_json_object(&j, "bound");
		ps_json_str(&j, "host", p->bound->host);
		ps_json_double(&j, "errors_per_s", p->bound->errors_per_s, 2);
		ps_json_end(&j);
	}
	ps_json_line_end(&j);
	fflush(f);
}
