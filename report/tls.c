/* The tls object of probe results as JSON and table cells (see report/tls.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/escape.h"
#include "report/tls.h"

/* A time as RFC 3339 UTC, or null when unknown (0). */
static void json_time(struct ps_json *j, const char *key, time_t t)
{
	char buf[32];
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		ps_json_null(j, key);
		return;
	}
	ps_json_str(j, key, buf);
}

static void json_text(struct ps_json *j, const char *key, const char *s)
{
	ps_json_str(j, key, s[0] ? s : NULL);
}

static void json_cert(struct ps_json *j, const struct ps_tls_info *t)
{
	json_text(j, "subject", t->has_cert ? t->subject : "");
	json_text(j, "issuer", t->has_cert ? t->issuer : "");
	ps_json_array(j, "san");
	for (unsigned k = 0; t->has_cert && k < t->nsan; k++)
		ps_json_str(j, NULL, ps_tls_info_san(t, k));
	ps_json_end(j);
	json_text(j, "serial", t->has_cert ? t->serial : "");
	json_time(j, "not_before", t->has_cert ? t->not_before : 0);
	json_time(j, "not_after", t->has_cert ? t->not_after : 0);
	if (t->has_cert)
		ps_json_int(j, "days_left", t->days_left);
	else
		ps_json_null(j, "days_left");
	json_time(j, "chain_earliest_not_after", t->has_cert ? t->chain_earliest_not_after : 0);
	if (t->has_cert && t->chain_earliest_not_after)
		ps_json_int(j, "chain_days_left", t->chain_days_left);
	else
		ps_json_null(j, "chain_days_left");
}

void ps_report_tls_json(struct ps_json *j, const struct ps_tls_info *t)
{
	if (!t) {
		ps_json_null(j, "tls");
		return;
	}
	ps_json_object(j, "tls");
	ps_json_bool(j, "handshake", t->handshake_done);
	ps_json_bool(j, "ok", t->ok);
	json_text(j, "version", t->version);
	json_text(j, "cipher", t->cipher);
	json_text(j, "alpn", t->alpn);
	ps_json_str(j, "verify", ps_tls_verify_name(t->verify));
	json_text(j, "verify_error", t->verify == PS_TLS_VERIFY_OK ? "" : t->verify_error);
	json_cert(j, t);
	ps_json_end(j);
}

struct ps_tls_info *ps_report_tls_keep(const struct ps_tls_info *t)
{
	size_t used = 0, size;
	struct ps_tls_info *c;

	if (t->nsan > 0) {
		const char *last = ps_tls_info_san(t, t->nsan - 1);

		used = (size_t)(last - t->san) + strlen(last) + 1;
	}
	size = offsetof(struct ps_tls_info, san) + used;
	c = malloc(size);
	if (c)
		memcpy(c, t, size);
	return c;
}

size_t ps_report_tls_verify(const struct ps_tls_info *t, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s", ps_tls_verify_name(t->verify));
}

size_t ps_report_tls_days(const struct ps_tls_info *t, char *buf, size_t len)
{
	if (!t->has_cert)
		return (size_t)snprintf(buf, len, "-");
	return (size_t)snprintf(buf, len, "%ld", t->days_left);
}

size_t ps_report_tls_subject(const struct ps_tls_info *t, char *buf, size_t len)
{
	if (!t->has_cert || !t->subject[0])
		return (size_t)snprintf(buf, len, "-");
	return ps_escape(t->subject, strlen(t->subject), buf, len);
}

size_t ps_report_tls_problem(const struct ps_tls_info *t, char *buf, size_t len)
{
	if (t->verify == PS_TLS_VERIFY_OK || !t->verify_error[0]) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return ps_escape(t->verify_error, strlen(t->verify_error), buf, len);
}
