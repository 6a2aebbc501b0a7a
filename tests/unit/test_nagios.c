/* The monitoring-plugin line: statuses, thresholds, perfdata. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/nagios.h"

static char *buf;
static size_t len;
static FILE *mem;

static void setup(void)
{
	mem = open_memstream(&buf, &len);
	cr_assert(mem);
}

static void teardown(void)
{
	free(buf);
}

TestSuite(nagios, .init = setup, .fini = teardown);

static const struct ps_nagios_limits none = { -1, -1 };

Test(nagios, all_reachable_ok)
{
	struct ps_nagios_target t[2] = { { "127.0.0.1:22", true, false, 0.412, NULL, NULL },
					 { "[::1]:80", true, false, 0.2, NULL, NULL } };

	cr_assert_eq(ps_nagios_line(mem, t, 2, &none), PS_NAGIOS_OK);
	fclose(mem);
	cr_assert_str_eq(buf, "PORTSCOPE OK - 2/2 reachable, worst 0.4 ms | "
			      "'127.0.0.1:22'=0.000412s;;;0; '[::1]:80'=0.000200s;;;0;\n");
}

Test(nagios, unreachable_is_critical)
{
	struct ps_nagios_target t[2] = { { "127.0.0.1:22", true, false, 0.4, NULL, NULL },
					 { "127.0.0.1:1", false, false, -1, "closed", "reset" } };
	struct ps_nagios_limits lim = { 100, 500 };

	cr_assert_eq(ps_nagios_line(mem, t, 2, &lim), PS_NAGIOS_CRITICAL);
	fclose(mem);
	cr_assert_str_eq(buf, "PORTSCOPE CRITICAL - 1/2 reachable, worst 0.4 ms: 127.0.0.1:1 closed "
			      "(reset) | '127.0.0.1:22'=0.000400s;0.100000;0.500000;0; "
			      "'127.0.0.1:1'=U;0.100000;0.500000;0;\n");
}

Test(nagios, thresholds)
{
	struct ps_nagios_target t = { "a:1", true, false, 2.5, NULL, NULL };
	struct ps_nagios_limits warn = { 1, 10 }, crit = { 1, 2 }, ok = { 3, 10 };

	cr_assert_eq(ps_nagios_status(&t, 1, &warn), PS_NAGIOS_WARNING);
	cr_assert_eq(ps_nagios_status(&t, 1, &crit), PS_NAGIOS_CRITICAL);
	cr_assert_eq(ps_nagios_status(&t, 1, &ok), PS_NAGIOS_OK);
	cr_assert_eq(ps_nagios_line(mem, &t, 1, &warn), PS_NAGIOS_WARNING);
	fclose(mem);
	cr_assert_str_eq(buf, "PORTSCOPE WARNING - 1/1 reachable, worst 2.5 ms: a:1 responded in "
			      "2.5 ms | 'a:1'=0.002500s;0.001000;0.010000;0;\n");
}

Test(nagios, expect_mismatch_warns)
{
	struct ps_nagios_target t = { "a:1", true, true, 0.1, NULL, NULL };

	cr_assert_eq(ps_nagios_line(mem, &t, 1, &none), PS_NAGIOS_WARNING);
	fclose(mem);
	cr_assert(strstr(buf, "PORTSCOPE WARNING - 1/1 reachable, worst 0.1 ms: a:1 reply did not "
			      "match --expect |"), "%s", buf);
}

Test(nagios, label_quoting)
{
	struct ps_nagios_target t = { "it's=x:1", false, false, -1, "error", NULL };

	cr_assert_eq(ps_nagios_line(mem, &t, 1, &none), PS_NAGIOS_CRITICAL);
	fclose(mem);
	cr_assert(strstr(buf, " | 'it''s_x:1'=U;;;0;\n"), "%s", buf);
}

Test(nagios, unknown)
{
	cr_assert_eq(ps_nagios_unknown(mem, "unknown option '-Z'"), PS_NAGIOS_UNKNOWN);
	fclose(mem);
	cr_assert_str_eq(buf, "PORTSCOPE UNKNOWN - unknown option '-Z'\n");
}

/* --cert-days as check_tcp -D: WARN or fewer whole days WARNING, CRIT or fewer (0 when not
 * given) or expired CRITICAL; a failed TLS is CRITICAL whatever the days. */
Test(nagios, cert_days)
{
	struct ps_nagios_target t = { "tls://a:443", true, false, 1, NULL, NULL,
				      true, true, "ok", true, 29 };
	struct ps_nagios_limits w40c10 = { -1, -1, 40, 10 }, w29c10 = { -1, -1, 29, 10 },
				w28 = { -1, -1, 28, 0 }, w40c29 = { -1, -1, 40, 29 },
				off = { -1, -1, -1, 0 };

	cr_assert_eq(ps_nagios_status(&t, 1, &w40c10), PS_NAGIOS_WARNING);
	cr_assert_eq(ps_nagios_status(&t, 1, &w29c10), PS_NAGIOS_WARNING);
	cr_assert_eq(ps_nagios_status(&t, 1, &w28), PS_NAGIOS_OK);
	cr_assert_eq(ps_nagios_status(&t, 1, &w40c29), PS_NAGIOS_CRITICAL);
	t.days_left = 0;
	cr_assert_eq(ps_nagios_status(&t, 1, &w28), PS_NAGIOS_CRITICAL);
	cr_assert_eq(ps_nagios_status(&t, 1, &off), PS_NAGIOS_OK);
	t.days_left = -3;
	cr_assert_eq(ps_nagios_line(mem, &t, 1, &w28), PS_NAGIOS_CRITICAL);
	t.days_left = 100;
	t.tls_ok = false;
	t.verify = "hostname-mismatch";
	cr_assert_eq(ps_nagios_line(mem, &t, 1, &off), PS_NAGIOS_CRITICAL);
	fclose(mem);
	cr_assert_str_eq(buf, "PORTSCOPE CRITICAL - 1/1 reachable, worst 1.0 ms: tls://a:443 "
			      "certificate expired 3 days ago | 'tls://a:443'=0.001000s;;;0;\n"
			      "PORTSCOPE CRITICAL - 1/1 reachable, worst 1.0 ms: tls://a:443 TLS "
			      "hostname-mismatch | 'tls://a:443'=0.001000s;;;0;\n");
}
