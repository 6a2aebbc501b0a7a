/* Built-in UDP payloads checked byte by byte against their specifications, and the
 * --payload / --payload-hex parsers. */
#include <criterion/criterion.h>
#include <string.h>

#include "probe/payloads.h"

static ps_err err;

Test(payloads, dns_root_ns_header_and_question)
{
	const struct ps_payload *p = ps_payload_for_port(53);

	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "dns");
	cr_assert_eq(p->len, 17);
	/* RFC 1035 4.1.1: flags QR=0 opcode=0 RD=1, QDCOUNT=1, the rest zero */
	cr_assert_eq(p->data[2], 0x01);
	cr_assert_eq(p->data[3], 0x00);
	cr_assert_eq(p->data[4] << 8 | p->data[5], 1);
	for (int i = 6; i < 12; i++)
		cr_assert_eq(p->data[i], 0, "byte %d", i);
	/* root name, QTYPE NS = 2, QCLASS IN = 1 */
	cr_assert_eq(p->data[12], 0);
	cr_assert_eq(p->data[13] << 8 | p->data[14], 2);
	cr_assert_eq(p->data[15] << 8 | p->data[16], 1);
}

Test(payloads, dns_id_is_written_big_endian)
{
	uint8_t b[32];

	cr_assert_eq(ps_payload_dns_root_ns(b, sizeof(b), 0xabcd), 17);
	cr_assert_eq(b[0], 0xab);
	cr_assert_eq(b[1], 0xcd);
	cr_assert_eq(ps_payload_dns_root_ns(b, 16, 1), 0);
}

Test(payloads, ntp_client_request)
{
	const struct ps_payload *p = ps_payload_for_port(123);

	cr_assert_not_null(p);
	cr_assert_eq(p->len, 48);
	cr_assert_eq(p->data[0] >> 6, 0, "LI");
	cr_assert_eq((p->data[0] >> 3) & 7, 4, "version");
	cr_assert_eq(p->data[0] & 7, 3, "mode client");
	for (int i = 1; i < 40; i++)
		cr_assert_eq(p->data[i], 0, "byte %d", i);
	cr_assert(memcmp(p->data + 40, "\0\0\0\0\0\0\0\0", 8) != 0, "transmit timestamp set");
}

/* Walk one BER TLV at *off (short-form length); returns its value length. */
static size_t tlv(const uint8_t *b, size_t len, size_t *off, uint8_t tag)
{
	size_t l;

	cr_assert_lt(*off + 2, len + 1);
	cr_assert_eq(b[*off], tag, "tag at %zu: %02x, want %02x", *off, b[*off], tag);
	l = b[*off + 1];
	cr_assert_lt(l, 128);
	*off += 2;
	cr_assert_leq(*off + l, len);
	return l;
}

