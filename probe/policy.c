/* Audit policies. jansson parses the file (duplicate keys rejected) and reports where
 * malformed JSON goes wrong, but it keeps no positions for values, so a schema error
 * (unknown field, bad port, unknown exposure) is located by a second, small scan of the
 * same bytes: the text is already known to be valid JSON, so a plain recursive walk
 * that follows the path to the offending key or value is exact. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/policy.h"
#include "probe/escape.h"

#define POLICY_MAX_BYTES (16u << 20)
#define COMM_MAX 15	/* TASK_COMM_LEN - 1: the kernel cuts process names there */

/* ---- locating a key or value in the text ---- */

/* One step of a path: a member key, or an array index when key is NULL. */
struct step {
	const char *key;
	size_t index;
};

struct scan {
	const unsigned char *s;
	size_t len, i;
	int line, col;		/* of s[i], both from 1; columns count characters */
};

struct ctx {
	const char *text;
	size_t len;
	const char *name;
	ps_err *err;
};

static void sc_adv(struct scan *sc)
{
	if (sc->i >= sc->len)
		return;
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->col = 1;
	} else if ((sc->s[sc->i] & 0xc0) != 0x80) {
		/* Continuation bytes do not start a character. */
		sc->col++;
	}
	sc->i++;
	while (sc->i < sc->len && (sc->s[sc->i] & 0xc0) == 0x80)
		sc->i++;
}

static int sc_peek(const struct scan *sc)
{
	return sc->i < sc->len ? sc->s[sc->i] : -1;
}

static void sc_ws(struct scan *sc)
{
	int c;

	while ((c = sc_peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		sc_adv(sc);
}

static unsigned sc_hex4(struct scan *sc)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		int h = ps_hexval(sc_peek(sc));

		v = v * 16 + (unsigned)(h < 0 ? 0 : h);
		sc_adv(sc);
	}
	return v;
}

static size_t put_utf8(char *out, size_t o, size_t cap, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (size_t k = 0; k < n && o < cap; k++)
		out[o++] = (char)b[k];
	return o;
}

/* Read a string at sc (on its opening quote), decoding escapes into out (cap bytes, kept
 * NUL-terminated; a longer string is cut, which only matters for keys we never use). */
static void sc_string(struct scan *sc, char *out, size_t cap)
{
	size_t o = 0;
	int c;

	sc_adv(sc);
	while ((c = sc_peek(sc)) >= 0 && c != '"') {
		if (c != '\\') {
			size_t start = sc->i;

			sc_adv(sc);
			for (size_t k = start; k < sc->i && o + 1 < cap; k++)
				out[o++] = (char)sc->s[k];
			continue;
		}
		sc_adv(sc);
		c = sc_peek(sc);
		sc_adv(sc);
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': {
			unsigned cp = sc_hex4(sc);

			if (cp >= 0xd800 && cp < 0xdc00 && sc_peek(sc) == '\\') {
				sc_adv(sc);
				sc_adv(sc);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (sc_hex4(sc) - 0xdc00);
			}
			if (cap > 0)
				o = put_utf8(out, o, cap - 1, cp);
			continue;
		}
		default: break;	/* a quote, backslash or slash stands for itself */
		}
		if (o + 1 < cap)
			out[o++] = (char)c;
	}
	sc_adv(sc);
	if (cap > 0)
		out[o] = '\0';
}

static void sc_skip(struct scan *sc);

static void sc_skip_container(struct scan *sc, int close)
{
	char key[8];

	sc_adv(sc);
	sc_ws(sc);
	if (sc_peek(sc) == close) {
		sc_adv(sc);
		return;
	}
	for (;;) {
		sc_ws(sc);
		if (close == '}') {
			sc_string(sc, key, sizeof(key));
			sc_ws(sc);
			sc_adv(sc);	/* ':' */
			sc_ws(sc);
		}
		sc_skip(sc);
		sc_ws(sc);
		if (sc_peek(sc) != ',')
			break;
		sc_adv(sc);
	}
	sc_adv(sc);	/* the closing bracket */
}

