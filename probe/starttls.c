/* The STARTTLS state machines, one reply handler per protocol over a shared line reader
 * (SMTP, IMAP, POP3, FTP), a one-byte answer (PostgreSQL) and a tag scanner (XMPP). No I/O
 * here: probe/tls.c moves the bytes. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe/starttls.h"

static const char *const names[] = {
	[PS_STARTTLS_NONE] = "",	  [PS_STARTTLS_SMTP] = "smtp",
	[PS_STARTTLS_IMAP] = "imap",	  [PS_STARTTLS_POP3] = "pop3",
	[PS_STARTTLS_FTP] = "ftp",	  [PS_STARTTLS_POSTGRES] = "postgres",
	[PS_STARTTLS_XMPP] = "xmpp",
};

/* PostgreSQL's SSLRequest: length 8, then the request code 80877103 (1234 << 16 | 5679). */
static const char pg_sslrequest[8] = { 0, 0, 0, 8, 0x04, (char)0xd2, 0x16, 0x2f };

#define IMAP_TAG "a1"

int ps_starttls_parse(const char *name, enum ps_starttls_proto *out, ps_err *err)
{
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum ps_starttls_proto)i;
			return 0;
		}
	}
	return ps_err_input(err, "unknown STARTTLS protocol '%s' (smtp, imap, pop3, ftp, postgres, "
			    "xmpp)", name);
}

const char *ps_starttls_name(enum ps_starttls_proto p)
{
	if ((size_t)p >= sizeof(names) / sizeof(names[0]))
		return "";
	return names[p];
}

static void queue(struct ps_starttls *s, const char *data, size_t len)
{
	if (len > sizeof(s->out))
		len = sizeof(s->out);
	memcpy(s->out, data, len);
	s->out_len = len;
	s->out_off = 0;
}

static void queue_str(struct ps_starttls *s, const char *text)
{
	queue(s, text, strlen(text));
}

/* End the machine with a verdict and, for a no, what the server said. */
static void finish(struct ps_starttls *s, enum ps_starttls_verdict v, const char *what,
		   const char *line)
{
	s->verdict = v;
	if (line)
		snprintf(s->why, sizeof(s->why), "%s: '%.120s'", what, line);
	else
		snprintf(s->why, sizeof(s->why), "%s", what);
}

/* An XMPP stream header for server; a name with XML metacharacters is left out of 'to'
 * rather than escaped, as no DNS name holds one. */
