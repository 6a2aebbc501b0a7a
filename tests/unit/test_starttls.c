/* The STARTTLS machines on canned server replies, with no socket: the requests they queue,
 * the verdicts, and that they stop exactly after the final reply (the next byte is TLS),
 * whether the replies come whole or one byte at a time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "probe/starttls.h"

/* Feed text as a server would send it (in chunks of chunk bytes) and return how many bytes
 * the machine used; requests it queues are taken as sent and collected in sent. */
static size_t converse(struct ps_starttls *s, const char *text, size_t chunk, char *sent,
		       size_t sent_size)
{
	size_t off = 0, len = strlen(text), n, plen, have = 0;
	const char *p;

	sent[0] = '\0';
	for (;;) {
		while ((p = ps_starttls_pending(s, &plen))) {
			n = plen < sent_size - have - 1 ? plen : sent_size - have - 1;
			memcpy(sent + have, p, n);
			sent[have += n] = '\0';
			ps_starttls_sent(s, plen);
		}
		if (s->verdict != PS_STARTTLS_MORE || off == len)
			return off;
		n = ps_starttls_feed(s, text + off, len - off < chunk ? len - off : chunk);
		if (n == 0 && !ps_starttls_pending(s, &plen))
			return off;
		off += n;
	}
}

/* Run proto over text whole and byte by byte: same requests, verdict and bytes used. */
static void expect(enum ps_starttls_proto proto, const char *text, const char *sent,
		   enum ps_starttls_verdict verdict, size_t used)
{
	size_t chunks[] = { 4096, 1, 7 };

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct ps_starttls s;
		char out[2048];

		ps_starttls_init(&s, proto, "good.test", NULL);
		cr_assert_eq(converse(&s, text, chunks[k], out, sizeof(out)), used,
			     "chunk %zu: used", chunks[k]);
		cr_assert_eq(s.verdict, verdict, "chunk %zu: verdict %d (%s)", chunks[k], s.verdict,
			     s.why);
		if (proto != PS_STARTTLS_POSTGRES)
			cr_assert_str_eq(out, sent);
	}
}

#define TLS_BYTES "\x16\x03\x01"

Test(starttls, names)
{
	enum ps_starttls_proto p;
	ps_err err;

	cr_assert_eq(ps_starttls_parse("postgres", &p, &err), 0);
	cr_assert_eq(p, PS_STARTTLS_POSTGRES);
	cr_assert_str_eq(ps_starttls_name(p), "postgres");
	cr_assert_eq(ps_starttls_parse("nope", &p, &err), -1);
	cr_assert_eq(err.kind, PS_ERR_INPUT);
	cr_assert(strstr(err.msg, "'nope'"), "%s", err.msg);
	cr_assert_eq(ps_starttls_parse("SMTP", &p, &err), -1);
}

Test(starttls, smtp_upgrade_stops_before_tls)
{
	const char *reply = "220-mx.test ESMTP\r\n220 mx.test ready\r\n"
			    "250-mx.test\r\n250-starttls\r\n250 SIZE 1000\r\n"
			    "220 2.0.0 go ahead\r\n";
	char text[512];

	snprintf(text, sizeof(text), "%s" TLS_BYTES, reply);
	expect(PS_STARTTLS_SMTP, text, "EHLO localhost\r\nSTARTTLS\r\n", PS_STARTTLS_READY,
	       strlen(reply));
}

Test(starttls, smtp_refusals)
{
	expect(PS_STARTTLS_SMTP, "554 no service\r\n", "", PS_STARTTLS_REFUSED, 16);
	expect(PS_STARTTLS_SMTP, "220 hi\r\n250-mx\r\n250 STARTTLSX\r\n", "EHLO localhost\r\n",
	       PS_STARTTLS_REFUSED, 31);
	expect(PS_STARTTLS_SMTP, "220 hi\r\n250 STARTTLS\r\n454 later\r\n",
	       "EHLO localhost\r\nSTARTTLS\r\n", PS_STARTTLS_REFUSED, 33);
	/* A continuation line with another code is not SMTP. */
	expect(PS_STARTTLS_SMTP, "220-a\r\n221 b\r\n", "", PS_STARTTLS_BAD, 14);
	expect(PS_STARTTLS_SMTP, "SSH-2.0-OpenSSH_9.2\r\n", "", PS_STARTTLS_BAD, 21);
}

