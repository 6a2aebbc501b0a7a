/* Port specs, classes, the ephemeral range and service names. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "probe/ports.h"

static struct ps_portset set;
static ps_err err;

Test(ports, single_list_and_range)
{
	cr_assert_eq(ps_ports_parse_spec("22,80,8000-8002", "tcp", false, &set, &err), 0);
	cr_assert_eq(set.count, 5);
	cr_assert(ps_portset_has(&set, 22) && ps_portset_has(&set, 80));
	cr_assert(ps_portset_has(&set, 8000) && ps_portset_has(&set, 8002));
	cr_assert(!ps_portset_has(&set, 8003) && !ps_portset_has(&set, 23));
	cr_assert_eq(ps_portset_next(&set, 0), 22);
	cr_assert_eq(ps_portset_next(&set, 81), 8000);
	cr_assert_eq(ps_portset_next(&set, 8003), -1);
}

Test(ports, duplicates_count_once)
{
	cr_assert_eq(ps_ports_parse_spec("22,22,20-25", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 6);
	/* Ranges across word boundaries, overlapping, up to the last port. */
	cr_assert_eq(ps_ports_parse_spec("60-130,100-200,65530-65535,65535", NULL, false, &set,
					 &err), 0);
	cr_assert_eq(set.count, 141 + 6);
	cr_assert(ps_portset_has(&set, 63) && ps_portset_has(&set, 64) && ps_portset_has(&set, 200));
	cr_assert(!ps_portset_has(&set, 59) && !ps_portset_has(&set, 201));
	cr_assert_eq(ps_portset_next(&set, 201), 65530);
}

