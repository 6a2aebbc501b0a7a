/* SYN scan packets: building the SYN, parsing what comes back (see syn_pkt.h). Every
 * length is checked against the bytes read before a field is touched. */
#include <string.h>

#include "probe/syn_pkt.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sum of 16-bit big-endian words (RFC 1071), not yet folded. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

void ps_syn_build(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		  uint32_t seq)
{
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t ck;

	memset(buf, 0, PS_SYN_LEN);
	memcpy(buf, &sport, 2);
	memcpy(buf + 2, &dport, 2);
	buf[4] = (uint8_t)(seq >> 24);
	buf[5] = (uint8_t)(seq >> 16);
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	buf[12] = (PS_SYN_LEN / 4) << 4;	/* data offset */
	buf[13] = PS_SYN_F_SYN;
	buf[14] = 0x04;			/* window 1024 */
	buf[20] = 2;			/* MSS 1460 */
	buf[21] = 4;
	buf[22] = 1460 >> 8;
	buf[23] = 1460 & 0xff;
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;			/* TCP */
	pseudo[10] = 0;
	pseudo[11] = PS_SYN_LEN;
	sum = sum16(buf, PS_SYN_LEN, sum16(pseudo, sizeof(pseudo), 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)~sum;
	buf[16] = (uint8_t)(ck >> 8);
	buf[17] = (uint8_t)ck;
}

/* The IPv4 header at pkt: its length, or 0 when pkt is not an unfragmented IPv4 packet
 * of protocol proto that fits in len. */
static size_t ip_header(const uint8_t *pkt, size_t len, uint8_t proto)
{
	size_t ihl;

	if (len < 20 || pkt[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len || pkt[9] != proto)
		return 0;
	if (rd16(pkt + 6) & 0x1fff)	/* a fragment after the first */
		return 0;
	return ihl;
}

int ps_syn_parse_tcp(const uint8_t *pkt, size_t len, struct ps_syn_reply *r)
{
	size_t ihl = ip_header(pkt, len, 6);
	const uint8_t *t = pkt + ihl;

	if (!ihl || len - ihl < 20)
		return -1;
	memcpy(&r->addr, pkt + 12, 4);
	memcpy(&r->port, t, 2);
	memcpy(&r->our_port, t + 2, 2);
	r->flags = t[13];
	r->seq = rd32(t + 8) - 1;
	r->icmp_type = r->icmp_code = -1;
	return 0;
}

int ps_syn_parse_icmp(const uint8_t *pkt, size_t len, struct ps_syn_reply *r)
{
	size_t ihl = ip_header(pkt, len, 1), qhl;
	const uint8_t *icmp = pkt + ihl, *q, *t;

	/* ICMP header (8 bytes), then the quoted IP header and 8 bytes of its payload. */
	if (!ihl || len - ihl < 8 + 20 || icmp[0] != 3)
		return -1;
	q = icmp + 8;
	qhl = ip_header(q, len - ihl - 8, 6);
	if (!qhl || len - ihl - 8 - qhl < 8)
		return -1;
	t = q + qhl;
	memcpy(&r->addr, q + 16, 4);
	memcpy(&r->our_port, t, 2);
	memcpy(&r->port, t + 2, 2);
	r->seq = rd32(t + 4);
	r->flags = 0;
	r->icmp_type = icmp[0];
	r->icmp_code = icmp[1];
	return 0;
}