Test(payloads, snmp_get_sysdescr_ber_structure)
{
	const struct ps_payload *p = ps_payload_for_port(161);
	static const uint8_t oid[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
	const uint8_t *b;
	size_t off = 0, l;

	cr_assert_not_null(p);
	b = p->data;
	cr_assert_eq(p->len, 43);
	l = tlv(b, p->len, &off, 0x30);			/* Message */
	cr_assert_eq(off + l, p->len);
	l = tlv(b, p->len, &off, 0x02);			/* version */
	cr_assert_eq(l, 1);
	cr_assert_eq(b[off], 1, "v2c");
	off += l;
	l = tlv(b, p->len, &off, 0x04);			/* community */
	cr_assert_eq(l, 6);
	cr_assert(memcmp(b + off, "public", 6) == 0);
	off += l;
	l = tlv(b, p->len, &off, 0xa0);			/* GetRequest-PDU */
	cr_assert_eq(off + l, p->len);
	l = tlv(b, p->len, &off, 0x02);			/* request-id */
	off += l;
	l = tlv(b, p->len, &off, 0x02);			/* error-status */
	cr_assert_eq(l, 1);
	cr_assert_eq(b[off], 0);
	off += l;
	l = tlv(b, p->len, &off, 0x02);			/* error-index */
	cr_assert_eq(b[off], 0);
	off += l;
	l = tlv(b, p->len, &off, 0x30);			/* VarBindList */
	cr_assert_eq(off + l, p->len);
	l = tlv(b, p->len, &off, 0x30);			/* VarBind */
	cr_assert_eq(off + l, p->len);
	l = tlv(b, p->len, &off, 0x06);			/* name */
	cr_assert_eq(l, sizeof(oid));
	cr_assert(memcmp(b + off, oid, sizeof(oid)) == 0, "1.3.6.1.2.1.1.1.0");
	off += l;
	l = tlv(b, p->len, &off, 0x05);			/* NULL value */
	cr_assert_eq(l, 0);
	cr_assert_eq(off, p->len);
}

Test(payloads, other_ports_send_empty)
{
	cr_assert_null(ps_payload_for_port(9));
	cr_assert_null(ps_payload_for_port(5353));
}

Test(payloads, responder_round_trip)
{
	char buf[PS_RESPONDER_REQUEST_SIZE + 1];
	const char *info;
	size_t n = ps_payload_reply_build(buf, sizeof(buf), "0.1.0 hostA"), ilen;
	const struct ps_payload *req = ps_payload_responder();

	cr_assert_str_eq(buf, "portscope-reply 1 0.1.0 hostA\n");
	/* The request is padded so that the longest reply fits in as many bytes. */
	cr_assert_eq(req->len, PS_RESPONDER_REQUEST_SIZE);
	cr_assert(ps_payload_is_request(req->data, req->len));
	cr_assert(ps_payload_is_request((const uint8_t *)PS_RESPONDER_REQUEST,
					strlen(PS_RESPONDER_REQUEST)));
	cr_assert(!ps_payload_is_request((const uint8_t *)"portscope-probe 1", 17));
	cr_assert(!ps_payload_is_request((const uint8_t *)buf, n));
	{
		char text[PS_RESPONDER_TEXT_MAX + 1];

		memset(text, 'x', PS_RESPONDER_TEXT_MAX);
		text[PS_RESPONDER_TEXT_MAX] = '\0';
		cr_assert_eq(ps_payload_reply_build(buf, sizeof(buf), text),
			     PS_RESPONDER_REQUEST_SIZE);
		cr_assert_eq(buf[PS_RESPONDER_REQUEST_SIZE - 1], '\n');
	}
	n = ps_payload_reply_build(buf, sizeof(buf), "0.1.0 hostA");
	cr_assert(ps_payload_is_reply((const uint8_t *)buf, n, &info, &ilen));
	cr_assert_eq(ilen, strlen("0.1.0 hostA"));
	cr_assert(memcmp(info, "0.1.0 hostA", ilen) == 0);
	cr_assert(!ps_payload_is_reply(req->data, req->len, NULL, NULL));
	cr_assert(!ps_payload_is_reply((const uint8_t *)"portscope", 9, NULL, NULL));
	/* cut to fit, still NUL-terminated */
	cr_assert_eq(ps_payload_reply_build(buf, 10, "0.1.0 h"), 9);
	cr_assert_eq(buf[9], '\0');
}

Test(payloads, text_with_escapes)
{
	struct ps_payload p;

	cr_assert_eq(ps_payload_parse_text("a\\x00b\\r\\n", &p, &err), 0);
	cr_assert_eq(p.len, 5);
	cr_assert(memcmp(p.data, "a\0b\r\n", 5) == 0);
	cr_assert_eq(ps_payload_parse_text("", &p, &err), 0);
	cr_assert_eq(p.len, 0);
	cr_assert_eq(ps_payload_parse_text("bad\\q", &p, &err), -1);
	cr_assert(strstr(err.msg, "\\q"), "%s", err.msg);
}

Test(payloads, hex)
{
	struct ps_payload p;

	cr_assert_eq(ps_payload_parse_hex("0x0aFF 10:20", &p, &err), 0);
	cr_assert_eq(p.len, 4);
	cr_assert(memcmp(p.data, "\x0a\xff\x10\x20", 4) == 0);
	cr_assert_eq(ps_payload_parse_hex("zz", &p, &err), -1);
	cr_assert(strstr(err.msg, "'z'"), "%s", err.msg);
	cr_assert_eq(ps_payload_parse_hex("abc", &p, &err), -1);
	cr_assert(strstr(err.msg, "odd"), "%s", err.msg);
}

Test(payloads, too_long)
{
	static char big[2 * PS_UDP_PAYLOAD_MAX + 3];
	struct ps_payload p;

	memset(big, 'a', sizeof(big) - 1);
	cr_assert_eq(ps_payload_parse_hex(big, &p, &err), -1);
	cr_assert_eq(ps_payload_parse_text(big, &p, &err), -1);
	cr_assert(strstr(err.msg, "longer"), "%s", err.msg);
}