Test(starttls, smtp_client_name)
{
	struct ps_starttls s;
	char out[256];

	ps_starttls_init(&s, PS_STARTTLS_SMTP, "mx.test", "probe.example");
	converse(&s, "220 hi\n", 4096, out, sizeof(out));
	cr_assert_str_eq(out, "EHLO probe.example\r\n");
	ps_starttls_init(&s, PS_STARTTLS_SMTP, "mx.test", "bad\r\nRCPT");
	converse(&s, "220 hi\n", 4096, out, sizeof(out));
	cr_assert_str_eq(out, "EHLO localhost\r\n");
}

Test(starttls, ftp_preliminary_and_free_text_lines)
{
	const char *reply = "120 ready in 1 minute\r\n220-Welcome\r\n any text\r\n220-more\r\n"
			    "220 ready\r\n234 AUTH TLS ok\r\n";
	char text[512];

	snprintf(text, sizeof(text), "%s" TLS_BYTES, reply);
	expect(PS_STARTTLS_FTP, text, "AUTH TLS\r\n", PS_STARTTLS_READY, strlen(reply));
	expect(PS_STARTTLS_FTP, "220 ok\r\n500 unknown\r\n", "AUTH TLS\r\n", PS_STARTTLS_REFUSED,
	       21);
	expect(PS_STARTTLS_FTP, "421 too many users\r\n", "", PS_STARTTLS_REFUSED, 20);
}

Test(starttls, imap)
{
	const char *reply = "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n* CAPABILITY IMAP4rev1\r\n"
			    "a1 OK begin TLS\r\n";
	char text[512];

	snprintf(text, sizeof(text), "%s" TLS_BYTES, reply);
	expect(PS_STARTTLS_IMAP, text, "a1 STARTTLS\r\n", PS_STARTTLS_READY, strlen(reply));
	expect(PS_STARTTLS_IMAP, "* PREAUTH logged in\r\n", "", PS_STARTTLS_REFUSED, 21);
	expect(PS_STARTTLS_IMAP, "* BYE busy\r\n", "", PS_STARTTLS_REFUSED, 12);
	expect(PS_STARTTLS_IMAP, "* OK hi\r\na1 BAD unknown\r\n", "a1 STARTTLS\r\n",
	       PS_STARTTLS_REFUSED, 25);
	expect(PS_STARTTLS_IMAP, "* OK hi\r\nb7 OK other tag\r\n", "a1 STARTTLS\r\n",
	       PS_STARTTLS_BAD, 26);
}

Test(starttls, pop3)
{
	expect(PS_STARTTLS_POP3, "+OK hi\r\n+OK go\r\n" TLS_BYTES, "STLS\r\n", PS_STARTTLS_READY,
	       16);
	expect(PS_STARTTLS_POP3, "+OK hi\r\n-ERR no\r\n", "STLS\r\n", PS_STARTTLS_REFUSED, 17);
	expect(PS_STARTTLS_POP3, "-ERR busy\r\n", "", PS_STARTTLS_REFUSED, 11);
}

Test(starttls, postgres_one_byte_answer)
{
	struct ps_starttls s;
	const char *p;
	size_t len;

	ps_starttls_init(&s, PS_STARTTLS_POSTGRES, "db.test", NULL);
	p = ps_starttls_pending(&s, &len);
	cr_assert_eq(len, 8);
	cr_assert_eq(memcmp(p, "\0\0\0\x08\x04\xd2\x16\x2f", 8), 0);
	cr_assert_eq(ps_starttls_feed(&s, "S", 1), 0);	/* nothing read before the request left */
	ps_starttls_sent(&s, 3);
	ps_starttls_sent(&s, 5);
	cr_assert_null(ps_starttls_pending(&s, &len));
	cr_assert_eq(ps_starttls_feed(&s, "S" TLS_BYTES, 4), 1);
	cr_assert_eq(s.verdict, PS_STARTTLS_READY);
	expect(PS_STARTTLS_POSTGRES, "N", "", PS_STARTTLS_REFUSED, 1);
	expect(PS_STARTTLS_POSTGRES, "EFATAL", "", PS_STARTTLS_REFUSED, 1);
	expect(PS_STARTTLS_POSTGRES, "\x01", "", PS_STARTTLS_BAD, 1);
}

