/* portscope exporter's refusals before it serves: bad --listen, a format it does not take,
 * a bad --config (FILE:LINE:COLUMN), an address in use (exit 3). The HTTP side is tested
 * by tests/sh/test_exporter_*.sh against curl, Prometheus and blackbox_exporter. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"

static int run(const char *const *argv, char **err)
{
	char *out = NULL;
	int rc = t_run(argv, NULL, &out, err);

	free(out);
	return rc;
}

Test(exporter, bad_listen_names_the_token)
{
	const char *argv[] = { t_binary(), "exporter", "--listen", "localhost:80", NULL };
	const char *argv2[] = { t_binary(), "exporter", "--listen", "127.0.0.1:99999", NULL };
	char *err = NULL;

	cr_assert_eq(run(argv, &err), 2);
	cr_assert(strstr(err, "invalid address 'localhost:80' for --listen"), "%s", err);
	free(err);
	cr_assert_eq(run(argv2, &err), 2);
	cr_assert(strstr(err, "'127.0.0.1:99999'"), "%s", err);
	free(err);
}

Test(exporter, log_formats_only)
{
	const char *argv[] = { t_binary(), "exporter", "-o", "json", NULL };
	char *err = NULL;

	cr_assert_eq(run(argv, &err), 2);
	cr_assert(strstr(err, "json"), "%s", err);
	free(err);
}

Test(exporter, bad_config_is_exit_2_with_its_position)
{
	char path[] = "/tmp/ps-exporter-XXXXXX";
	int fd = mkstemp(path);
	const char *argv[] = { t_binary(), "exporter", "--listen", "127.0.0.1:1", "--config", path,
			       NULL };
	const char *text = "{\n  \"modules\": {\"m\": {\"kind\": \"tcp\", \"retries\": -1}}\n}\n";
	char *err = NULL, want[128];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(run(argv, &err), 2);
	snprintf(want, sizeof(want), "%s:2:47: 'retries' must be a whole number 0-100", path);
	cr_assert(strstr(err, want), "%s", err);
	free(err);
	unlink(path);
}

Test(exporter, address_in_use_is_exit_3)
{
	uint16_t port;
	int fd = t_tcp_listen("127.0.0.1", &port, 1);
	char listen[32];
	const char *argv[] = { t_binary(), "exporter", "--listen", listen, NULL };
	char *err = NULL;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	cr_assert_eq(run(argv, &err), 3, "%s", err);
	cr_assert(strstr(err, "cannot listen"), "%s", err);
	free(err);
	close(fd);
}
