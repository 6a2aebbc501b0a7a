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
 * has none (an empty datagram is sent). The payloads are built once; thread-safe after
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
 *   request: "portscope-probe 1\n"
 *   reply:   "portscope-reply 1 <version> <hostname>\n"
 * serve answers any datagram, so the request mainly lets a reader recognise us. */
#define PS_RESPONDER_REQUEST "portscope-probe 1\n"
#define PS_RESPONDER_REPLY_PREFIX "portscope-reply 1 "
/* The responder's request as a payload. */
const struct ps_payload *ps_payload_responder(void);
/* Write a reply naming version and hostname into buf; returns its length (cut to fit). */
size_t ps_payload_reply_build(char *buf, size_t len, const char *version, const char *hostname);
/* True when buf[0..len) is a portscope reply; *info (may be NULL) then points at
 * "<version> <hostname>" inside buf and *info_len is its length (newline excluded). */
bool ps_payload_is_reply(const uint8_t *buf, size_t len, const char **info, size_t *info_len);

/* --payload STR: the user's text with the escapes \r \n \t \\ \xHH. Returns 0, or -1
 * with err naming the bad escape or the length limit. */
int ps_payload_parse_text(const char *s, struct ps_payload *out, ps_err *err);
/* --payload-hex HEX: pairs of hex digits, optionally separated by spaces or colons, an
 * optional leading "0x". Returns 0, or -1 with err naming the offending character. */
int ps_payload_parse_hex(const char *s, struct ps_payload *out, ps_err *err);

#endif