/* Skip one value; the text is valid JSON, so no error checks are needed beyond the end. */
static void sc_skip(struct scan *sc)
{
	char tmp[8];
	int c = sc_peek(sc);

	if (c == '{' || c == '[') {
		sc_skip_container(sc, c == '{' ? '}' : ']');
	} else if (c == '"') {
		sc_string(sc, tmp, sizeof(tmp));
	} else {
		while ((c = sc_peek(sc)) >= 0 && c != ',' && c != '}' && c != ']' && c != ' ' &&
		       c != '\t' && c != '\n' && c != '\r')
			sc_adv(sc);
	}
}

/* Follow path from the value at sc. On success set line and col to the value the path
 * names, or to its key when want_key (the last step must then be a key). Returns 0, or
 * -1 when the path is not in the text. */
static int sc_find(struct scan *sc, const struct step *path, size_t n, bool want_key, int *line,
		   int *col)
{
	int c;

	sc_ws(sc);
	if (n == 0) {
		*line = sc->line;
		*col = sc->col;
		return 0;
	}
	c = sc_peek(sc);
	if (path->key ? c != '{' : c != '[')
		return -1;
	sc_adv(sc);
	sc_ws(sc);
	if (sc_peek(sc) == (path->key ? '}' : ']'))
		return -1;
	for (size_t idx = 0;; idx++) {
		sc_ws(sc);
		if (path->key) {
			char key[256];
			int kl = sc->line, kc = sc->col;

			sc_string(sc, key, sizeof(key));
			sc_ws(sc);
			sc_adv(sc);
			if (strcmp(key, path->key) == 0) {
				if (n == 1 && want_key) {
					*line = kl;
					*col = kc;
					return 0;
				}
				return sc_find(sc, path + 1, n - 1, want_key, line, col);
			}
		} else if (idx == path->index) {
			return sc_find(sc, path + 1, n - 1, want_key, line, col);
		}
		sc_ws(sc);
		sc_skip(sc);
		sc_ws(sc);
		if (sc_peek(sc) != ',')
			return -1;
		sc_adv(sc);
	}
}

/* Place the scanner on the value path names (keys only). Returns 0, or -1 when absent. */
static int sc_enter(struct scan *sc, const char *key)
{
	int c;

	sc_ws(sc);
	if (sc_peek(sc) != '{')
		return -1;
	sc_adv(sc);
	for (;;) {
		char k[256];

		sc_ws(sc);
		if (sc_peek(sc) != '"')
			return -1;
		sc_string(sc, k, sizeof(k));
		sc_ws(sc);
		sc_adv(sc);	/* ':' */
		sc_ws(sc);
		if (strcmp(k, key) == 0)
			return 0;
		sc_skip(sc);
		sc_ws(sc);
		if ((c = sc_peek(sc)) != ',')
			return -1;
		sc_adv(sc);
	}
}

/* Set line and column of each of the n rules of section from one walk over its array
 * (a search per rule would make a large policy quadratic). */
static void locate_rules(const struct ctx *cx, const char *section, struct ps_rule *rules,
			 size_t n)
{
	struct scan sc = { (const unsigned char *)cx->text, cx->len, 0, 1, 1 };

	if (n == 0 || sc_enter(&sc, section) < 0 || sc_peek(&sc) != '[')
		return;
	sc_adv(&sc);
	for (size_t i = 0; i < n; i++) {
		sc_ws(&sc);
		rules[i].line = sc.line;
		rules[i].column = sc.col;
		sc_skip(&sc);
		sc_ws(&sc);
		if (sc_peek(&sc) != ',')
			return;
		sc_adv(&sc);
	}
}

/* ---- parsing ---- */

__attribute__((format(printf, 5, 6)))
static int fail_at(const struct ctx *cx, const struct step *path, size_t n, bool want_key,
		   const char *fmt, ...)
{
	struct scan sc = { (const unsigned char *)cx->text, cx->len, 0, 1, 1 };
	char reason[200];
	int line = 1, col = 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* The path always exists (it came from the parsed tree); 1:1 is only a fallback. */
	if (sc_find(&sc, path, n, want_key, &line, &col) < 0) {
		line = 1;
		col = 1;
	}
	return ps_err_set(cx->err, "%s:%d:%d: %s", cx->name, line, col, reason);
}

/* Text of a JSON value for messages, escaped and cut short. */
static const char *show(const json_t *v, char *buf, size_t len)
{
	char *dump;

	if (json_is_string(v)) {
		ps_escape(json_string_value(v), json_string_length(v), buf, len);
		return buf;
	}
	dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!dump) {
		snprintf(buf, len, "?");
		return buf;
	}
	ps_escape(dump, strlen(dump), buf, len);
	free(dump);
	return buf;
}

