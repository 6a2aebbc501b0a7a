/* Renderers: escaping, the JSON writer, the column table and socket records, captured
 * with open_memstream. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "probe/escape.h"
#include "report/audit.h"
#include "report/events.h"
#include "report/json.h"
#include "report/sockets.h"
#include "report/table.h"

static FILE *mem_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	cr_assert(f);
	return f;
}

Test(escape, control_bytes_and_escape_sequences)
{
	char out[128];
	const char in[] = "ok\033[2J\n\t\\\x7f\xc3\xa9";

	ps_escape(in, sizeof(in) - 1, out, sizeof(out));
	cr_assert_str_eq(out, "ok\\x1b[2J\\n\\t\\\\\\x7f\\xc3\\xa9");
}

Test(escape, truncates_at_an_escape_boundary)
{
	char out[6];

	ps_escape("\033\033\033", 3, out, sizeof(out));
	cr_assert_str_eq(out, "\\x1b");
}

Test(escape, unescape_user_text)
{
	char out[32];
	const char *bad = NULL;
	long n = ps_unescape("GET /\\r\\n\\x41\\\\", out, sizeof(out), &bad);

	cr_assert_eq(n, 9);
	cr_assert_eq(memcmp(out, "GET /\r\nA\\", 9), 0);
	cr_assert_eq(ps_unescape("a\\q", out, sizeof(out), &bad), -1);
	cr_assert_str_eq(bad, "\\q");
	cr_assert_eq(ps_unescape("\\xZZ", out, sizeof(out), &bad), -1);
	cr_assert_eq(ps_unescape("\\x4", out, sizeof(out), &bad), -1);
}

Test(json, writer_produces_valid_json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);
	struct ps_json j;
	json_error_t e;
	json_t *doc;

	ps_json_init(&j, f, 2);
	ps_json_begin_doc(&j, "test");
	ps_json_array(&j, "items");
	ps_json_object(&j, NULL);
	ps_json_str(&j, "name", "a\"b\\c\033");
	ps_json_int(&j, "n", -42);
	ps_json_bool(&j, "t", true);
	ps_json_null(&j, "z");
	ps_json_double(&j, "d", 1.5, 3);
	ps_json_end(&j);
	ps_json_end(&j);
	ps_json_array(&j, "empty");
	ps_json_end(&j);
	ps_json_end_doc(&j);
	fclose(f);
	doc = json_loads(buf, 0, &e);
	cr_assert(doc, "%s: %s", e.text, buf);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "portscope.test/1");
	{
		json_t *it = json_array_get(json_object_get(doc, "items"), 0);

		/* Valid UTF-8 text as it is: the decoded value is the text written. */
		cr_assert_str_eq(json_string_value(json_object_get(it, "name")), "a\"b\\c\033");
		cr_assert_eq(json_integer_value(json_object_get(it, "n")), -42);
		cr_assert(json_is_true(json_object_get(it, "t")));
		cr_assert(json_is_null(json_object_get(it, "z")));
		cr_assert_float_eq(json_real_value(json_object_get(it, "d")), 1.5, 1e-9);
	}
	cr_assert_eq(json_array_size(json_object_get(doc, "empty")), 0);
	json_decref(doc);
	free(buf);
}

static struct sock_rec make_rec(const char *addr, uint16_t port, uint8_t state)
{
	struct sock_rec r = { 0 };

	r.proto = IPPROTO_TCP;
	r.state = state;
	r.v6only = -1;
	r.local_port = port;
	if (strchr(addr, ':')) {
		r.family = AF_INET6;
		inet_pton(AF_INET6, addr, &r.local);
	} else {
		r.family = AF_INET;
		inet_pton(AF_INET, addr, &r.local);
	}
	return r;
}

