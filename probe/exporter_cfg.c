/* The exporter's configuration file: modules and allow_targets (probe/exporter_cfg.h).
 * Parsed with jansson (duplicate keys refused); a schema error names the offending key or
 * value as FILE:LINE:COLUMN through a second scan of the same bytes (probe/jsonpos), as
 * audit policies do. The allow list is applied by probe/exporter_allow.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/escape.h"
#include "probe/exporter_cfg.h"
#include "probe/jsonload.h"
#include "probe/jsonpos.h"

#define XCFG_MAX_BYTES (4u << 20)
#define XCFG_MAX_MODULES 256
#define XCFG_MAX_ALLOW 4096

struct xctx {
	const char *text;
	size_t len;
	const char *name;
	ps_err *err;
	struct ps_jsonpos_step path[4];
};

__attribute__((format(printf, 4, 5)))
static int fail_at(struct xctx *cx, size_t depth, bool want_key, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return ps_jsonpos_err(cx->err, cx->text, cx->len, cx->name, cx->path, depth, want_key,
			      reason);
}

const char *ps_xmod_kind_name(enum ps_xmod_kind k)
{
	return k == PS_XMOD_UDP ? "udp" : k == PS_XMOD_TLS ? "tls" : "tcp";
}

static void module_init(struct ps_xmodule *m, const char *name, enum ps_xmod_kind kind)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->kind = kind;
	m->o.timeout_ms = 1000;	/* check's default */
	m->o.retries = -1;
	m->o.concurrency = 1;
	m->cert_days = -1;
}

/* A module's options point into its own buffers: after the array moves, follow them. */
static void module_repoint(struct ps_xmodule *m)
{
	m->o.send = m->o.send ? m->send : NULL;
	m->o.expect = m->o.expect ? m->expect : NULL;
	m->o.udp_payload = m->o.udp_payload ? m->payload.data : NULL;
}

static int add_module(struct ps_xconfig *c, const char *name, enum ps_xmod_kind kind,
		      ps_err *err)
{
	struct ps_xmodule *v = realloc(c->mods, (c->nmods + 1) * sizeof(*v));

	if (!v)
		return ps_err_nomem(err);
	for (size_t i = 0; i < c->nmods; i++)
		module_repoint(&v[i]);
	c->mods = v;
	module_init(&v[c->nmods++], name, kind);
	return 0;
}

int ps_xconfig_default(struct ps_xconfig *c, ps_err *err)
{
	memset(c, 0, sizeof(*c));
	if (add_module(c, "tcp", PS_XMOD_TCP, err) < 0 ||
	    add_module(c, "udp", PS_XMOD_UDP, err) < 0 ||
	    add_module(c, "tls", PS_XMOD_TLS, err) < 0) {
		ps_xconfig_free(c);
		return -1;
	}
	return 0;
}

void ps_xconfig_free(struct ps_xconfig *c)
{
	for (size_t i = 0; i < c->nmods; i++) {
		free(c->mods[i].sni);
		free(c->mods[i].ca);
	}
	for (size_t i = 0; i < c->nallow; i++) {
		free(c->allow[i].name);
		free(c->allow[i].ports);
	}
	free(c->mods);
	free(c->allow);
	memset(c, 0, sizeof(*c));
}

const struct ps_xmodule *ps_xconfig_module(const struct ps_xconfig *c, const char *name)
{
	for (size_t i = 0; i < c->nmods; i++)
		if (strcmp(c->mods[i].name, name) == 0)
			return &c->mods[i];
	return NULL;
}

/* Text of a JSON value for a message, escaped and cut short. */
static const char *show(const json_t *v, char *buf, size_t len)
{
	char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (json_is_string(v))
		ps_escape(json_string_value(v), json_string_length(v), buf, len);
	else if (dump)
		ps_escape(dump, strlen(dump), buf, len);
	else
		snprintf(buf, len, "?");
	free(dump);
	return buf;
}

/* The string value of member key (depth: path[depth-1] is set to key), or NULL. */
static const char *string_member(struct xctx *cx, size_t depth, const json_t *v, int *rc)
{
	char shown[80];

	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		return json_string_value(v);
	*rc = fail_at(cx, depth, false, "'%s' must be a string without NUL bytes, not %s",
		      cx->path[depth - 1].key, show(v, shown, sizeof(shown)));
	return NULL;
}

