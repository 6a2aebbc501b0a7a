/* Audit policies: reading and checking a policy file (the matcher is
 * probe/policy_match.c). jansson parses the file (duplicate keys rejected) and reports
 * where malformed JSON goes wrong, but it keeps no positions for values, so a schema error
 * (unknown field, bad port, unknown exposure) is located by a second, small scan of the
 * same bytes (probe/jsonpos.c): the text is already known to be valid JSON, so a plain
 * recursive walk that follows the path to the offending key or value is exact.
 * A well-formed policy is read rule by rule (parse_streamed: one small jansson tree per
 * rule, let go at once), so a million rules cost their own size and the text, not a tree
 * of several hundred bytes a rule; any fault sends the text through the whole-tree path
 * (parse_tree), which judges it as before, so messages and positions do not change. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/escape.h"
#include "probe/jsonload.h"
#include "probe/jsonpos.h"
#include "probe/jsonstream.h"
#include "probe/policy.h"
#include "probe/proto.h"

#define POLICY_MAX_BYTES (16u << 20)
#define COMM_MAX 15	/* TASK_COMM_LEN - 1: the kernel cuts process names there */

struct ctx {
	const char *text;
	size_t len;
	const char *name;
	ps_err *err;
};

static void rule_at(size_t i, int line, int col, void *rules)
{
	((struct ps_rule *)rules)[i].line = line;
	((struct ps_rule *)rules)[i].column = col;
}

__attribute__((format(printf, 5, 6)))
static int fail_at(const struct ctx *cx, const struct ps_jsonpos_step *path, size_t n, bool want_key,
		   const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return ps_jsonpos_err(cx->err, cx->text, cx->len, cx->name, path, n, want_key, reason);
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
	"proto", "family", "port", "address", "exposure", "command", "user", "unit", "container",
	"comment",
};

static char *dup_string(const json_t *v)
{
	return strndup(json_string_value(v), json_string_length(v));
}

/* A string-valued field; returns 0, or -1 (after fail_at) when v is not a non-empty
 * string without NUL bytes. */
static int want_string(const struct ctx *cx, struct ps_jsonpos_step *path, const char *field,
		       const json_t *v)
{
	char buf[64];

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fail_at(cx, path, 3, false, "%s must be a non-empty string, not %s", field,
			       show(v, buf, sizeof(buf)));
	return 0;
}

static int parse_port(const struct ctx *cx, struct ps_jsonpos_step *path, const json_t *v,
		      struct ps_rule *r)
{
	char buf[64];
	ps_err perr;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 1 || n > 65535)
			return fail_at(cx, path, 3, false, "port %lld out of range (1-65535)",
				       (long long)n);
		/* No text for a number: --init policies have one such rule per listener. */
		r->port = (uint16_t)n;
		r->port_is_number = true;
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
		return ps_err_nomem(cx->err);
	if (ps_ports_parse_spec(json_string_value(v),
				(r->has & PS_RULE_PROTO) ? ps_proto_name(r->proto) : NULL,
				false, r->ports, &perr) < 0)
		return fail_at(cx, path, 3, false, "bad port: %s", perr.msg);
	r->port_text = dup_string(v);
	return r->port_text ? 0 : ps_err_nomem(cx->err);
}

/* unit, container, comment: kept as written. */
static int string_field(const struct ctx *cx, const char *key, const json_t *v, struct ps_rule *r)
{
	char **dst = &r->comment;

	if (strcmp(key, "unit") == 0) {
		r->has |= PS_RULE_UNIT;
		dst = &r->unit;
	} else if (strcmp(key, "container") == 0) {
		r->has |= PS_RULE_CONTAINER;
		dst = &r->container;
	}
	*dst = dup_string(v);
	return *dst ? 0 : ps_err_nomem(cx->err);
}

static int parse_field(const struct ctx *cx, struct ps_jsonpos_step *path, const char *key,
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
		if (strcmp(s, "tcp") != 0 && strcmp(s, "udp") != 0)
			return fail_at(cx, path, 3, false, "unknown proto '%s' (tcp, udp)",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_PROTO;
		r->proto = s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
	} else if (strcmp(key, "family") == 0) {
		if (strcmp(s, "ipv4") != 0 && strcmp(s, "ipv6") != 0)
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
			return ps_err_nomem(cx->err);
	} else if (strcmp(key, "exposure") == 0) {
		enum ps_exposure e;

		if (ps_exposure_parse(s, &e) < 0)
			return fail_at(cx, path, 3, false,
				       "unknown exposure '%s' (loopback, all, specific)",
				       show(v, buf, sizeof(buf)));
		r->has |= PS_RULE_EXPOSURE;
		r->exposure = (uint8_t)e;
	} else if (strcmp(key, "command") == 0) {
		/* A name with no escapes longer than the kernel's limit could never match. */
		if (!strchr(s, '\\') && strlen(s) > COMM_MAX)
			return fail_at(cx, path, 3, false,
				       "command '%s' is longer than the %d characters the kernel "
				       "keeps of a process name", show(v, buf, sizeof(buf)), COMM_MAX);
		r->has |= PS_RULE_COMMAND;
		r->command = dup_string(v);
		if (!r->command)
			return ps_err_nomem(cx->err);
	} else if (strcmp(key, "user") == 0) {
		r->has |= PS_RULE_USER;
		r->user = dup_string(v);
		if (!r->user)
			return ps_err_nomem(cx->err);
	} else {
		return string_field(cx, key, v, r);
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
	free(r->unit);
	free(r->container);
	free(r->comment);
}

static int parse_rule(const struct ctx *cx, struct ps_jsonpos_step *path, const json_t *obj,
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
				       "command, user, unit, container, comment)", buf);
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
			       ps_family_name(r->family));
	}
	return 0;
}

