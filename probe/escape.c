/* Escaping for output, and the matching parser for the escapes users type in --send,
 * --expect and --payload. */
#include <string.h>

#include "probe/escape.h"

size_t ps_escape(const char *in, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char tmp[4];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '\\') {	/* the common case: no copy */
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (c == '\\') {
			tmp[0] = '\\'; tmp[1] = '\\'; n = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			tmp[0] = '\\'; tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't'; n = 2;
		} else {
			tmp[0] = '\\'; tmp[1] = 'x'; tmp[2] = hex[c >> 4]; tmp[3] = hex[c & 15]; n = 4;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

int ps_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ps_unescape(const char *s, char *out, size_t outlen, const char **bad)
{
	size_t o = 0;

	for (const char *p = s; *p; p++) {
		char c = *p;

		if (c == '\\') {
			const char *start = p;

			switch (*++p) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case 'x': {
				int hi = p[1] ? ps_hexval(p[1]) : -1, lo = hi >= 0 && p[2] ? ps_hexval(p[2]) : -1;

				if (hi < 0 || lo < 0) {
					*bad = start;
					return -1;
				}
				c = (char)(hi << 4 | lo);
				p += 2;
				break;
			}
			default:
				*bad = start;
				return -1;
			}
		}
		if (o >= outlen) {
			*bad = p;
			return -1;
		}
		out[o++] = c;
	}
	return (long)o;
}