static const char *const rule_fields[] = {
	"proto", "family", "port", "address", "exposure", "command", "user", "comment",
};

static char *dup_string(const json_t *v)
{
	return strndup(json_string_value(v), json_string_length(v));
}

#define OOM (-2)

/* A string-valued field; returns 0, or -1 (after fail_at) when v is not a non-empty
 * string without NUL bytes. */
static int want_string(const struct ctx *cx, struct step *path, const char *field,
		       const json_t *v)
{
	char buf[64];

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fail_at(cx, path, 3, false, "%s must be a non-empty string, not %s", field,
			       show(v, buf, sizeof(buf)));
	return 0;
}

static int parse_port(const struct ctx *cx, struct step *path, const json_t *v,
		      struct ps_rule *r)
{
	char buf[64];
	ps_err perr;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 1 || n > 65535)
			return fail_at(cx, path, 3, false, "port %lld out of range (1-65535)",
				       (long long)n);
		r->port = (uint16_t)n;
		r->port_is_number = true;
		r->port_text = malloc(8);
		if (!r->port_text)
			return OOM;
		snprintf(r->port_text, 8, "%u", (unsigned)n);
		return 0;
	}
	if (!json_is_string(v))
		return fail_at(cx, path, 3, false,
			       "port must be a number or a port spec string, not %s",
			       show(v, buf, sizeof(buf)));
	if (want_string(cx, path, "port", v) < 0)
		return -1;
	/* A bitmap only for a SPEC: --init policies have thousands of single ports. */
	r->ports = calloc(1, sizeof(*r->ports));
	if (!r->ports)
		return OOM;
	if (ps_ports_parse_spec(json_string_value(v),
				(r->has & PS_RULE_PROTO) ? (r->proto == IPPROTO_TCP ? "tcp" : "udp")
							 : NULL,
				false, r->ports, &perr) < 0)
		return fail_at(cx, path, 3, false, "bad port: %s", perr.msg);
	r->port_text = dup_string(v);
	return r->port_text ? 0 : OOM;
}