Test(sockets_report, table_columns_and_escaped_owner)
{
	struct ps_proc procs[2] = { { 42, "nginx" }, { 43, "bad\033]0;x\007" } };
	struct sock_rec a = make_rec("127.0.0.1", 80, PS_SS_LISTEN);
	struct sock_rec b = make_rec("::", 4443, PS_SS_LISTEN);
	const struct sock_rec *recs[] = { &a, &b };
	struct ps_view view = { .numeric = false };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);

	a.procs = procs;
	a.nprocs = 2;
	b.v6only = 0;
	cr_assert_eq(ps_report_sockets(f, PS_FMT_TABLE, recs, 2, &view), 0);
	fclose(f);
	cr_assert(strstr(buf, "PROTO  STATE"), "%s", buf);
	cr_assert(strstr(buf, "127.0.0.1:80"), "%s", buf);
	cr_assert(strstr(buf, "[::]:4443"), "%s", buf);
	cr_assert(strstr(buf, "http"), "service name: %s", buf);
	cr_assert(strstr(buf, "all+v4"), "dual-stack wildcard: %s", buf);
	cr_assert(strstr(buf, "nginx(42),bad\\x1b]0;x\\x07(43)"), "%s", buf);
	cr_assert_null(strchr(buf, '\033'));
	cr_assert_null(strchr(buf, '\007'));
	free(buf);
}

Test(sockets_report, numeric_drops_service)
{
	struct sock_rec a = make_rec("0.0.0.0", 22, PS_SS_LISTEN);
	const struct sock_rec *recs[] = { &a };
	struct ps_view view = { .numeric = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);
	json_t *doc;

	cr_assert_eq(ps_report_sockets(f, PS_FMT_NDJSON, recs, 1, &view), 0);
	fclose(f);
	doc = json_loads(buf, 0, NULL);
	cr_assert(doc, "%s", buf);
	cr_assert(json_is_null(json_object_get(doc, "service")));
	cr_assert_str_eq(json_string_value(json_object_get(doc, "exposure")), "all");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "port_class")), "well-known");
	cr_assert_eq(json_array_size(json_object_get(doc, "processes")), 0);
	json_decref(doc);
	free(buf);
}

Test(sockets_report, json_summary_counts)
{
	struct sock_rec a = make_rec("127.0.0.1", 80, PS_SS_LISTEN);
	struct sock_rec b = make_rec("::", 50000, PS_SS_LISTEN);
	struct sock_rec c = make_rec("10.1.2.3", 2000, PS_SS_LISTEN);
	const struct sock_rec *recs[] = { &a, &b, &c };
	struct ps_view view = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);
	json_t *doc, *sum;

	c.proto = IPPROTO_UDP;
	c.state = PS_SS_CLOSE;
	cr_assert_eq(ps_report_sockets(f, PS_FMT_JSON, recs, 3, &view), 0);
	fclose(f);
	doc = json_loads(buf, 0, NULL);
	cr_assert(doc, "%s", buf);
	sum = json_object_get(doc, "summary");
	cr_assert_eq(json_integer_value(json_object_get(sum, "total")), 3);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(sum, "proto"), "udp")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(sum, "exposure"), "specific")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(sum, "port_class"), "dynamic")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(doc, "sockets"), 2), "state")),
			 "unconn");
	json_decref(doc);
	free(buf);
}

/* The UNIT column of audit and watch tables, from the entries of a cgroup map over a fake
 * tree: a unit whose name holds an escape byte, and a docker container. */
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const char *const fake_dirs[] = {
	"system.slice", "system.slice/bad\033x.service", "system.slice/docker-" CID ".scope",
};
#define NFAKE (sizeof(fake_dirs) / sizeof(fake_dirs[0]))

struct fake_tree {
	char dir[64];
	struct ps_cgroup_map *map;
	const struct ps_cgroup_entry *unit, *box;
};

static const struct ps_cgroup_entry *fake_entry(struct fake_tree *t, const char *name)
{
	const struct ps_cgroup_entry *e = NULL;
	char path[256];
	struct stat st;
	ps_err err;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_eq(ps_cgroup_map_lookup(t->map, (uint64_t)st.st_ino, &e, &err), 1, "%s", path);
	return e;
}

