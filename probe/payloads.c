/* Built-in UDP payloads, written from the protocol specifications (RFC 1035 for DNS,
 * RFC 5905 for NTP, RFC 3416 and X.690 BER for SNMP), portscope's own responder
 * protocol, and the parsers for the payloads a user types. */
#include <stdio.h>
#include <string.h>

#include "probe/payloads.h"
#include "probe/escape.h"

size_t ps_payload_dns_root_ns(uint8_t *buf, size_t len, uint16_t id)
{
	/* Header: id, flags RD=1 (a stub resolver's query; an authoritative server ignores
	 * it), QDCOUNT 1, AN/NS/ARCOUNT 0. Question: the root name (one zero-length label),
	 * QTYPE NS (2), QCLASS IN (1). */
	const uint8_t q[17] = {
		(uint8_t)(id >> 8), (uint8_t)id, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
	};

	if (len < sizeof(q))
		return 0;
	memcpy(buf, q, sizeof(q));
	return sizeof(q);
}

size_t ps_payload_ntp_client(uint8_t *buf, size_t len)
{
	if (len < 48)
		return 0;
	memset(buf, 0, 48);
	/* LI 0, VN 4, Mode 3 (client). Some servers drop a request whose transmit timestamp
	 * is zero, so it carries a fixed, recognisable one (the server echoes it back as the
	 * origin timestamp). */
	static const uint8_t stamp[8] = { 'p', 'o', 'r', 't', 's', 'c', 'o', 'p' };

	buf[0] = 4 << 3 | 3;
	memcpy(buf + 40, stamp, sizeof(stamp));
	return 48;
}

/* A BER TLV with a short-form length (every length here is < 128). Returns the new
 * offset, or 0 when it does not fit. */
static size_t ber_tlv(uint8_t *buf, size_t len, size_t off, uint8_t tag, const uint8_t *val,
		      size_t vlen)
{
	if (vlen > 127 || off + 2 + vlen > len)
		return 0;
	buf[off] = tag;
	buf[off + 1] = (uint8_t)vlen;
	if (vlen)
		memmove(buf + off + 2, val, vlen);
	return off + 2 + vlen;
}