static int parse_field(const struct ctx *cx, struct step *path, const char *key,
		       const json_t *v, struct ps_rule *r)
{
	char buf[64];

	if (strcmp(key, "port") == 0) {
		r->has |= PS_RULE_PORT;
		return parse_port(cx, path, v, r);
	}
	if (strcmp(key, "user") == 0 && json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0 || n >= UINT32_MAX)
			return fail_at(cx, path, 3, false, "uid %lld out of range", (long long)n);
		r->has |= PS_RULE_USER;
		r->user_is_uid = true;
		r->uid = (uint32_t)n;
		return 0;
	}
	if (want_string(cx, path, key, v) < 0)
		return -1;
	const char *s = json_string_value(v);

	if (strcmp(key, "proto") == 0) {
		if (strcmp(s, "tcp") && strcmp(s, "udp"))
			return fail_at(cx, path, 3, false, "unknown proto '%s' (tcp, udp)",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_PROTO;
		r->proto = s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
	} else if (strcmp(key, "family") == 0) {
		if (strcmp(s, "ipv4") && strcmp(s, "ipv6"))
			return fail_at(cx, path, 3, false, "unknown family '%s' (ipv4, ipv6)",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_FAMILY;
		r->family = strcmp(s, "ipv4") == 0 ? AF_INET : AF_INET6;
	} else if (strcmp(key, "address") == 0) {
		memset(&r->addr, 0, sizeof(r->addr));
		if (inet_pton(AF_INET, s, &r->addr) == 1)
			r->addr_family = AF_INET;
		else if (inet_pton(AF_INET6, s, &r->addr) == 1)
			r->addr_family = AF_INET6;
		else
			return fail_at(cx, path, 3, false,
				       "address '%s' is not an IPv4 or IPv6 address",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_ADDRESS;
		r->address_text = dup_string(v);
		if (!r->address_text)
			return OOM;
	} else if (strcmp(key, "exposure") == 0) {
		if (ps_exposure_parse(s, &r->exposure) < 0)
			return fail_at(cx, path, 3, false,
				       "unknown exposure '%s' (loopback, all, specific)",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_EXPOSURE;
	} else if (strcmp(key, "command") == 0) {
		/* A name with no escapes longer than the kernel's limit could never match. */
		if (!strchr(s, '\\') && strlen(s) > COMM_MAX)
			return fail_at(cx, path, 3, false,
				       "command '%s' is longer than the %d characters the kernel "
				       "keeps of a process name", show(v, buf, sizeof(buf)), COMM_MAX);
		r->has |= PS_RULE_COMMAND;
		r->command = dup_string(v);
		if (!r->command)
			return OOM;
	} else if (strcmp(key, "user") == 0) {
		r->has |= PS_RULE_USER;
		r->user = dup_string(v);
		if (!r->user)
			return OOM;
	} else {	/* comment */
		r->comment = dup_string(v);
		if (!r->comment)
			return OOM;
	}
	return 0;
}

static void rule_free(struct ps_rule *r)
{
	free(r->ports);
	free(r->port_text);
	free(r->address_text);
	free(r->command);
	free(r->user);
	free(r->comment);
}

static int parse_rule(const struct ctx *cx, struct step *path, const json_t *obj,
		      struct ps_rule *r)
{
	char buf[64];
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(obj))
		return fail_at(cx, path, 2, false, "a rule must be an object, not %s",
			       show(obj, buf, sizeof(buf)));
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t k = 0; k < sizeof(rule_fields) / sizeof(rule_fields[0]); k++)
			known |= strcmp(key, rule_fields[k]) == 0;
		if (!known) {
			path[2].key = key;
			ps_escape(key, strlen(key), buf, sizeof(buf));
			return fail_at(cx, path, 3, true,
				       "unknown field '%s' (proto, family, port, address, exposure, "
				       "command, user, comment)", buf);
		}
	}
	/* proto first: a service name in port is looked up for the rule's protocol. */
	if ((v = json_object_get(obj, "proto"))) {
		path[2].key = "proto";
		if ((rc = parse_field(cx, path, "proto", v, r)) != 0)
			return rc;
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "proto") == 0)
			continue;
		path[2].key = key;
		if ((rc = parse_field(cx, path, key, v, r)) != 0)
			return rc;
	}
	if ((r->has & PS_RULE_FAMILY) && (r->has & PS_RULE_ADDRESS) &&
	    r->family != r->addr_family) {
		path[2].key = "address";
		return fail_at(cx, path, 3, false, "address '%s' is not %s", r->address_text,
			       r->family == AF_INET ? "ipv4" : "ipv6");
	}
	return 0;
}

static int parse_section(const struct ctx *cx, const char *key, const json_t *arr,
			 struct ps_rule **out, size_t *nout)
{
	struct step path[3] = { { key, 0 }, { NULL, 0 }, { NULL, 0 } };
	enum ps_rule_section sec = strcmp(key, "allow") == 0 ? PS_SECTION_ALLOW
							     : PS_SECTION_REQUIRE;
	char buf[64];
	size_t n;

	if (!json_is_array(arr))
		return fail_at(cx, path, 1, false, "'%s' must be an array of rules, not %s", key,
			       show(arr, buf, sizeof(buf)));
	n = json_array_size(arr);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return OOM;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		struct ps_rule *r = &(*out)[i];
		int rc;

		r->section = sec;
		r->index = i;
		path[1].index = i;
		rc = parse_rule(cx, path, json_array_get(arr, i), r);
		*nout = i + 1;	/* so that a partial rule is freed too */
		if (rc != 0)
			return rc;
	}
	locate_rules(cx, key, *out, n);
	return 0;
}

void ps_policy_free(struct ps_policy *p)
{
	for (size_t i = 0; i < p->nallow; i++)
		rule_free(&p->allow[i]);
	for (size_t i = 0; i < p->nrequire; i++)
		rule_free(&p->require[i]);
	free(p->allow);
	free(p->require);
	memset(p, 0, sizeof(*p));
}

