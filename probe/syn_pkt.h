/* The packets of the SYN scan (probe/syn.c), with no I/O: the TCP SYN it sends over a raw
 * IPv4 socket (the kernel adds the IP header), and what it reads back, a TCP segment from
 * the raw TCP socket or an ICMP destination unreachable quoting a SYN from the raw ICMP
 * socket, both with their IPv4 header. Addresses and ports in network byte order. */
#ifndef PS_SYN_PKT_H
#define PS_SYN_PKT_H

#include <stddef.h>
#include <stdint.h>

/* A SYN with an MSS option: 24 bytes. */
#define PS_SYN_LEN 24

/* Build the SYN from saddr:sport to daddr:dport with sequence number seq into buf
 * (PS_SYN_LEN bytes), checksum included. */
void ps_syn_build(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		  uint32_t seq);

/* What came back for a probe: the probed address and port, our port, and either the
 * segment's flags and acknowledgement number (icmp_type < 0) or the ICMP type and code
 * with the sequence number of the quoted SYN. */
struct ps_syn_reply {
	uint32_t addr;		/* the probed host */
	uint16_t port;		/* the probed port */
	uint16_t our_port;
	uint8_t flags;		/* TCP flags (PS_SYN_F_*) of a segment */
	uint32_t seq;		/* ack of a segment less one, or the quoted SYN's seq */
	int icmp_type, icmp_code;	/* -1 for a segment */
};

#define PS_SYN_F_RST 0x04
#define PS_SYN_F_SYN 0x02
#define PS_SYN_F_ACK 0x10

/* Parse an IPv4 packet holding a TCP segment. Returns 0, or -1 when it is not one. */
int ps_syn_parse_tcp(const uint8_t *pkt, size_t len, struct ps_syn_reply *r);

/* Parse an IPv4 packet holding an ICMP destination unreachable that quotes a TCP
 * segment (its ports and sequence number). Returns 0, or -1 when it is not one. */
int ps_syn_parse_icmp(const uint8_t *pkt, size_t len, struct ps_syn_reply *r);

#endif
