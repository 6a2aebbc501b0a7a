/* The column-table renderer. Every cell is formatted once into an arena, widths are
 * taken from the arena, then rows are written with padding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/table.h"
#include "report/term.h"

#define CELL_MAX 512

struct arena {
	char *buf;
	size_t len, cap;
};

static int arena_add(struct arena *a, const char *s, size_t n)
{
	if (a->len + n + 1 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 1 << 16;
		char *nb;

		while (ncap < a->len + n + 1)
			ncap *= 2;
		nb = realloc(a->buf, ncap);
		if (!nb)
			return -1;
		a->buf = nb;
		a->cap = ncap;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len++] = '\0';
	return 0;
}

static void pad(FILE *f, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		fwrite_unlocked(spaces, 1, k, f);
		n -= k;
	}
}

/* A row too wide for the line buffer: cell by cell. */
static void write_row_wide(FILE *f, const struct ps_column *cols, size_t ncols,
			   const size_t *width, const char *const *cell, const uint16_t *len)
{
	for (size_t c = 0; c < ncols; c++) {
		size_t gap = width[c] - len[c];
		bool last = c + 1 == ncols;

		if (cols[c].right)
			pad(f, gap);
		fwrite_unlocked(cell[c], 1, len[c], f);
		if (!last)
			pad(f, (cols[c].right ? 0 : gap) + 2);
	}
	fputc_unlocked('\n', f);
}

/* One row is assembled in a line buffer filled with spaces, each cell copied to its place,
 * and written with one call: a listing of 20,000 sockets is 200,000 cells, and a stdio
 * call (or a memset) per cell and per pad shows in its time. */
static void write_row(FILE *f, const struct ps_column *cols, size_t ncols, const size_t *width,
		      const char *const *cell, const uint16_t *len)
{
	char line[4096];
	size_t o = 0, total = 0;

	for (size_t c = 0; c < ncols; c++)
		total += width[c] + 2;
	if (total + 1 > sizeof(line)) {
		write_row_wide(f, cols, ncols, width, cell, len);
		return;
	}
	memset(line, ' ', total);
	for (size_t c = 0; c < ncols; c++) {
		size_t at = o + (cols[c].right ? width[c] - len[c] : 0);

		memcpy(line + at, cell[c], len[c]);
		o = c + 1 == ncols ? at + len[c] : o + width[c] + 2;
	}
	line[o++] = '\n';
	fwrite_unlocked(line, 1, o, f);
}

static int render(FILE *f, const struct ps_column *cols, size_t ncols, const void *recs,
		  size_t recsize, const void *const *ptrs, size_t nrecs, const void *ctx,
		  unsigned flags)
{
	struct arena a = { 0 };
	size_t *width = NULL;
	uint16_t *lens = NULL;
	const char **cell = NULL;
	char buf[CELL_MAX];
	int ret = -1;

	/* Cells are stored back to back, each NUL-terminated, and read back in the same
	 * order: their lengths are all the index we need. */
	a.cap = nrecs * ncols * 8 + 64;
	a.buf = malloc(a.cap);
	lens = calloc(nrecs * ncols + ncols + 1, sizeof(*lens));
	width = calloc(ncols, sizeof(*width));
	cell = calloc(ncols + 1, sizeof(*cell));
	if (!a.buf || !lens || !width || !cell)
		goto end;
	for (size_t c = 0; c < ncols; c++)
		width[c] = strlen(cols[c].header);
	for (size_t r = 0; r < nrecs; r++) {
		const void *rec = ptrs ? ptrs[r] : (const char *)recs + r * recsize;

		for (size_t c = 0; c < ncols; c++) {
			size_t n = cols[c].field(rec, ctx, buf, sizeof(buf));

			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
			lens[r * ncols + c] = (uint16_t)n;
			if (arena_add(&a, buf, n) < 0)
				goto end;
			if (n > width[c])
				width[c] = n;
		}
	}

	if (flags & PS_TABLE_COLOR)
		fputs_unlocked("\033[1m", f);
	for (size_t c = 0; c < ncols; c++) {
		cell[c] = cols[c].header;
		lens[nrecs * ncols + c] = (uint16_t)strlen(cols[c].header);
	}
	write_row(f, cols, ncols, width, cell, &lens[nrecs * ncols]);
	if (flags & PS_TABLE_COLOR)
		fputs_unlocked("\033[0m", f);
	for (size_t r = 0, pos = 0; r < nrecs; r++) {
		for (size_t c = 0; c < ncols; c++) {
			cell[c] = a.buf + pos;
			pos += lens[r * ncols + c] + 1u;
		}
		write_row(f, cols, ncols, width, cell, &lens[r * ncols]);
	}
	ret = 0;
end:
	free(a.buf);
	free(lens);
	free(width);
	free(cell);
	return ret;
}

int ps_table_render(FILE *f, const struct ps_column *cols, size_t ncols, const void *recs,
		    size_t recsize, size_t nrecs, const void *ctx, unsigned flags)
{
	return render(f, cols, ncols, recs, recsize, NULL, nrecs, ctx, flags);
}

int ps_table_render_ptrs(FILE *f, const struct ps_column *cols, size_t ncols,
			 const void *const *recs, size_t nrecs, const void *ctx, unsigned flags)
{
	return render(f, cols, ncols, NULL, 0, recs, nrecs, ctx, flags);
}

static void stream_cell(FILE *f, const struct ps_column *c, bool last, const char *s)
{
	if (last)
		fputs(s, f);
	else
		fprintf(f, c->right ? "%*s " : "%-*s ", c->width, s);
}

void ps_table_stream_header(FILE *f, const struct ps_column *cols, size_t ncols, unsigned flags)
{
	if (flags & PS_TABLE_COLOR)
		fputs("\033[1m", f);
	for (size_t c = 0; c < ncols; c++)
		stream_cell(f, &cols[c], c + 1 == ncols, cols[c].header);
	if (flags & PS_TABLE_COLOR)
		fputs("\033[0m", f);
	putc('\n', f);
}

void ps_table_stream_row(FILE *f, const struct ps_column *cols, size_t ncols, const void *rec,
			 const void *ctx)
{
	char buf[CELL_MAX];

	for (size_t c = 0; c < ncols; c++) {
		buf[0] = '\0';
		cols[c].field(rec, ctx, buf, sizeof(buf));
		stream_cell(f, &cols[c], c + 1 == ncols, buf);
	}
	putc('\n', f);
}

bool ps_table_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(f)) && !(nc && *nc) && !ps_term_dumb();
}

size_t ps_cell_str(char *buf, size_t len, size_t o, const char *s)
{
	while (*s && o + 1 < len)
		buf[o++] = *s++;
	if (o < len)
		buf[o] = '\0';
	return o;
}

size_t ps_cell_uint(char *buf, size_t len, size_t o, unsigned long v)
{
	char tmp[24], *p = tmp + sizeof(tmp) - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return ps_cell_str(buf, len, o, p);
}