static void xmpp_open(struct ps_starttls *s, const char *server)
{
	char buf[PS_STARTTLS_OUT_MAX];
	int n;

	if (!server || strpbrk(server, "'\"<>&") || strlen(server) > 255)
		server = "";
	n = snprintf(buf, sizeof(buf),
		     "<?xml version='1.0'?><stream:stream to='%s' version='1.0' "
		     "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
		     server);
	queue(s, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void ps_starttls_init(struct ps_starttls *s, enum ps_starttls_proto proto, const char *server,
		      const char *client)
{
	memset(s, 0, sizeof(*s));
	s->proto = proto;
	if (proto == PS_STARTTLS_POSTGRES)
		queue(s, pg_sslrequest, sizeof(pg_sslrequest));
	else if (proto == PS_STARTTLS_XMPP)
		xmpp_open(s, server);
	else if (proto == PS_STARTTLS_SMTP) {
		/* A name that would break the EHLO command line is replaced. */
		if (!client || !*client || strpbrk(client, "\r\n ") ||
		    strlen(client) >= sizeof(s->client))
			client = "localhost";
		snprintf(s->client, sizeof(s->client), "%s", client);
	} else if (proto == PS_STARTTLS_NONE)
		s->verdict = PS_STARTTLS_READY;
}

const char *ps_starttls_pending(const struct ps_starttls *s, size_t *len)
{
	*len = s->out_len - s->out_off;
	return *len ? s->out + s->out_off : NULL;
}

void ps_starttls_sent(struct ps_starttls *s, size_t n)
{
	s->out_off += n;
	if (s->out_off >= s->out_len)
		s->out_off = s->out_len = 0;
}

/* A reply line of SMTP or FTP: "ddd-text" continues a reply, "ddd text" or "ddd" ends it.
 * Returns the code when the line ends a reply, 0 when more lines follow, -1 when the line
 * is not a reply line. FTP (RFC 959 4.2) lets the lines between the first and the last be
 * any text, so with loose those are continuation lines. */
static int reply_code(struct ps_starttls *s, const char *line, bool loose)
{
	int code = -1;
	char sep = '\0';

	if (line[0] >= '1' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
	    line[2] >= '0' && line[2] <= '9') {
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		sep = line[3];
	}
	if (sep != ' ' && sep != '\0' && sep != '-')
		code = -1;
	if (s->code && loose && !(code == s->code && sep != '-'))
		return 0;
	if (code < 0 || (s->code && code != s->code))
		return -1;
	if (sep == '-') {
		s->code = code;
		return 0;
	}
	s->code = 0;
	return code;
}

/* An EHLO reply line naming the STARTTLS extension (RFC 3207 4). */
static bool smtp_names_starttls(const char *line)
{
	return strncasecmp(line + 4, "STARTTLS", 8) == 0 &&
	       (line[12] == '\0' || line[12] == ' ');
}

static void smtp_line(struct ps_starttls *s, const char *line)
{
	char ehlo[300];
	int code = reply_code(s, line, false);

	if (code < 0) {
		finish(s, PS_STARTTLS_BAD, "not an SMTP reply", line);
		return;
	}
	if (s->stage == 1 && strlen(line) >= 12 && smtp_names_starttls(line))
		s->offered = true;
	if (code == 0)
		return;
	if (s->stage == 0 && code == 220) {
		snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", s->client);
		queue_str(s, ehlo);
		s->stage = 1;
	} else if (s->stage == 1 && code == 250 && s->offered) {
		queue_str(s, "STARTTLS\r\n");
		s->stage = 2;
	} else if (s->stage == 1 && code == 250)
		finish(s, PS_STARTTLS_REFUSED, "STARTTLS is not in the EHLO reply", NULL);
	else if (s->stage == 2 && code == 220)
		finish(s, PS_STARTTLS_READY, "", NULL);
	else
		finish(s, PS_STARTTLS_REFUSED, "server replied", line);
}

static void ftp_line(struct ps_starttls *s, const char *line)
{
	int code = reply_code(s, line, true);

	if (code < 0) {
		finish(s, PS_STARTTLS_BAD, "not an FTP reply", line);
		return;
	}
	/* 1yz is a preliminary reply (120: ready in nnn minutes): the real one follows. */
	if (code < 200)
		return;
	if (s->stage == 0 && code == 220) {
		queue_str(s, "AUTH TLS\r\n");
		s->stage = 1;
	} else if (s->stage == 1 && code == 234)
		finish(s, PS_STARTTLS_READY, "", NULL);
	else
		finish(s, PS_STARTTLS_REFUSED, "server replied", line);
}

/* line starts with word followed by a space or its end, case-insensitively. */
static bool starts_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	return strncasecmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

/* IMAP: the greeting is "* OK" (RFC 3501 7.1.1); "* PREAUTH" means already authenticated,
 * where STARTTLS is not allowed, and "* BYE" a rejection. Then untagged lines until the
 * tagged completion of our command. */
static void imap_line(struct ps_starttls *s, const char *line)
{
	if (s->stage == 0) {
		if (starts_word(line, "* OK")) {
			queue_str(s, IMAP_TAG " STARTTLS\r\n");
			s->stage = 1;
		} else if (starts_word(line, "* PREAUTH") || starts_word(line, "* BYE"))
			finish(s, PS_STARTTLS_REFUSED, "server greeted", line);
		else
			finish(s, PS_STARTTLS_BAD, "not an IMAP greeting", line);
		return;
	}
	if (starts_word(line, "* BYE") || starts_word(line, IMAP_TAG " NO") ||
	    starts_word(line, IMAP_TAG " BAD"))
		finish(s, PS_STARTTLS_REFUSED, "server replied", line);
	else if (line[0] == '*' && line[1] == ' ')
		return;
	else if (starts_word(line, IMAP_TAG " OK"))
		finish(s, PS_STARTTLS_READY, "", NULL);
	else
		finish(s, PS_STARTTLS_BAD, "not an IMAP reply", line);
}

/* POP3: "+OK" or "-ERR" start every reply (RFC 1939 3); STLS is RFC 2595 4. */
static void pop3_line(struct ps_starttls *s, const char *line)
{
	if (starts_word(line, "+OK") && s->stage == 0) {
		queue_str(s, "STLS\r\n");
		s->stage = 1;
	} else if (starts_word(line, "+OK"))
		finish(s, PS_STARTTLS_READY, "", NULL);
	else if (starts_word(line, "-ERR"))
		finish(s, PS_STARTTLS_REFUSED, "server replied", line);
	else
		finish(s, PS_STARTTLS_BAD, "not a POP3 reply", line);
}

static void end_line(struct ps_starttls *s)
{
	size_t n = s->line_len;

	if (n && s->line[n - 1] == '\r')
		n--;
	s->line[n] = '\0';
	s->line_len = 0;
	if (++s->lines > PS_STARTTLS_LINES_MAX) {
		finish(s, PS_STARTTLS_BAD, "too many reply lines", NULL);
		return;
	}
	switch (s->proto) {
	case PS_STARTTLS_SMTP: smtp_line(s, s->line); break;
	case PS_STARTTLS_FTP: ftp_line(s, s->line); break;
	case PS_STARTTLS_IMAP: imap_line(s, s->line); break;
	case PS_STARTTLS_POP3: pop3_line(s, s->line); break;
	default: finish(s, PS_STARTTLS_BAD, "not a line protocol", NULL); break;
	}
}

static size_t feed_lines(struct ps_starttls *s, const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && s->verdict == PS_STARTTLS_MORE && !s->out_len) {
		char c = data[i++];

		if (c == '\n')
			end_line(s);
		else if (s->line_len < sizeof(s->line) - 1)
			s->line[s->line_len++] = c;
	}
	return i;
}

static size_t feed_postgres(struct ps_starttls *s, const char *data)
{
	char text[2] = { data[0], '\0' };

	/* 'E' is an ErrorResponse from a server built without SSL support. */
	if (data[0] == 'S')
		finish(s, PS_STARTTLS_READY, "", NULL);
	else if (data[0] == 'N')
		finish(s, PS_STARTTLS_REFUSED, "server does not accept SSL", NULL);
	else if (data[0] == 'E')
		finish(s, PS_STARTTLS_REFUSED, "server answered SSLRequest with an error", NULL);
	else
		finish(s, PS_STARTTLS_BAD, "not a PostgreSQL answer",
		       (unsigned char)data[0] >= 0x20 && data[0] != 0x7f ? text : "?");
	return 1;
}

/* An element of the XMPP stream opens at depth (the stream itself is depth 0). */
static void xmpp_open_elem(struct ps_starttls *s, const char *name, int depth)
{
	struct ps_starttls_xml *x = &s->xml;

	if (depth == 1 && s->stage == 0 && strcmp(name, "features") == 0)
		x->in_features = true;
	else if (depth == 2 && x->in_features && strcmp(name, "starttls") == 0)
		x->offered = true;
	else if (depth == 1 && (strcmp(name, "failure") == 0 || strcmp(name, "error") == 0))
		finish(s, PS_STARTTLS_REFUSED, "server answered", name);
}

static void xmpp_close_elem(struct ps_starttls *s, const char *name, int depth)
{
	struct ps_starttls_xml *x = &s->xml;

	if (depth <= 0) {
		finish(s, PS_STARTTLS_REFUSED, "server closed the stream", NULL);
	} else if (depth == 1 && x->in_features && strcmp(name, "features") == 0) {
		x->in_features = false;
		if (!x->offered) {
			finish(s, PS_STARTTLS_REFUSED, "starttls is not in the stream features", NULL);
			return;
		}
		queue_str(s, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		s->stage = 1;
	} else if (depth == 1 && s->stage == 1 && strcmp(name, "proceed") == 0) {
		/* The end of <proceed/> (or of <proceed></proceed>) is the last byte before TLS. */
		finish(s, PS_STARTTLS_READY, "", NULL);
	}
}

/* A complete tag: its local name (the prefix dropped) opens and/or closes an element. */
static void xmpp_tag(struct ps_starttls *s)
{
	struct ps_starttls_xml *x = &s->xml;
	const char *colon = strrchr(x->name, ':');
	const char *name = colon ? colon + 1 : x->name;
	bool closes = x->end_tag || x->slash;

	if (x->skip)
		return;
	if (x->end_tag)
		x->depth--;
	else
		xmpp_open_elem(s, name, x->depth);
	if (closes && s->verdict == PS_STARTTLS_MORE)
		xmpp_close_elem(s, name, x->depth);
	if (!closes && ++x->depth > 64)
		finish(s, PS_STARTTLS_BAD, "XML nested too deep", NULL);
}

static void xmpp_tag_start(struct ps_starttls_xml *x)
{
	x->in_tag = x->naming = true;
	x->end_tag = x->skip = x->slash = false;
	x->quote = 0;
	x->name_len = 0;
	x->name[0] = '\0';
}

/* One byte inside a tag: its name, quoted attribute values (which may hold '>'), and
 * whether it closes itself. */
static void xmpp_tag_byte(struct ps_starttls *s, char c)
{
	struct ps_starttls_xml *x = &s->xml;

	if (x->quote) {
		if (c == x->quote)
			x->quote = 0;
		return;
	}
	if (x->naming && x->name_len == 0 && !x->end_tag && !x->skip &&
	    (c == '/' || c == '?' || c == '!')) {
		x->end_tag = c == '/';
		x->skip = c != '/';
		return;
	}
	if (c == '>') {
		x->in_tag = false;
		xmpp_tag(s);
		return;
	}
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/')
		x->naming = false;
	else if (x->naming && x->name_len < sizeof(x->name) - 1) {
		x->name[x->name_len++] = c;
		x->name[x->name_len] = '\0';
	}
	if (c == '\'' || c == '"')
		x->quote = c;
	x->slash = c == '/';
}

static size_t feed_xmpp(struct ps_starttls *s, const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && s->verdict == PS_STARTTLS_MORE && !s->out_len) {
		char c = data[i++];

		if (s->xml.in_tag)
			xmpp_tag_byte(s, c);
		else if (c == '<')
			xmpp_tag_start(&s->xml);
	}
	return i;
}

size_t ps_starttls_feed(struct ps_starttls *s, const char *data, size_t len)
{
	size_t used;

	if (s->verdict != PS_STARTTLS_MORE || s->out_len || len == 0)
		return 0;
	if (s->proto == PS_STARTTLS_POSTGRES)
		used = feed_postgres(s, data);
	else if (s->proto == PS_STARTTLS_XMPP)
		used = feed_xmpp(s, data, len);
	else
		used = feed_lines(s, data, len);
	s->bytes += used;
	if (s->verdict == PS_STARTTLS_MORE && s->bytes > PS_STARTTLS_BYTES_MAX)
		finish(s, PS_STARTTLS_BAD, "reply too long", NULL);
	return used;
}
