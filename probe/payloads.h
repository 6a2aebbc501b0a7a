/* UDP payloads: the built-in protocol requests that make a real service answer (and so
 * prove a port open), the request and reply of portscope's own responder, and the
 * parsers for the user's --payload and --payload-hex. */
#ifndef PS_PAYLOADS_H
#define PS_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"

/* The largest payload portscope sends: an IPv6 datagram that fits a 1500-byte MTU. */
#define PS_UDP_PAYLOAD_MAX 1452

struct ps_payload {
	const char *name;	/* "dns", "ntp", "snmp", "portscope", "user" */
	uint8_t data[PS_UDP_PAYLOAD_MAX];
	size_t len;
};

/* The built-in payload for a UDP port (53 DNS, 123 NTP, 161 SNMP), or NULL when the port
 * has none (portscope's responder request is sent then, ps_payload_responder()). The payloads are built once; thread-safe after
 * the first call. */
const struct ps_payload *ps_payload_for_port(unsigned port);

/* DNS query for the root's NS records (RFC 1035), id as given. Returns its length. */
size_t ps_payload_dns_root_ns(uint8_t *buf, size_t len, uint16_t id);
/* NTP client request (RFC 5905: version 4, mode 3). Returns its length (48). */
size_t ps_payload_ntp_client(uint8_t *buf, size_t len);
/* SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0), community "public", BER
 * encoded (RFC 3416, X.690). Returns its length, 0 when buf is too small. */
size_t ps_payload_snmp_sysdescr(uint8_t *buf, size_t len, uint32_t request_id);

/* portscope's responder protocol: one line each way.
 *   request: "portscope-probe 1\n", padded with zero bytes to PS_RESPONDER_REQUEST_SIZE
 *   reply:   "portscope-reply 1 <text>\n" (text: serve --reply, by default the version)
 * serve answers only datagrams that start with the request line, and never with more
 * bytes than the datagram had: the padding makes room for the whole reply, and a reply to
 * a shorter request is cut to the request's size (no amplification). */
#define PS_RESPONDER_REQUEST "portscope-probe 1\n"
#define PS_RESPONDER_REQUEST_SIZE 128
#define PS_RESPONDER_REPLY_PREFIX "portscope-reply 1 "
/* The longest --reply text whose reply fits a padded request. */
#define PS_RESPONDER_TEXT_MAX (PS_RESPONDER_REQUEST_SIZE - sizeof(PS_RESPONDER_REPLY_PREFIX))
/* The responder's request as a payload (PS_RESPONDER_REQUEST_SIZE bytes). */
const struct ps_payload *ps_payload_responder(void);
/* True when buf[0..len) starts with the responder's request line. */
bool ps_payload_is_request(const uint8_t *buf, size_t len);
/* Write the reply carrying text into buf; returns its length (cut to fit). */
size_t ps_payload_reply_build(char *buf, size_t len, const char *text);
/* True when buf[0..len) is a portscope reply; *info (may be NULL) then points at
 * the reply's text inside buf and *info_len is its length (newline excluded). */
bool ps_payload_is_reply(const uint8_t *buf, size_t len, const char **info, size_t *info_len);

/* --payload STR: the user's text with the escapes \r \n \t \\ \xHH. Returns 0, or -1
 * with err naming the bad escape or the length limit. */
int ps_payload_parse_text(const char *s, struct ps_payload *out, ps_err *err);
/* --payload-hex HEX: pairs of hex digits, optionally separated by spaces or colons, an
 * optional leading "0x". Returns 0, or -1 with err naming the offending character. */
int ps_payload_parse_hex(const char *s, struct ps_payload *out, ps_err *err);

#endif