static int int_member(struct xctx *cx, size_t depth, const json_t *v, long min, long max,
		      long *out)
{
	char shown[80];

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail_at(cx, depth, false, "'%s' must be a whole number %ld-%ld, not %s",
			       cx->path[depth - 1].key, min, max, show(v, shown, sizeof(shown)));
	*out = (long)json_integer_value(v);
	return 0;
}

/* send/expect: the user escapes into buf, pointed to by *p. */
static int escaped_member(struct xctx *cx, size_t depth, const json_t *v, char *buf,
			  const char **p, size_t *plen)
{
	const char *s, *bad = NULL;
	char shown[80];
	long n;
	int rc = 0;

	if (!(s = string_member(cx, depth, v, &rc)))
		return rc;
	n = ps_unescape(s, buf, PS_PAYLOAD_MAX, &bad);
	if (n <= 0)
		return fail_at(cx, depth, false, "bad or empty '%s' %s",
			       cx->path[depth - 1].key, show(v, shown, sizeof(shown)));
	*p = buf;
	*plen = (size_t)n;
	return 0;
}

static int kind_member(struct xctx *cx, size_t depth, const json_t *v, struct ps_xmodule *m)
{
	static const char *const kinds[] = { "tcp", "udp", "tls" };
	const char *s;
	char shown[80];
	int rc = 0;

	if (!(s = string_member(cx, depth, v, &rc)))
		return rc;
	for (int k = 0; k < 3; k++)
		if (strcmp(s, kinds[k]) == 0) {
			m->kind = (enum ps_xmod_kind)k;
			return 0;
		}
	return fail_at(cx, depth, false, "unknown module kind '%s' (tcp, udp, tls)",
		       show(v, shown, sizeof(shown)));
}

static int family_member(struct xctx *cx, size_t depth, const json_t *v, struct ps_xmodule *m)
{
	const char *s;
	char shown[80];
	int rc = 0;

	if (!(s = string_member(cx, depth, v, &rc)))
		return rc;
	if (strcmp(s, "ipv4") == 0 || strcmp(s, "ip4") == 0)
		m->family = AF_INET;
	else if (strcmp(s, "ipv6") == 0 || strcmp(s, "ip6") == 0)
		m->family = AF_INET6;
	else if (strcmp(s, "any") == 0)
		m->family = AF_UNSPEC;
	else
		return fail_at(cx, depth, false, "unknown ip_protocol '%s' (ipv4, ipv6, any)",
			       show(v, shown, sizeof(shown)));
	return 0;
}

static int payload_member(struct xctx *cx, size_t depth, const json_t *v, struct ps_xmodule *m,
			  bool hex)
{
	const char *s;
	ps_err perr;
	int rc = 0;

	if (!(s = string_member(cx, depth, v, &rc)))
		return rc;
	if (m->has_payload)
		return fail_at(cx, depth, true, "give one of payload and payload_hex");
	if ((hex ? ps_payload_parse_hex(s, &m->payload, &perr)
		 : ps_payload_parse_text(s, &m->payload, &perr)) < 0)
		return fail_at(cx, depth, false, "%s in '%s'", perr.msg, cx->path[depth - 1].key);
	m->has_payload = true;
	m->o.udp_payload = m->payload.data;
	m->o.udp_payload_len = m->payload.len;
	return 0;
}

static int dup_member(struct xctx *cx, size_t depth, const json_t *v, char **out)
{
	const char *s;
	int rc = 0;

	if (!(s = string_member(cx, depth, v, &rc)))
		return rc;
	free(*out);
	if (!(*out = strdup(s)))
		return ps_err_nomem(cx->err);
	return 0;
}

/* One member of a module object; path[depth-1] is its key. */
static int module_field(struct xctx *cx, size_t depth, const char *key, const json_t *v,
			struct ps_xmodule *m)
{
	long n;

