/* Text in and out: escaping what comes from outside (process names, banners, hostnames)
 * before it reaches a terminal or a document, and parsing the escapes and hex digits users
 * type (--send, --expect, --payload, --payload-hex, policy strings). */
#ifndef PS_ESCAPE_H
#define PS_ESCAPE_H

#include <stddef.h>

/* Write in[0..len) into out (outlen > 0) as printable ASCII: backslash as "\\", tab,
 * CR and LF as "\t" "\r" "\n", any other byte outside 0x20-0x7e as "\xHH". Output that
 * does not fit is cut at an escape boundary. Returns the length written. */
size_t ps_escape(const char *in, size_t len, char *out, size_t outlen);

/* Parse the user-facing escapes "\r \n \t \\ \xHH" in s into out (outlen bytes).
 * Returns the length, or -1 with *bad pointing at the offending backslash. */
long ps_unescape(const char *s, char *out, size_t outlen, const char **bad);

/* Value of one hex digit, or -1 when c is not one. */
int ps_hexval(int c);

#endif
