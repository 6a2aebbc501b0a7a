/* Bad usage and bad input: exit 2 with one line on stderr naming the offending token. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"

struct bad_case {
	const char *args[6];
	const char *token;	/* must appear in the message */
};

static void expect_usage_error(const struct bad_case *c)
{
	const char *argv[8] = { NULL };
	char *out = NULL, *err = NULL;
	int rc;

	for (int i = 0; i < 6 && c->args[i]; i++)
		argv[i + 1] = c->args[i];
	rc = t_run(argv, NULL, &out, &err);
	cr_assert_eq(rc, 2, "%s %s: exit %d, stderr: %s", c->args[0], c->args[1] ? c->args[1] : "",
		     rc, err);
	cr_assert_str_empty(out, "nothing on stdout for bad usage: %s", out);
	cr_assert_eq(strncmp(err, "portscope: ", 11), 0, "%s", err);
	cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "one line only: %s", err);
	cr_assert(strstr(err, c->token), "message '%s' does not name '%s'", err, c->token);
	free(out);
	free(err);
}

static const struct bad_case list_cases[] = {
	{ { "list", "--port", "70000" }, "'70000'" },
	{ { "list", "--port", "5-1" }, "'5-1'" },
	{ { "list", "--port", "nosuchsvc" }, "'nosuchsvc'" },
	{ { "list", "--port", "" }, "empty" },
	{ { "list", "--class", "nope" }, "'nope'" },
	{ { "list", "--exposure", "lan" }, "'lan'" },
	{ { "list", "--state", "listening" }, "'listening'" },
	{ { "list", "--bogus" }, "'--bogus'" },
	{ { "list", "-z" }, "'-z'" },
	{ { "list", "-o", "xml" }, "'xml'" },
	{ { "list", "--port" }, "'--port'" },
	{ { "list", "extra" }, "'extra'" },
	{ { "frobnicate" }, "'frobnicate'" },
	{ { "--frob" }, "'--frob'" },
};

Test(cli, bad_usage)
{
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++)
		expect_usage_error(&list_cases[i]);
}

Test(cli, version_and_help)
{
	const char *v[] = { NULL, "--version", NULL };
	const char *h[] = { NULL, "list", "--help", NULL };
	const char *none[] = { NULL, NULL };
	char *out = NULL, *err = NULL;

	cr_assert_eq(t_run(v, NULL, &out, NULL), 0);
	cr_assert_eq(strncmp(out, "portscope ", 10), 0);
	free(out);
	cr_assert_eq(t_run(h, NULL, &out, NULL), 0);
	cr_assert(strstr(out, "--exposure") && strstr(out, "Exit status"));
	free(out);
	cr_assert_eq(t_run(none, NULL, &out, &err), 2);
	cr_assert(strstr(err, "usage"));
	free(out);
	free(err);
}