static int parse_section(const struct ctx *cx, const char *key, const json_t *arr,
			 struct ps_rule **out, size_t *nout)
{
	struct ps_jsonpos_step path[3] = { { key, 0 }, { NULL, 0 }, { NULL, 0 } };
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
		return ps_err_nomem(cx->err);
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		struct ps_rule *r = &(*out)[i];
		int rc;

		r->section = (uint8_t)sec;
		r->index = (uint32_t)i;
		path[1].index = i;
		rc = parse_rule(cx, path, json_array_get(arr, i), r);
		*nout = i + 1;	/* so that a partial rule is freed too */
		if (rc != 0)
			return rc;
	}
	(void)ps_jsonpos_elements(cx->text, cx->len, key, n, rule_at, *out);
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

/* The whole text as one jansson tree: jansson judges the syntax (and names the fault),
 * then every rule is checked, allow before require. */
static int parse_tree(const char *text, size_t len, const char *name, struct ps_policy *p,
		      ps_err *err)
{
	struct ctx cx = { text, len, name, err };
	struct ps_policy pol = { 0 };
	struct ps_jsonpos_step path[1] = { { NULL, 0 } };
	const char *key;
	json_t *root, *v;
	char buf[64];
	int rc = 0;

	root = ps_json_load_user(text, len, name, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		rc = fail_at(&cx, path, 0, false,
			     "a policy is an object with \"allow\" and \"require\" arrays");
		goto end;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "allow") != 0 && strcmp(key, "require") != 0) {
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
		ps_policy_free(&pol);
		return rc;
	}
	*p = pol;
	return 0;
}

struct stream {
	const struct ctx *cx;
	struct ps_policy *pol;
	size_t cap[2];
};

/* One rule of the streamed walk: its object parsed alone, checked, then let go. Returns the
 * bytes it took, or -1 on any fault (the tree path then names it). */
static long stream_rule(const char *key, size_t i, const char *at, size_t left, void *arg)
{
	struct stream *st = arg;
	bool allow = key[0] == 'a';
	struct ps_rule **v = allow ? &st->pol->allow : &st->pol->require;
	size_t *n = allow ? &st->pol->nallow : &st->pol->nrequire, *cap = &st->cap[!allow];
	struct ps_jsonpos_step path[3] = { { key, i }, { NULL, i }, { NULL, 0 } };
	json_error_t jerr;
	json_t *obj;
	int rc;

	if (i == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ps_rule *t = realloc(*v, ncap * sizeof(*t));

		if (!t)
			return -1;
		*v = t;
		*cap = ncap;
	}
	obj = json_loadb(at, left, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
	if (!obj)
		return -1;
	memset(&(*v)[i], 0, sizeof((*v)[i]));
	(*v)[i].section = allow ? PS_SECTION_ALLOW : PS_SECTION_REQUIRE;
	(*v)[i].index = (uint32_t)i;
	*n = i + 1;	/* so that a partial rule is freed too */
	rc = parse_rule(st->cx, path, obj, &(*v)[i]);
	json_decref(obj);
	return rc == 0 && jerr.position > 0 ? (long)jerr.position : -1;
}

/* A well-formed policy walked rule by rule (probe/jsonstream.c), never all of it as a
 * jansson tree: the peak is the text and the rules. -1 on anything else, for parse_tree. */
static int parse_streamed(const char *text, size_t len, const char *name, struct ps_policy *p,
			  ps_err *err)
{
	static const char *const keys[] = { "allow", "require", NULL };
	struct ctx cx = { text, len, name, err };
	struct ps_policy pol = { 0 };
	struct stream st = { &cx, &pol, { 0, 0 } };

	if (ps_jsonstream_arrays(text, len, keys, stream_rule, &st) < 0) {
		ps_policy_free(&pol);
		return -1;
	}
	(void)ps_jsonpos_elements(text, len, "allow", pol.nallow, rule_at, pol.allow);
	(void)ps_jsonpos_elements(text, len, "require", pol.nrequire, rule_at, pol.require);
	*p = pol;
	return 0;
}

int ps_policy_parse(const char *text, size_t len, const char *name, struct ps_policy *p,
		    ps_err *err)
{
	if (parse_streamed(text, len, name, p, err) == 0)
		return 0;
	return parse_tree(text, len, name, p, err);
}

int ps_policy_load(const char *path, struct ps_policy *p, ps_err *err)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f)
		return ps_err_input(err, "cannot read policy '%s': %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nt;

			if (cap >= POLICY_MAX_BYTES) {
				fclose(f);
				free(text);
				return ps_err_input(err, "policy '%s' is larger than %u bytes", path,
						    POLICY_MAX_BYTES);
			}
			cap = cap ? cap * 2 : 4096;
			nt = realloc(text, cap);
			if (!nt) {
				fclose(f);
				free(text);
				return ps_err_nomem(err);
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
		return ps_err_input(err, "cannot read policy '%s': %s", path, strerror(e));
	}
	if (fclose(f) != 0) {
		free(text);
		return ps_err_input(err, "cannot read policy '%s': %s", path, strerror(errno));
	}
	rc = ps_policy_parse(text ? text : "", len, path, p, err);
	free(text);
	return rc;
}
