/* Parsing of the options check and scan share, and the table of probe engines: an
 * engine for a new protocol is one line in engines[]. */
#include <string.h>

#include "cmd/cli.h"
#include "cmd/probeopts.h"
#include "probe/tcp.h"
#include "probe/udp.h"
#include "probe/escape.h"

static const struct {
	uint8_t proto;
	ps_probe_many_fn fn;
} engines[] = {
	{ IPPROTO_TCP, ps_tcp_probe_many },
	{ IPPROTO_UDP, ps_udp_probe_many },
};

const char ps_probe_opts_help[] =
	"      --timeout MS       per attempt, connect to verdict (default 1000)\n"
	"      --retries N        more attempts after a timeout (TCP default 0, UDP 1)\n"
	"      --concurrency N    probes in flight (default: as the descriptor limit allows)\n"
	"      --rate N           attempts started per second at most (default: no limit)\n"
	"      --send STR         send STR once connected (escapes \\r \\n \\t \\\\ \\xHH)\n"
	"      --expect STR       wait for STR in the reply (same escapes); no match: exit 1\n"
	"      --banner           capture up to 256 bytes the service sends first\n"
	"      --payload STR      UDP datagram to send (escapes as --send; default: a DNS,\n"
	"                         NTP or SNMP request on 53, 123, 161, else empty)\n"
	"      --payload-hex HEX  UDP datagram as hex digits\n"
	"  -4, --ipv4             IPv4 addresses only\n"
	"  -6, --ipv6             IPv6 addresses only\n";

void ps_probe_cli_init(struct ps_probe_cli *p)
{
	memset(p, 0, sizeof(*p));
	p->o.timeout_ms = 1000;
	p->o.retries = -1;
	p->family = AF_UNSPEC;
}

static int payload(const char *arg, const char *opt, char *buf, const char **out, size_t *len)
{
	const char *bad = NULL;
	long n = ps_unescape(arg, buf, PS_PAYLOAD_MAX, &bad);

	if (n < 0) {
		if (bad && *bad == '\\')
			ps_usage("invalid escape '%.4s' in %s (\\r \\n \\t \\\\ \\xHH)", bad, opt);
		else
			ps_usage("%s is too long (at most %d bytes)", opt, PS_PAYLOAD_MAX);
		return -1;
	}
	if (n == 0) {
		ps_usage("empty %s", opt);
		return -1;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

int ps_probe_cli_option(int c, struct ps_probe_cli *p)
{
	long v;

	switch (c) {
	case PS_OPT_TIMEOUT:
		if (ps_cli_number(optarg, "--timeout", 1, 3600000, &v) < 0)
			return -1;
		p->o.timeout_ms = (int)v;
		return 1;
	case PS_OPT_RETRIES:
		if (ps_cli_number(optarg, "--retries", 0, 100, &v) < 0)
			return -1;
		p->o.retries = (int)v;
		return 1;
	case PS_OPT_CONCURRENCY:
		if (ps_cli_number(optarg, "--concurrency", 1, 1 << 20, &v) < 0)
			return -1;
		p->o.concurrency = (int)v;
		return 1;
	case PS_OPT_RATE:
		if (ps_cli_number(optarg, "--rate", 1, 10000000, &v) < 0)
			return -1;
		p->o.rate = (double)v;
		return 1;
	case PS_OPT_SEND:
		return payload(optarg, "--send", p->send, &p->o.send, &p->o.send_len) < 0 ? -1 : 1;
	case PS_OPT_EXPECT:
		return payload(optarg, "--expect", p->expect, &p->o.expect, &p->o.expect_len) < 0 ? -1
													: 1;
	case PS_OPT_BANNER:
		p->o.banner = true;
		return 1;
	case PS_OPT_PAYLOAD:
	case PS_OPT_PAYLOAD_HEX: {
		const char *opt = c == PS_OPT_PAYLOAD ? "--payload" : "--payload-hex";
		ps_err err;

		if (p->o.udp_payload) {
			ps_usage("give one of --payload and --payload-hex, once");
			return -1;
		}
		if ((c == PS_OPT_PAYLOAD ? ps_payload_parse_text(optarg, &p->udp_payload, &err)
					 : ps_payload_parse_hex(optarg, &p->udp_payload, &err)) < 0) {
			ps_usage("%s in %s", err.msg, opt);
			return -1;
		}
		p->o.udp_payload = p->udp_payload.data;
		p->o.udp_payload_len = p->udp_payload.len;
		return 1;
	}
	case '4':
		p->v4 = true;
		return 1;
	case '6':
		p->v6 = true;
		return 1;
	default:
		return 0;
	}
}

int ps_probe_cli_finish(struct ps_probe_cli *p)
{
	if (p->v4 && p->v6)
		return ps_usage("-4 and -6 exclude each other");
	p->family = p->v4 ? AF_INET : p->v6 ? AF_INET6 : AF_UNSPEC;
	return 0;
}

ps_probe_many_fn ps_probe_engine(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (engines[i].proto == proto)
			return engines[i].fn;
	return NULL;
}

const char *ps_probe_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}