size_t ps_payload_snmp_sysdescr(uint8_t *buf, size_t len, uint32_t request_id)
{
	/* 1.3.6.1.2.1.1.1.0: the first two arcs fold into 40 * 1 + 3 = 0x2b. */
	static const uint8_t oid[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
	uint8_t vb[64], seq[64], vbl[64], pdu[96], body[128];
	uint8_t reqid[4] = { (uint8_t)(request_id >> 24), (uint8_t)(request_id >> 16),
			     (uint8_t)(request_id >> 8), (uint8_t)request_id };
	const uint8_t zero = 0, v2c = 1;
	size_t n, m;

	/* VarBind ::= SEQUENCE { name OID, value NULL } */
	n = ber_tlv(vb, sizeof(vb), 0, 0x06, oid, sizeof(oid));
	n = n ? ber_tlv(vb, sizeof(vb), n, 0x05, NULL, 0) : 0;
	n = n ? ber_tlv(seq, sizeof(seq), 0, 0x30, vb, n) : 0;
	/* VarBindList ::= SEQUENCE OF VarBind */
	n = n ? ber_tlv(vbl, sizeof(vbl), 0, 0x30, seq, n) : 0;
	/* GetRequest-PDU [0] IMPLICIT: request-id, error-status 0, error-index 0, bindings */
	m = n ? ber_tlv(pdu, sizeof(pdu), 0, 0x02, reqid, sizeof(reqid)) : 0;
	m = m ? ber_tlv(pdu, sizeof(pdu), m, 0x02, &zero, 1) : 0;
	m = m ? ber_tlv(pdu, sizeof(pdu), m, 0x02, &zero, 1) : 0;
	if (!m || m + n > sizeof(pdu))
		return 0;
	memcpy(pdu + m, vbl, n);
	m += n;
	/* Message ::= SEQUENCE { version INTEGER 1 (v2c), community OCTET STRING, data } */
	n = ber_tlv(body, sizeof(body), 0, 0x02, &v2c, 1);
	n = n ? ber_tlv(body, sizeof(body), n, 0x04, (const uint8_t *)"public", 6) : 0;
	n = n ? ber_tlv(body, sizeof(body), n, 0xa0, pdu, m) : 0;
	return n ? ber_tlv(buf, len, 0, 0x30, body, n) : 0;
}

static struct ps_payload builtin_dns, builtin_ntp, builtin_snmp, builtin_responder;

static void builtin_init(void)
{
	static bool done;

	if (done)
		return;
	builtin_dns.name = "dns";
	/* A fixed id ("ps"): the answer is only evidence that something listens. */
	builtin_dns.len = ps_payload_dns_root_ns(builtin_dns.data, sizeof(builtin_dns.data), 0x7073);
	builtin_ntp.name = "ntp";
	builtin_ntp.len = ps_payload_ntp_client(builtin_ntp.data, sizeof(builtin_ntp.data));
	builtin_snmp.name = "snmp";
	builtin_snmp.len = ps_payload_snmp_sysdescr(builtin_snmp.data, sizeof(builtin_snmp.data),
						    0x70730001);
	builtin_responder.name = "portscope";
	builtin_responder.len = PS_RESPONDER_REQUEST_SIZE;
	memcpy(builtin_responder.data, PS_RESPONDER_REQUEST, strlen(PS_RESPONDER_REQUEST));
	done = true;
}

const struct ps_payload *ps_payload_for_port(unsigned port)
{
	builtin_init();
	switch (port) {
	case 53: return &builtin_dns;
	case 123: return &builtin_ntp;
	case 161: return &builtin_snmp;
	default: return NULL;
	}
}

const struct ps_payload *ps_payload_responder(void)
{
	builtin_init();
	return &builtin_responder;
}

bool ps_payload_is_request(const uint8_t *buf, size_t len)
{
	size_t n = strlen(PS_RESPONDER_REQUEST);

	return len >= n && memcmp(buf, PS_RESPONDER_REQUEST, n) == 0;
}

size_t ps_payload_reply_build(char *buf, size_t len, const char *text)
{
	int n = snprintf(buf, len, PS_RESPONDER_REPLY_PREFIX "%s\n", text);

	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

bool ps_payload_is_reply(const uint8_t *buf, size_t len, const char **info, size_t *info_len)
{
	size_t plen = strlen(PS_RESPONDER_REPLY_PREFIX);

	if (len < plen || memcmp(buf, PS_RESPONDER_REPLY_PREFIX, plen) != 0)
		return false;
	if (info) {
		size_t n = len - plen;

		if (n && buf[plen + n - 1] == '\n')
			n--;
		*info = (const char *)buf + plen;
		*info_len = n;
	}
	return true;
}

int ps_payload_parse_text(const char *s, struct ps_payload *out, ps_err *err)
{
	const char *bad = NULL;
	long n = ps_unescape(s, (char *)out->data, sizeof(out->data), &bad);

	if (n < 0) {
		if (bad && *bad == '\\')
			return ps_err_input(err, "invalid escape '%.4s' in '%s'", bad, s);
		return ps_err_input(err, "payload '%.20s...' longer than %d bytes", s,
				    PS_UDP_PAYLOAD_MAX);
	}
	out->len = (size_t)n;
	out->name = "user";
	return 0;
}

int ps_payload_parse_hex(const char *s, struct ps_payload *out, ps_err *err)
{
	const char *p = s;
	size_t n = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while (*p) {
		int hi, lo;

		if (*p == ' ' || *p == ':') {
			p++;
			continue;
		}
		hi = ps_hexval(p[0]);
		if (hi < 0)
			return ps_err_input(err, "invalid hex digit '%c' in '%s'", p[0], s);
		lo = p[1] ? ps_hexval(p[1]) : -1;
		if (lo < 0) {
			if (!p[1])
				return ps_err_input(err, "odd number of hex digits in '%s'", s);
			return ps_err_input(err, "invalid hex digit '%c' in '%s'", p[1], s);
		}
		if (n >= sizeof(out->data))
			return ps_err_input(err, "hex payload longer than %d bytes",
					    PS_UDP_PAYLOAD_MAX);
		out->data[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	out->len = n;
	out->name = "user";
	return 0;
}