static void fake_tree_make(struct fake_tree *t)
{
	char path[256];
	ps_err err;

	strcpy(t->dir, "/tmp/portscope-units-XXXXXX");
	cr_assert(mkdtemp(t->dir));
	for (size_t i = 0; i < NFAKE; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, fake_dirs[i]);
		cr_assert_eq(mkdir(path, 0700), 0, "%s", path);
	}
	t->map = ps_cgroup_map_new(t->dir, "/", &err);
	cr_assert(t->map);
	t->unit = fake_entry(t, fake_dirs[1]);
	t->box = fake_entry(t, fake_dirs[2]);
}

static void fake_tree_free(struct fake_tree *t)
{
	char path[256];

	for (size_t i = NFAKE; i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, fake_dirs[i]);
		rmdir(path);
	}
	rmdir(t->dir);
	ps_cgroup_map_free(t->map);
}

/* The header line of a table, and whether UNIT sits right before PROCESS in it. */
static bool unit_before_process(const char *buf)
{
	const char *nl = strchr(buf, '\n'), *u = strstr(buf, " UNIT "), *p = strstr(buf, " PROCESS");

	return nl && u && p && u < p && p < nl && strspn(u + 5, " ") == (size_t)(p + 1 - (u + 5));
}

static char *audit_table(const struct sock_rec *a, const struct sock_rec *b)
{
	struct ps_finding v[3] = {
		{ PS_FINDING_UNEXPECTED, NULL, a },
		{ PS_FINDING_UNEXPECTED, NULL, b },
		{ PS_FINDING_MISSING, NULL, NULL },
	};
	struct ps_audit_summary sum = { 2, 0, 0, "policy.json" };
	struct ps_view view = { .numeric = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);

	cr_assert_eq(ps_report_audit(f, PS_FMT_TABLE, v, 3, &sum, &view), 0);
	fclose(f);
	return buf;
}

Test(sockets_report, audit_table_unit_column_when_a_socket_has_one)
{
	struct sock_rec a = make_rec("127.0.0.1", 80, PS_SS_LISTEN);
	struct sock_rec b = make_rec("::", 4443, PS_SS_LISTEN);
	struct fake_tree t;
	char *buf;

	buf = audit_table(&a, &b);
	cr_assert_null(strstr(buf, "UNIT"), "no socket has a unit: %s", buf);
	free(buf);
	fake_tree_make(&t);
	a.cgroup = t.unit;
	b.cgroup = t.box;
	buf = audit_table(&a, &b);
	cr_assert(unit_before_process(buf), "%s", buf);
	cr_assert(strstr(buf, " bad\\x1bx.service "), "unit escaped: %s", buf);
	cr_assert(strstr(buf, " 0123456789ab "), "container id cut to 12: %s", buf);
	cr_assert_null(strstr(buf, CID), "%s", buf);
	cr_assert_null(strchr(buf, '\033'));
	free(buf);
	fake_tree_free(&t);
}

static char *watch_lines(const struct sock_rec *r, unsigned flags)
{
	struct ps_view view = { .numeric = true, .table_flags = flags };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);

	ps_report_event_header(f, PS_FMT_TABLE, &view);
	ps_report_event(f, PS_FMT_TABLE, true, "2026-01-01T00:00:00Z", r, &view);
	fclose(f);
	return buf;
}

Test(sockets_report, watch_table_unit_column_when_asked)
{
	struct sock_rec a = make_rec("127.0.0.1", 80, PS_SS_LISTEN);
	struct fake_tree t;
	char *buf;

	fake_tree_make(&t);
	a.cgroup = t.unit;
	buf = watch_lines(&a, 0);
	cr_assert_null(strstr(buf, "UNIT"), "%s", buf);
	free(buf);
	buf = watch_lines(&a, PS_TABLE_UNIT);
	cr_assert(unit_before_process(buf), "%s", buf);
	cr_assert(strstr(buf, " bad\\x1bx.service "), "%s", buf);
	free(buf);
	a.cgroup = NULL;	/* a listener with no unit, in a stream that has the column */
	buf = watch_lines(&a, PS_TABLE_UNIT);
	cr_assert(strstr(strchr(buf, '\n'), " - "), "%s", buf);
	free(buf);
	fake_tree_free(&t);
}