int ps_policy_parse(const char *text, size_t len, const char *name, struct ps_policy *p,
		    ps_err *err)
{
	struct ctx cx = { text, len, name, err };
	struct ps_policy pol = { 0 };
	struct step path[1] = { { NULL, 0 } };
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	char buf[64];
	int rc = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ps_err_set(err, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = fail_at(&cx, path, 0, false,
			     "a policy is an object with \"allow\" and \"require\" arrays");
		goto end;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "allow") && strcmp(key, "require")) {
			path[0].key = key;
			ps_escape(key, strlen(key), buf, sizeof(buf));
			rc = fail_at(&cx, path, 1, true, "unknown field '%s' (allow, require)", buf);
			goto end;
		}
	}
	if ((v = json_object_get(root, "allow")) &&
	    (rc = parse_section(&cx, "allow", v, &pol.allow, &pol.nallow)) != 0)
		goto end;
	if ((v = json_object_get(root, "require")) &&
	    (rc = parse_section(&cx, "require", v, &pol.require, &pol.nrequire)) != 0)
		goto end;
end:
	json_decref(root);
	if (rc != 0) {
		if (rc == OOM)
			ps_err_set(err, "out of memory");
		ps_policy_free(&pol);
		return rc;
	}
	*p = pol;
	return 0;
}

int ps_policy_load(const char *path, struct ps_policy *p, ps_err *err)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f)
		return ps_err_set(err, "cannot read policy '%s': %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nt;

			if (cap >= POLICY_MAX_BYTES) {
				fclose(f);
				free(text);
				return ps_err_set(err, "policy '%s' is larger than %u bytes", path,
						  POLICY_MAX_BYTES);
			}
			cap = cap ? cap * 2 : 4096;
			nt = realloc(text, cap);
			if (!nt) {
				fclose(f);
				free(text);
				ps_err_set(err, "out of memory");
				return OOM;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(text);
		return ps_err_set(err, "cannot read policy '%s': %s", path, strerror(e));
	}
	if (fclose(f) != 0) {
		free(text);
		return ps_err_set(err, "cannot read policy '%s': %s", path, strerror(errno));
	}
	rc = ps_policy_parse(text ? text : "", len, path, p, err);
	free(text);
	return rc;
}

/* ---- matching ---- */

static bool match_command(const char *want, const struct sock_rec *s)
{
	for (uint32_t i = 0; i < s->nprocs; i++) {
		char shown[4 * sizeof(s->procs[i].command) + 1];

		ps_escape(s->procs[i].command, strlen(s->procs[i].command), shown, sizeof(shown));
		if (strcmp(shown, want) == 0)
			return true;
	}
	return false;
}

static bool match_user(const struct ps_rule *r, const struct sock_rec *s)
{
	const char *name;
	char num[16];

	if (r->user_is_uid)
		return s->uid == r->uid;
	name = ps_sock_user(s->uid);
	if (name)
		return strcmp(name, r->user) == 0;
	/* No passwd entry (a container's user): the uid is all there is to compare. */
	snprintf(num, sizeof(num), "%u", s->uid);
	return strcmp(num, r->user) == 0;
}

bool ps_policy_match(const struct ps_rule *r, const struct sock_rec *s)
{
	if ((r->has & PS_RULE_PROTO) && s->proto != r->proto)
		return false;
	if ((r->has & PS_RULE_FAMILY) && s->family != r->family)
		return false;
	if ((r->has & PS_RULE_PORT) &&
	    !(r->ports ? ps_portset_has(r->ports, s->local_port) : s->local_port == r->port))
		return false;
	if (r->has & PS_RULE_ADDRESS) {
		if (s->family != r->addr_family)
			return false;
		if (memcmp(&s->local, &r->addr, s->family == AF_INET ? 4 : 16) != 0)
			return false;
	}
	if ((r->has & PS_RULE_EXPOSURE) && ps_sock_exposure(s) != r->exposure)
		return false;
	if ((r->has & PS_RULE_COMMAND) && !match_command(r->command, s))
		return false;
	if ((r->has & PS_RULE_USER) && !match_user(r, s))
		return false;
	return true;
}

static int push(struct ps_findings *out, enum ps_finding_kind kind, const struct ps_rule *rule,
		const struct sock_rec *sock, ps_err *err)
{
	if (out->len == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 16;
		struct ps_finding *nv = realloc(out->v, ncap * sizeof(*nv));

		if (!nv)
			return ps_err_set(err, "out of memory");
		out->v = nv;
		out->cap = ncap;
	}
	out->v[out->len++] = (struct ps_finding){ kind, rule, sock };
	return 0;
}

