/* build/portscope list against sockets the test opens itself, and against ss. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/ports.h"
#include "tests/helpers.h"

static json_t *find_sock(json_t *doc, const char *proto, uint16_t port, const char *state)
{
	json_t *socks = json_object_get(doc, "sockets"), *s;
	size_t i;

	cr_assert(json_is_array(socks), "no sockets array");
	json_array_foreach(socks, i, s) {
		if (strcmp(json_string_value(json_object_get(s, "proto")), proto) == 0 &&
		    json_integer_value(json_object_get(s, "local_port")) == port &&
		    (!state || strcmp(json_string_value(json_object_get(s, "state")), state) == 0))
			return s;
	}
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool owned_by_me(json_t *s)
{
	json_t *procs = json_object_get(s, "processes"), *p;
	size_t i;

	json_array_foreach(procs, i, p)
		if (json_integer_value(json_object_get(p, "pid")) == getpid())
			return true;
	return false;
}

static ino_t inode_of(int fd)
{
	struct stat st;

	cr_assert(fstat(fd, &st) == 0);
	return st.st_ino;
}

Test(list, reports_every_socket_we_open_with_its_fields)
{
	uint16_t p_lo4 = 0, p_any4 = 0, p_lo6 = 0, p_dual = 0, p_u4 = 0, p_u6 = 0;
	int lo4 = t_tcp_listen("127.0.0.1", &p_lo4, -1);
	int any4 = t_tcp_listen("0.0.0.0", &p_any4, -1);
	int lo6 = t_tcp_listen("::1", &p_lo6, 1);
	int dual = t_tcp_listen("::", &p_dual, 0);
	int u4 = t_udp_bind("127.0.0.1", &p_u4, -1);
	int u6 = t_udp_bind("::1", &p_u6, 1);
	const char *argv[] = { NULL, "list", "-o", "json", NULL };
	struct passwd *pw = getpwuid(getuid());
	json_t *doc, *s;
	int rc;

	doc = t_run_json(argv, &rc);
	cr_assert_eq(rc, 0);
	cr_assert(doc);
	cr_assert_str_eq(str(doc, "schema"), "portscope.list/1");
	cr_assert(str(doc, "host") && str(doc, "time"));
	cr_assert(json_is_object(json_object_get(doc, "summary")));

	s = find_sock(doc, "tcp", p_lo4, "listen");
	cr_assert(s, "127.0.0.1:%u missing", p_lo4);
	cr_assert_str_eq(str(s, "family"), "ipv4");
	cr_assert_str_eq(str(s, "local_address"), "127.0.0.1");
	cr_assert(json_is_null(json_object_get(s, "remote_address")));
	cr_assert(json_is_null(json_object_get(s, "remote_port")));
	cr_assert_str_eq(str(s, "exposure"), "loopback");
	cr_assert_str_eq(str(s, "port_class"), ps_ports_class_name(ps_ports_class(p_lo4)));
	cr_assert_eq(json_is_true(json_object_get(s, "ephemeral")), ps_ports_ephemeral(p_lo4));
	cr_assert(json_is_null(json_object_get(s, "interface")));
	cr_assert(json_is_null(json_object_get(s, "v6only")));
	cr_assert_eq(json_integer_value(json_object_get(s, "uid")), getuid());
	if (pw)
		cr_assert_str_eq(str(s, "user"), pw->pw_name);
	cr_assert_eq((ino_t)json_integer_value(json_object_get(s, "inode")), inode_of(lo4));
	cr_assert_eq(json_integer_value(json_object_get(s, "send_q")), 16, "backlog");
	cr_assert(owned_by_me(s), "our pid is not among the owners");

	s = find_sock(doc, "tcp", p_any4, "listen");
	cr_assert(s);
	cr_assert_str_eq(str(s, "exposure"), "all");

	s = find_sock(doc, "tcp", p_lo6, "listen");
	cr_assert(s);
	cr_assert_str_eq(str(s, "family"), "ipv6");
	cr_assert_str_eq(str(s, "local_address"), "::1");
	cr_assert_str_eq(str(s, "exposure"), "loopback");
	cr_assert(json_is_true(json_object_get(s, "v6only")));

	s = find_sock(doc, "tcp", p_dual, "listen");
	cr_assert(s);
	cr_assert_str_eq(str(s, "local_address"), "::");
	cr_assert_str_eq(str(s, "exposure"), "all");
	cr_assert(json_is_false(json_object_get(s, "v6only")), "dual-stack socket");

	s = find_sock(doc, "udp", p_u4, "unconn");
	cr_assert(s, "udp 127.0.0.1:%u missing", p_u4);
	cr_assert_str_eq(str(s, "exposure"), "loopback");
	cr_assert(owned_by_me(s));
	s = find_sock(doc, "udp", p_u6, "unconn");
	cr_assert(s);
	cr_assert_str_eq(str(s, "family"), "ipv6");

	json_decref(doc);
	close(lo4); close(any4); close(lo6); close(dual); close(u4); close(u6);
}

Test(list, established_pairs_only_with_all)
{
	uint16_t port = 0;
	int l = t_tcp_listen("127.0.0.1", &port, -1), srv;
	int cli = t_tcp_pair("127.0.0.1", port, l, &srv);
	const char *def[] = { NULL, "list", "-t", "-o", "json", NULL };
	const char *all[] = { NULL, "list", "-a", "-t", "-o", "json", NULL };
	const char *st[] = { NULL, "list", "--state", "established", "-o", "json", NULL };
	json_t *doc, *s;
	int rc;

	doc = t_run_json(def, &rc);
	cr_assert_eq(rc, 0);
	cr_assert(find_sock(doc, "tcp", port, "listen"));
	cr_assert_null(find_sock(doc, "tcp", port, "established"), "default view is listeners only");
	json_decref(doc);

	doc = t_run_json(all, &rc);
	cr_assert_eq(rc, 0);
	s = find_sock(doc, "tcp", port, "established");
	cr_assert(s, "the accepted end of the pair");
	cr_assert_str_eq(str(s, "remote_address"), "127.0.0.1");
	cr_assert(json_integer_value(json_object_get(s, "remote_port")) > 0);
	json_decref(doc);

	doc = t_run_json(st, &rc);
	cr_assert_eq(rc, 0);
	cr_assert(find_sock(doc, "tcp", port, "established"));
	cr_assert_null(find_sock(doc, "tcp", port, "listen"));
	json_decref(doc);
	close(cli); close(srv); close(l);
}

Test(list, filters)
{
	uint16_t pt = 0, pu = 0, p6 = 0, pa = 0;
	int t = t_tcp_listen("127.0.0.1", &pt, -1), u = t_udp_bind("127.0.0.1", &pu, -1);
	int t6 = t_tcp_listen("::1", &p6, 1), ta = t_tcp_listen("0.0.0.0", &pa, -1);
	char spec[32];
	json_t *doc;
	int rc;

	{
		const char *a[] = { NULL, "list", "-t", "-o", "json", NULL };
		doc = t_run_json(a, &rc);
		cr_assert(find_sock(doc, "tcp", pt, NULL) && !find_sock(doc, "udp", pu, NULL));
		json_decref(doc);
	}
	{
		const char *a[] = { NULL, "list", "-u", "-o", "json", NULL };
		doc = t_run_json(a, &rc);
		cr_assert(!find_sock(doc, "tcp", pt, NULL) && find_sock(doc, "udp", pu, NULL));
		json_decref(doc);
	}
	{
		const char *a[] = { NULL, "list", "-6", "-o", "json", NULL };
		doc = t_run_json(a, &rc);
		cr_assert(find_sock(doc, "tcp", p6, NULL) && !find_sock(doc, "tcp", pt, NULL));
		json_decref(doc);
	}
	{
		const char *a[] = { NULL, "list", "-4", "--exposure", "loopback", "-o", "json", NULL };
		doc = t_run_json(a, &rc);
		cr_assert(find_sock(doc, "tcp", pt, NULL) && !find_sock(doc, "tcp", pa, NULL));
		json_decref(doc);
	}
	snprintf(spec, sizeof(spec), "%u,%u", pt, pu);
	{
		const char *a[] = { NULL, "list", "--port", spec, "-o", "json", NULL };
		doc = t_run_json(a, &rc);
		cr_assert_eq(rc, 0);
		cr_assert_eq(json_array_size(json_object_get(doc, "sockets")), 2, "exactly the two ports");
		cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "total")), 2);
		json_decref(doc);
	}
	{
		const char *cls = ps_ports_class_name(ps_ports_class(pt));
		const char *a[] = { NULL, "list", "--class", cls, "-o", "json", NULL };
		json_t *s;
		size_t i;

		doc = t_run_json(a, &rc);
		cr_assert(find_sock(doc, "tcp", pt, NULL));
		json_array_foreach(json_object_get(doc, "sockets"), i, s)
			cr_assert_str_eq(str(s, "port_class"), cls);
		json_decref(doc);
	}
	close(t); close(u); close(t6); close(ta);
}

Test(list, ndjson_is_one_object_per_line)
{
	uint16_t port = 0;
	int l = t_tcp_listen("127.0.0.1", &port, -1);
	const char *a[] = { NULL, "list", "--ndjson", NULL };
	char *out = NULL, *line, *save = NULL;
	int n = 0, found = 0;

	cr_assert_eq(t_run(a, NULL, &out, NULL), 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);

		cr_assert(json_is_object(o), "line %d is not a JSON object: %s", n, line);
		cr_assert_null(json_object_get(o, "schema"), "NDJSON carries records only");
		if (json_integer_value(json_object_get(o, "local_port")) == port)
			found++;
		json_decref(o);
		n++;
	}
	cr_assert_eq(found, 1);
	free(out);
	close(l);
}

/* A child that renames itself to an escape sequence and holds a listener. */
Test(list, process_names_are_escaped)
{
	int sync[2];
	uint16_t port = 0;
	pid_t pid;

	cr_assert(pipe(sync) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = t_tcp_listen("127.0.0.1", &port, -1);

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		alarm(60);	/* never outlive a stuck test */
		prctl(PR_SET_NAME, "\033[31mevil\n", 0, 0, 0);
		if (write(sync[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		pause();
		close(fd);
		_exit(0);
	}
	cr_assert(read(sync[0], &port, sizeof(port)) == sizeof(port));
	{
		char spec[16], *out = NULL;
		const char *a[] = { NULL, "list", "--port", spec, NULL };
		const char *j[] = { NULL, "list", "--port", spec, "-o", "json", NULL };
		json_t *doc, *s, *p;
		int rc;

		snprintf(spec, sizeof(spec), "%u", port);
		cr_assert_eq(t_run(a, NULL, &out, NULL), 0);
		cr_assert_null(strchr(out, '\033'), "raw escape reached the table: %s", out);
		cr_assert(strstr(out, "\\x1b[31mevil\\n"), "escaped name missing: %s", out);
		free(out);
		doc = t_run_json(j, &rc);
		s = find_sock(doc, "tcp", port, "listen");
		cr_assert(s);
		p = json_array_get(json_object_get(s, "processes"), 0);
		cr_assert_eq(json_integer_value(json_object_get(p, "pid")), pid);
		cr_assert_str_eq(str(p, "command"), "\033[31mevil\n");
		json_decref(doc);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* One line of `ss -H -ltun -n` as "proto addr port", with ss's "*" for a dual-stack
 * wildcard spelled "::" as portscope does, and the %interface suffix dropped. */
static void ss_key(const char *line, char *key, size_t len)
{
	char netid[8], state[16], local[128], port[16], *colon, *pct;
	unsigned rq, sq;

	key[0] = '\0';
	if (sscanf(line, "%7s %15s %u %u %127s", netid, state, &rq, &sq, local) != 5)
		return;
	colon = strrchr(local, ':');
	if (!colon)
		return;
	*colon = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	if ((pct = strchr(local, '%')))
		*pct = '\0';
	if (strcmp(local, "*") == 0 || strcmp(local, "[::]") == 0)
		snprintf(local, sizeof(local), "::");
	if (local[0] == '[') {
		memmove(local, local + 1, strlen(local));
		local[strlen(local) - 1] = '\0';
	}
	snprintf(key, len, "%s %s %s", netid, local, port);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted keys of a snapshot, joined by newlines. */
static char *join_sorted(char **keys, size_t n)
{
	size_t total = 1;
	char *out;

	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++)
		total += strlen(keys[i]) + 1;
	out = calloc(1, total);
	for (size_t i = 0; i < n; i++) {
		strcat(out, keys[i]);
		strcat(out, "\n");
		free(keys[i]);
	}
	free(keys);
	return out;
}

static char *ss_snapshot(void)
{
	char *text = t_capture("ss -H -ltun -n"), *line, *save = NULL;
	char **keys = calloc(65536 * 2, sizeof(char *));
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[160];

		ss_key(line, key, sizeof(key));
		if (key[0])
			keys[n++] = strdup(key);
	}
	free(text);
	return join_sorted(keys, n);
}

static char *portscope_snapshot(void)
{
	const char *a[] = { NULL, "list", "-n", "-P", "-o", "json", NULL };
	char **keys = calloc(65536 * 2, sizeof(char *));
	json_t *doc, *s;
	size_t n = 0, i;
	int rc;

	doc = t_run_json(a, &rc);
	cr_assert_eq(rc, 0);
	json_array_foreach(json_object_get(doc, "sockets"), i, s) {
		char key[160];

		snprintf(key, sizeof(key), "%s %s %lld", str(s, "proto"), str(s, "local_address"),
			 json_integer_value(json_object_get(s, "local_port")));
		keys[n++] = strdup(key);
	}
	json_decref(doc);
	return join_sorted(keys, n);
}

Test(list, listening_set_equals_ss)
{
	uint16_t a = 0, b = 0, c = 0, d = 0;
	int fa = t_tcp_listen("127.0.0.1", &a, -1), fb = t_tcp_listen("::", &b, 0);
	int fc = t_udp_bind("0.0.0.0", &c, -1), fd = t_udp_bind("::1", &d, 1);
	int tries;

	/* Other programs may open or close sockets between two snapshots: take ss before and
	 * after, and look for a moment where both agree with portscope. A real difference
	 * shows every time; a passing socket only once in a while. */
	for (tries = 0; tries < 10; tries++) {
		char *before = ss_snapshot(), *mine = portscope_snapshot(), *after = ss_snapshot();
		bool agree = strcmp(before, after) == 0 && strcmp(before, mine) == 0;

		if (!agree && tries == 9)
			cr_log_error("ss before:\n%s\nportscope:\n%s\nss after:\n%s", before, mine, after);
		free(before); free(mine); free(after);
		if (agree)
			break;
		usleep(100000);
	}
	cr_assert_lt(tries, 10, "portscope and ss never agreed on the listening set");
	close(fa); close(fb); close(fc); close(fd);
}

Test(list, table_is_aligned_with_header)
{
	uint16_t port = 0;
	int l = t_tcp_listen("127.0.0.1", &port, -1);
	const char *a[] = { NULL, "list", "-t", NULL };
	char *out = NULL, *nl;
	size_t hdr_proc;

	cr_assert_eq(t_run(a, NULL, &out, NULL), 0);
	cr_assert_eq(strncmp(out, "PROTO", 5), 0, "%s", out);
	nl = strchr(out, '\n');
	cr_assert(nl);
	hdr_proc = (size_t)(strstr(out, "PROCESS") - out);
	cr_assert(hdr_proc < (size_t)(nl - out), "PROCESS is the last column");
	cr_assert_null(strchr(out, '\033'), "no colour when stdout is a pipe");
	/* Each row's process column starts where the header's does. */
	for (char *row = nl + 1; *row; row = strchr(row, '\n') + 1) {
		int rowlen = (int)(strchr(row, '\n') - row);

		cr_assert((size_t)rowlen > hdr_proc, "short row: %.*s", rowlen, row);
		cr_assert(row[hdr_proc - 1] == ' ' && row[hdr_proc] != ' ', "row not aligned: %.*s",
			  rowlen, row);
	}
	free(out);
	close(l);
}