	if (strcmp(key, "kind") == 0)
		return kind_member(cx, depth, v, m);
	if (strcmp(key, "timeout_ms") == 0) {
		if (int_member(cx, depth, v, 1, 3600000, &n) < 0)
			return -1;
		m->o.timeout_ms = (int)n;
	} else if (strcmp(key, "retries") == 0) {
		if (int_member(cx, depth, v, 0, 100, &n) < 0)
			return -1;
		m->o.retries = (int)n;
	} else if (strcmp(key, "cert_days") == 0) {
		return int_member(cx, depth, v, 0, 100000, &m->cert_days);
	} else if (strcmp(key, "send") == 0) {
		return escaped_member(cx, depth, v, m->send, &m->o.send, &m->o.send_len);
	} else if (strcmp(key, "expect") == 0) {
		return escaped_member(cx, depth, v, m->expect, &m->o.expect, &m->o.expect_len);
	} else if (strcmp(key, "payload") == 0 || strcmp(key, "payload_hex") == 0) {
		return payload_member(cx, depth, v, m, key[7] == '_');
	} else if (strcmp(key, "ip_protocol") == 0) {
		return family_member(cx, depth, v, m);
	} else if (strcmp(key, "sni") == 0) {
		return dup_member(cx, depth, v, &m->sni);
	} else if (strcmp(key, "ca") == 0) {
		return dup_member(cx, depth, v, &m->ca);
	} else if (strcmp(key, "insecure") == 0) {
		if (!json_is_boolean(v))
			return fail_at(cx, depth, false, "'insecure' must be true or false");
		m->insecure = json_is_true(v);
	} else {
		char shown[80];

		ps_escape(key, strlen(key), shown, sizeof(shown));
		return fail_at(cx, depth, true,
			       "unknown module field '%s' (kind, timeout_ms, retries, send, expect, "
			       "payload, payload_hex, ip_protocol, sni, ca, insecure, cert_days)",
			       shown);
	}
	return 0;
}

static int parse_module(struct xctx *cx, const char *name, const json_t *obj,
			struct ps_xconfig *c)
{
	struct ps_xmodule *m;
	const char *key;
	json_t *v;
	char shown[80];

	cx->path[1] = (struct ps_jsonpos_step){ name, 0 };
	if (!*name || strlen(name) >= PS_XMOD_NAME_MAX)
		return fail_at(cx, 2, true, "module names are 1 to %d bytes", PS_XMOD_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
		{
			ps_escape(name, strlen(name), shown, sizeof(shown));
			return fail_at(cx, 2, true, "module name '%s': letters, digits, _ - . only",
				       shown);
		}
	if (!json_is_object(obj))
		return fail_at(cx, 2, false, "module '%s' must be an object", name);
	if (ps_xconfig_module(c, name)) {
		/* A file may redefine a built-in module; the later one wins. */
		m = (struct ps_xmodule *)ps_xconfig_module(c, name);
		free(m->sni);
		free(m->ca);
		module_init(m, name, PS_XMOD_TCP);
	} else {
		if (c->nmods >= XCFG_MAX_MODULES)
			return fail_at(cx, 2, true, "more than %d modules", XCFG_MAX_MODULES);
		if (add_module(c, name, PS_XMOD_TCP, cx->err) < 0)
			return -1;
		m = &c->mods[c->nmods - 1];
	}
	if (!json_object_get(obj, "kind"))
		return fail_at(cx, 2, true, "module '%s' needs a kind (tcp, udp, tls)", name);
	json_object_foreach((json_t *)obj, key, v) {
		cx->path[2] = (struct ps_jsonpos_step){ key, 0 };
		if (module_field(cx, 3, key, v, m) < 0)
			return -1;
	}
	return 0;
}

/* "CIDR", an address, "NAME" or "*.suffix" into a. */
static int parse_allow_host(struct xctx *cx, size_t depth, const char *s, struct ps_xallow *a)
{
	char buf[PS_HOST_MAX], *slash, *end;
	long prefix = -1;
	char shown[80];

	if (!*s || strlen(s) >= sizeof(buf))
		return fail_at(cx, depth, false, "empty or over-long host in allow_targets");
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/'))) {
		*slash = '\0';
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || prefix < 0)
			goto bad;
	}
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = AF_INET6;
	if (a->family) {
		unsigned max = a->family == AF_INET ? 32 : 128;

		if (prefix > (long)max)
			goto bad;
		a->prefix = prefix < 0 ? max : (unsigned)prefix;
		return 0;
	}
	if (slash)
		goto bad;
	for (char *p = buf; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-._*", *p))
			goto bad;
		*p = (char)tolower((unsigned char)*p);
	}
	if (strchr(buf + (buf[0] == '*'), '*') || (buf[0] == '*' && buf[1] != '.'))
		goto bad;
	a->is_name = true;
	if (!(a->name = strdup(buf)))
		return ps_err_nomem(cx->err);
	return 0;
bad:
	ps_escape(s, strlen(s), shown, sizeof(shown));
	return fail_at(cx, depth, false,
		       "bad host '%s' in allow_targets (an address, a CIDR, a name or *.suffix)",
		       shown);
}