/* Rules of one section by port number: a rule with a numeric port is looked at only for
 * sockets on that port, the others (no port, or a SPEC) for every socket. This keeps an
 * --init policy of thousands of rules against thousands of sockets near linear. */
struct rule_index {
	uint32_t *start;	/* 65537 offsets into by_port */
	const struct ps_rule **by_port;
	const struct ps_rule **general;
	size_t ngeneral;
};

static void index_free(struct rule_index *ix)
{
	free(ix->start);
	free(ix->by_port);
	free(ix->general);
}

static int index_build(struct rule_index *ix, const struct ps_rule *rules, size_t n)
{
	memset(ix, 0, sizeof(*ix));
	ix->start = calloc(65537, sizeof(*ix->start));
	ix->by_port = malloc((n ? n : 1) * sizeof(*ix->by_port));
	ix->general = malloc((n ? n : 1) * sizeof(*ix->general));
	if (!ix->start || !ix->by_port || !ix->general)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (rules[i].port_is_number)
			ix->start[rules[i].port + 1]++;
	for (size_t p = 1; p <= 65536; p++)
		ix->start[p] += ix->start[p - 1];
	for (size_t i = 0; i < n; i++) {
		if (rules[i].port_is_number)
			ix->by_port[ix->start[rules[i].port]++] = &rules[i];
		else
			ix->general[ix->ngeneral++] = &rules[i];
	}
	/* The fill advanced each start to the next port's: shift back. */
	for (size_t p = 65536; p > 0; p--)
		ix->start[p] = ix->start[p - 1];
	ix->start[0] = 0;
	return 0;
}

/* Call fn for every rule of ix that matches s, until fn returns true. Returns whether
 * some call did. */
static bool index_each(const struct rule_index *ix, const struct sock_rec *s,
		       bool (*fn)(const struct ps_rule *r, void *ctx), void *ctx)
{
	for (uint32_t k = ix->start[s->local_port]; k < ix->start[s->local_port + 1]; k++)
		if (ps_policy_match(ix->by_port[k], s) && fn(ix->by_port[k], ctx))
			return true;
	for (size_t k = 0; k < ix->ngeneral; k++)
		if (ps_policy_match(ix->general[k], s) && fn(ix->general[k], ctx))
			return true;
	return false;
}

static bool stop_at_first(const struct ps_rule *r, void *ctx)
{
	(void)r;
	(void)ctx;
	return true;
}

struct require_marks {
	const struct ps_rule *base;
	bool *found;
};

static bool mark_found(const struct ps_rule *r, void *ctx)
{
	struct require_marks *m = ctx;

	m->found[r - m->base] = true;
	return false;	/* every require rule this socket satisfies */
}

int ps_policy_audit(const struct ps_policy *p, const struct sock_rec *const *recs, size_t n,
		    struct ps_findings *out, ps_err *err)
{
	struct rule_index allow = { 0 }, require = { 0 };
	struct require_marks marks = { p->require, NULL };
	int rc = -1;

	if (index_build(&allow, p->allow, p->nallow) < 0 ||
	    index_build(&require, p->require, p->nrequire) < 0 ||
	    !(marks.found = calloc(p->nrequire ? p->nrequire : 1, sizeof(*marks.found)))) {
		ps_err_set(err, "out of memory");
		goto end;
	}
	for (size_t i = 0; i < n; i++) {
		if (!index_each(&allow, recs[i], stop_at_first, NULL) &&
		    push(out, PS_FINDING_UNEXPECTED, NULL, recs[i], err) < 0)
			goto end;
		index_each(&require, recs[i], mark_found, &marks);
	}
	for (size_t k = 0; k < p->nrequire; k++)
		if (!marks.found[k] && push(out, PS_FINDING_MISSING, &p->require[k], NULL, err) < 0)
			goto end;
	rc = 0;
end:
	free(marks.found);
	index_free(&allow);
	index_free(&require);
	return rc;
}

void ps_findings_free(struct ps_findings *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

const char *ps_finding_kind_name(enum ps_finding_kind k)
{
	return k == PS_FINDING_UNEXPECTED ? "unexpected" : "missing";
}

const char *ps_rule_section_name(enum ps_rule_section s)
{
	return s == PS_SECTION_ALLOW ? "allow" : "require";
}
