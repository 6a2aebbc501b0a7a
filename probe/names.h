/* Names of enum values kept in a table indexed by the value ("well-known", "loopback"),
 * and the look-up back from a name the user typed. */
#ifndef PS_NAMES_H
#define PS_NAMES_H

#include <stddef.h>
#include <string.h>

#define PS_NAMES_LEN(t) (sizeof(t) / sizeof((t)[0]))

/* The index of name in names[0..n) (NULL entries skipped), or -1. */
static inline int ps_name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Define `const char *NAME_FN(TYPE v)`, the name of v, and `int PARSE_FN(const char *s,
 * TYPE *v)`, 0 with *v set or -1 for a name not in TABLE, over TABLE, an array of names
 * indexed by the values of TYPE. */
#define PS_NAMES_FUNCS(TYPE, TABLE, NAME_FN, PARSE_FN)                     \
	const char *NAME_FN(TYPE v)                                         \
	{                                                                   \
		return TABLE[v];                                            \
	}                                                                   \
	int PARSE_FN(const char *s, TYPE *v)                                \
	{                                                                   \
		int i = ps_name_index(TABLE, PS_NAMES_LEN(TABLE), s);       \
									    \
		if (i < 0)                                                  \
			return -1;                                          \
		*v = (TYPE)i;                                               \
		return 0;                                                   \
	}

#endif