Test(ports, all_and_dash)
{
	cr_assert_eq(ps_ports_parse_spec("-", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 65535);
	cr_assert(!ps_portset_has(&set, 0));
	cr_assert_eq(ps_ports_parse_spec("all", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 65535);
}

Test(ports, classes)
{
	cr_assert_eq(ps_ports_parse_spec("well-known", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 1023);
	cr_assert_eq(ps_ports_parse_spec("well-known", NULL, true, &set, &err), 0);
	cr_assert_eq(set.count, 1024);
	cr_assert_eq(ps_ports_parse_spec("registered", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 49151 - 1024 + 1);
	cr_assert_eq(ps_ports_parse_spec("dynamic", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 65535 - 49152 + 1);
	cr_assert_eq(ps_ports_class(0), PS_CLASS_WELL_KNOWN);
	cr_assert_eq(ps_ports_class(1023), PS_CLASS_WELL_KNOWN);
	cr_assert_eq(ps_ports_class(1024), PS_CLASS_REGISTERED);
	cr_assert_eq(ps_ports_class(49151), PS_CLASS_REGISTERED);
	cr_assert_eq(ps_ports_class(49152), PS_CLASS_DYNAMIC);
	cr_assert_str_eq(ps_ports_class_name(PS_CLASS_DYNAMIC), "dynamic");
}

Test(ports, service_names)
{
	cr_assert_eq(ps_ports_parse_spec("ssh,https", "tcp", false, &set, &err), 0);
	cr_assert(ps_portset_has(&set, 22) && ps_portset_has(&set, 443));
	cr_assert_str_eq(ps_ports_service(22, IPPROTO_TCP), "ssh");
	cr_assert_str_eq(ps_ports_service(53, IPPROTO_UDP), "domain");
	cr_assert_null(ps_ports_service(1, IPPROTO_UDP + 100));
	cr_assert_eq(ps_ports_service_port("domain", "udp"), 53);
}

Test(ports, zero_only_when_allowed)
{
	cr_assert_eq(ps_ports_parse_spec("0", NULL, true, &set, &err), 0);
	cr_assert(ps_portset_has(&set, 0));
	cr_assert_eq(ps_ports_parse_spec("0", NULL, false, &set, &err), -1);
	cr_assert(strstr(err.msg, "'0'"), "%s", err.msg);
}

Test(ports, bad_specs_name_the_token)
{
	static const char *const bad[][2] = {
		{ "70000", "'70000'" }, { "5-1", "'5-1'" }, { "nosuchservice", "'nosuchservice'" },
		{ "22,,23", "empty" }, { "", "empty" }, { "1-", "'1-'" }, { "22x", "'22x'" },
		{ "65536", "'65536'" }, { "-5", "'-5'" }, { "80,9999999", "'9999999'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ps_ports_parse_spec(bad[i][0], "tcp", false, &set, &err), -1, "%s",
			     bad[i][0]);
		cr_assert(strstr(err.msg, bad[i][1]), "spec '%s' gave '%s'", bad[i][0], err.msg);
	}
}

Test(ports, ephemeral_follows_the_kernel_range)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int lo, hi;

	cr_assert(f);
	cr_assert_eq(fscanf(f, "%d %d", &lo, &hi), 2);
	fclose(f);
	cr_assert(ps_ports_ephemeral((unsigned)lo));
	cr_assert(ps_ports_ephemeral((unsigned)hi));
	cr_assert(!ps_ports_ephemeral((unsigned)lo - 1));
	if (hi < 65535)
		cr_assert(!ps_ports_ephemeral((unsigned)hi + 1));
}

/* The command-line forms (-p, --port): spaces around items, open ranges, accumulation. */
Test(ports, command_line_forms)
{
	ps_portset_clear(&set);
	cr_assert_eq(ps_ports_parse_arg("22, 80", "tcp", false, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(set.count, 2);
	cr_assert(ps_portset_has(&set, 22) && ps_portset_has(&set, 80));
	cr_assert_eq(ps_ports_parse_arg(" 443 ,\t8080 ", "tcp", false, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(set.count, 4, "a second spec adds to the first");
	ps_portset_clear(&set);
	cr_assert_eq(ps_ports_parse_arg("-1024", NULL, false, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(set.count, 1024);
	cr_assert(ps_portset_has(&set, 1) && ps_portset_has(&set, 1024) && !ps_portset_has(&set, 0));
	ps_portset_clear(&set);
	cr_assert_eq(ps_ports_parse_arg("8000-", NULL, false, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(set.count, 65535 - 8000 + 1);
	cr_assert(ps_portset_has(&set, 65535) && !ps_portset_has(&set, 7999));
	ps_portset_clear(&set);
	cr_assert_eq(ps_ports_parse_arg("-", NULL, false, &set, &err), 0);
	cr_assert_eq(set.count, 65535);
}

Test(ports, command_line_forms_still_check_bounds)
{
	static const char *const bad[][2] = {
		{ "-70000", "'-70000'" }, { "70000-", "'70000-'" }, { "22 80", "'22 80'" },
		{ "22,,80", "empty" }, { " , ", "empty" }, { "--5", "'--5'" }, { "0-", "'0-'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ps_portset_clear(&set);
		cr_assert_eq(ps_ports_parse_arg(bad[i][0], "tcp", false, &set, &err), -1, "%s",
			     bad[i][0]);
		cr_assert(strstr(err.msg, bad[i][1]), "spec '%s' gave '%s'", bad[i][0], err.msg);
		cr_assert_eq(err.kind, PS_ERR_INPUT);
	}
}

/* Service names resolve from the table read once, as getservbyname() would from the same
 * file: aliases, the first line for the protocol, strtoul ports, empty protocols. */
Test(ports, service_names_from_text)
{
	static const char text[] = "web 80/tcp www http # comment\n"
				   "web 8080/udp\n"
				   "  hex\t0x10/udp\n"
				   "neg -1/tcp\n"
				   "bare 22\n"
				   "slashes 25//tcp\n"
				   "web 81/tcp\n";

	ps_ports_services_parse(text, sizeof(text) - 1);
	cr_assert_eq(ps_ports_service_port("web", NULL), 80);
	cr_assert_eq(ps_ports_service_port("web", "udp"), 8080);
	cr_assert_eq(ps_ports_service_port("www", "tcp"), 80);
	cr_assert_eq(ps_ports_service_port("http", "udp"), -1);
	cr_assert_eq(ps_ports_service_port("hex", NULL), 16);
	cr_assert_eq(ps_ports_service_port("neg", NULL), -1);
	cr_assert_eq(ps_ports_service_port("bare", NULL), 22);
	cr_assert_eq(ps_ports_service_port("bare", "tcp"), -1);
	cr_assert_eq(ps_ports_service_port("slashes", "tcp"), 25);
	cr_assert_eq(ps_ports_service_port("comment", NULL), -1);
	cr_assert_eq(ps_ports_parse_spec("www,slashes", "tcp", false, &set, &err), 0, "%s", err.msg);
	cr_assert_eq(set.count, 2);
	ps_ports_services_load("/etc/services");
	cr_assert_eq(ps_ports_service_port("ssh", "tcp"), 22);
}
