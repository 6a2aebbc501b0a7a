/* Column tables: a list of { header, field } drives the widths and the header line, so a
 * column is one line in the caller's table. The same columns render a whole table at once
 * (widths from every cell) or a stream a row at a time (fixed widths). */
#ifndef PS_TABLE_H
#define PS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Format one cell of rec into buf (escaped, printable); returns its length. */
typedef size_t (*ps_field_fn)(const void *rec, const void *ctx, char *buf, size_t len);

struct ps_column {
	const char *header;
	ps_field_fn field;
	bool right;		/* right-align (numbers) */
	int width;		/* streams only: the width a cell is padded to */
};

#define PS_TABLE_COLOR 1u	/* bold header: only for a terminal, not dumb, without NO_COLOR */
/* Tables of records that hold a socket (audit findings, watch events): the UNIT column,
 * which list shows when any row has a unit or a container. */
#define PS_TABLE_UNIT 2u

/* Render nrecs records (recsize bytes apart; ctx is passed to every field) with columns sized to their content; the last
 * column is not padded. Returns 0, or -1 on out of memory. */
int ps_table_render(FILE *f, const struct ps_column *cols, size_t ncols, const void *recs,
		    size_t recsize, size_t nrecs, const void *ctx, unsigned flags);

/* Same, for records given as an array of pointers. */
int ps_table_render_ptrs(FILE *f, const struct ps_column *cols, size_t ncols,
			 const void *const *recs, size_t nrecs, const void *ctx, unsigned flags);

/* A stream, written as the rows come: it cannot size its columns from every row, so each
 * cell is padded to its column's width and followed by one space, and a longer cell pushes
 * the rest of its line along. The last column is not padded. The header line is bold
 * with PS_TABLE_COLOR. */
void ps_table_stream_header(FILE *f, const struct ps_column *cols, size_t ncols, unsigned flags);
void ps_table_stream_row(FILE *f, const struct ps_column *cols, size_t ncols, const void *rec,
			 const void *ctx);

/* Cell builders for field functions, cheaper than snprintf on hot paths: each appends to
 * buf at offset o (buf has len bytes), keeps it NUL-terminated, and returns the new offset. */
size_t ps_cell_str(char *buf, size_t len, size_t o, const char *s);
size_t ps_cell_uint(char *buf, size_t len, size_t o, unsigned long v);

/* True when output to f should be coloured: a terminal, TERM not dumb, NO_COLOR unset. */
bool ps_table_want_color(FILE *f);

#endif
