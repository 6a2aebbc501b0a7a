/* A streaming JSON writer: records are written as they come, never held as a tree, so a
 * 65,535-port scan or a 20,000-socket listing costs no memory per record. Strings carry
 * text from outside as it is when it is valid UTF-8 ("münchen.de"), control characters
 * as JSON escapes that decode to themselves ("we\u001bird"), and each byte that is not
 * valid UTF-8 as the four characters \xHH, so the document is always valid UTF-8.
 * Tables escape everything (ps_escape); JSON leaves the text to its reader. */
#ifndef PS_JSON_H
#define PS_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define PS_JSON_MAXDEPTH 16

struct ps_json {
	FILE *f;
	int depth;
	int pretty_depth;	/* containers deeper than this are written on one line */
	bool comma[PS_JSON_MAXDEPTH];
	char close[PS_JSON_MAXDEPTH];	/* the bracket that closes each open level */
	size_t n;			/* bytes in buf not yet handed to f */
	char buf[4096];
};

/* pretty_depth 0 writes everything on one line (NDJSON); 2 puts each record of a
 * document's array on a line of its own. */
void ps_json_init(struct ps_json *j, FILE *f, int pretty_depth);
/* key is NULL inside arrays and at the top level. */
void ps_json_object(struct ps_json *j, const char *key);
void ps_json_array(struct ps_json *j, const char *key);
void ps_json_end(struct ps_json *j);	/* closes the innermost object or array */
void ps_json_str(struct ps_json *j, const char *key, const char *s);	/* NULL: null */
void ps_json_strn(struct ps_json *j, const char *key, const char *s, size_t len);
void ps_json_int(struct ps_json *j, const char *key, long long v);
void ps_json_bool(struct ps_json *j, const char *key, bool v);
void ps_json_null(struct ps_json *j, const char *key);
void ps_json_double(struct ps_json *j, const char *key, double v, int decimals);

/* An NDJSON record: ps_json_line_begin opens a one-line object on f, ps_json_line_end
 * closes it and ends the line. */
void ps_json_line_begin(struct ps_json *j, FILE *f);
void ps_json_line_end(struct ps_json *j);

/* Open a document: {"schema": "portscope.<command>/1", "host": ..., "time": ...,
 * and the caller goes on with its array and "summary", then ps_json_end_doc(). */
void ps_json_begin_doc(struct ps_json *j, const char *command);
void ps_json_end_doc(struct ps_json *j);

/* This host's name and the current time as RFC 3339 UTC, for documents and metrics. */
const char *ps_json_hostname(void);
void ps_json_now(char *buf, size_t len);

#endif