#define XMPP_OPEN "<?xml version='1.0'?><stream:stream to='good.test' version='1.0' " \
		  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
#define XMPP_STARTTLS "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
#define SERVER_HEAD "<?xml version='1.0'?><s:stream xmlns:s='http://etherx.jabber.org/streams' " \
		    "id='a>b' from=\"x\">"

Test(starttls, xmpp)
{
	const char *reply = SERVER_HEAD "<s:features><starttls xmlns='urn:ietf:params:xml:ns:"
			    "xmpp-tls'><required/></starttls><mechanisms><mechanism>PLAIN"
			    "</mechanism></mechanisms></s:features>"
			    "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
	const char *pair = SERVER_HEAD "<s:features><starttls/></s:features><proceed></proceed>";
	char text[1024];

	snprintf(text, sizeof(text), "%s" TLS_BYTES, reply);
	expect(PS_STARTTLS_XMPP, text, XMPP_OPEN XMPP_STARTTLS, PS_STARTTLS_READY, strlen(reply));
	expect(PS_STARTTLS_XMPP, pair, XMPP_OPEN XMPP_STARTTLS, PS_STARTTLS_READY, strlen(pair));
	expect(PS_STARTTLS_XMPP, SERVER_HEAD "<s:features/>", XMPP_OPEN, PS_STARTTLS_REFUSED,
	       strlen(SERVER_HEAD "<s:features/>"));
	expect(PS_STARTTLS_XMPP, SERVER_HEAD "<s:features><starttls/></s:features><failure/>",
	       XMPP_OPEN XMPP_STARTTLS, PS_STARTTLS_REFUSED,
	       strlen(SERVER_HEAD "<s:features><starttls/></s:features><failure/>"));
	expect(PS_STARTTLS_XMPP, SERVER_HEAD "</s:stream>", XMPP_OPEN, PS_STARTTLS_REFUSED,
	       strlen(SERVER_HEAD "</s:stream>"));
}

Test(starttls, xmpp_to_is_never_markup)
{
	struct ps_starttls s;
	size_t len;

	ps_starttls_init(&s, PS_STARTTLS_XMPP, "a'/><evil", NULL);
	cr_assert(strstr(ps_starttls_pending(&s, &len), "to=''"));
}

/* Servers that never finish a reply end in BAD, not in an endless read. */
Test(starttls, bounded)
{
	static char text[PS_STARTTLS_BYTES_MAX + 2048];
	struct ps_starttls s;
	char out[64];
	size_t n = 0;

	for (int i = 0; i <= PS_STARTTLS_LINES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "220-line %d\r\n", i);
	ps_starttls_init(&s, PS_STARTTLS_SMTP, "mx", NULL);
	converse(&s, text, sizeof(text), out, sizeof(out));
	cr_assert_eq(s.verdict, PS_STARTTLS_BAD);
	cr_assert_str_eq(s.why, "too many reply lines");

	memset(text, 'x', sizeof(text) - 1);
	memcpy(text, "220 ", 4);
	ps_starttls_init(&s, PS_STARTTLS_SMTP, "mx", NULL);
	converse(&s, text, sizeof(text), out, sizeof(out));
	cr_assert_eq(s.verdict, PS_STARTTLS_BAD);
	cr_assert_str_eq(s.why, "reply too long");

	/* An overlong line is cut, not refused: its code still counts. */
	memcpy(text + 3 * PS_STARTTLS_LINE_MAX, "\r\n", 3);
	ps_starttls_init(&s, PS_STARTTLS_SMTP, "mx", NULL);
	converse(&s, text, sizeof(text), out, sizeof(out));
	cr_assert_eq(s.verdict, PS_STARTTLS_MORE);
	cr_assert_str_eq(out, "EHLO localhost\r\n");
}