static int parse_allow_entry(struct xctx *cx, const json_t *e, struct ps_xallow *a)
{
	const json_t *host = e, *ports = NULL;
	const char *key;
	json_t *v;
	ps_err perr;
	int rc = 0;
	const char *s;

	if (json_is_object(e)) {
		json_object_foreach((json_t *)e, key, v) {
			cx->path[2] = (struct ps_jsonpos_step){ key, 0 };
			if (strcmp(key, "host") != 0 && strcmp(key, "ports") != 0)
				return fail_at(cx, 3, true, "unknown allow_targets field (host, ports)");
		}
		host = json_object_get(e, "host");
		ports = json_object_get(e, "ports");
		if (!host)
			return fail_at(cx, 2, false, "allow_targets entry needs a host");
		cx->path[2] = (struct ps_jsonpos_step){ "host", 0 };
		if (!(s = string_member(cx, 3, host, &rc)) || parse_allow_host(cx, 3, s, a) < 0)
			return -1;
	} else if (json_is_string(e)) {
		if (!(s = string_member(cx, 2, e, &rc)) || parse_allow_host(cx, 2, s, a) < 0)
			return -1;
	} else {
		return fail_at(cx, 2, false, "allow_targets entries are strings or {host, ports}");
	}
	if (!ports)
		return 0;
	cx->path[2] = (struct ps_jsonpos_step){ "ports", 0 };
	if (!(s = string_member(cx, 3, ports, &rc)))
		return rc;
	if (!(a->ports = calloc(1, sizeof(*a->ports))))
		return ps_err_nomem(cx->err);
	if (ps_ports_parse_spec(s, NULL, false, a->ports, &perr) < 0)
		return fail_at(cx, 3, false, "%s", perr.msg);
	return 0;
}

static int parse_allow(struct xctx *cx, const json_t *arr, struct ps_xconfig *c)
{
	size_t i;
	json_t *e;

	if (!json_is_array(arr))
		return fail_at(cx, 1, false, "allow_targets must be an array");
	if (json_array_size(arr) > XCFG_MAX_ALLOW)
		return fail_at(cx, 1, false, "more than %d allow_targets entries", XCFG_MAX_ALLOW);
	if (!(c->allow = calloc(json_array_size(arr) + 1, sizeof(*c->allow))))
		return ps_err_nomem(cx->err);
	c->allow_given = true;
	json_array_foreach(arr, i, e) {
		cx->path[1] = (struct ps_jsonpos_step){ NULL, i };
		c->nallow = i + 1;
		if (parse_allow_entry(cx, e, &c->allow[i]) < 0)
			return -1;
	}
	return 0;
}

static int parse_root(struct xctx *cx, const json_t *root, struct ps_xconfig *c)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)root, key, v) {
		cx->path[0] = (struct ps_jsonpos_step){ key, 0 };
		if (strcmp(key, "modules") == 0) {
			const char *name;
			json_t *m;

			if (!json_is_object(v))
				return fail_at(cx, 1, false, "modules must be an object");
			json_object_foreach(v, name, m)
				if (parse_module(cx, name, m, c) < 0)
					return -1;
		} else if (strcmp(key, "allow_targets") == 0) {
			if (parse_allow(cx, v, c) < 0)
				return -1;
		} else {
			char shown[80];

			ps_escape(key, strlen(key), shown, sizeof(shown));
			return fail_at(cx, 1, true, "unknown field '%s' (modules, allow_targets)",
				       shown);
		}
	}
	return 0;
}

int ps_xconfig_parse(const char *text, size_t len, const char *name, struct ps_xconfig *c,
		     ps_err *err)
{
	struct xctx cx = { text, len, name, err, { { 0 } } };
	json_t *root;
	int rc;

	if (ps_xconfig_default(c, err) < 0)
		return -1;
	root = ps_json_load_user(text, len, name, err);
	if (!root) {
		ps_xconfig_free(c);
		return -1;
	}
	if (!json_is_object(root))
		rc = ps_err_input(err, "%s:1:1: the configuration must be a JSON object", name);
	else
		rc = parse_root(&cx, root, c);
	json_decref(root);
	if (rc < 0)
		ps_xconfig_free(c);
	return rc;
}

int ps_xconfig_load(const char *path, struct ps_xconfig *c, ps_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text;
	size_t len = 0;
	int rc;

	if (fd < 0)
		return ps_err_input(err, "cannot read config '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)XCFG_MAX_BYTES) {
		close(fd);
		return ps_err_input(err, "config '%s' is not a regular file of at most %u bytes",
				    path, XCFG_MAX_BYTES);
	}
	if (!(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return ps_err_nomem(err);
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = ps_xconfig_parse(text, len, path, c, err);
	free(text);
	return rc;
}
