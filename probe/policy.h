/* Audit policies: which listeners may exist ("allow") and which must ("require"), loaded
 * from JSON with jansson, matched against socket records, and turned into findings. */
#ifndef PS_POLICY_H
#define PS_POLICY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/err.h"
#include "probe/ports.h"
#include "probe/sockdiag.h"

/* The fields a rule names (struct ps_rule.has). */
enum {
	PS_RULE_PROTO = 1u << 0,
	PS_RULE_FAMILY = 1u << 1,
	PS_RULE_PORT = 1u << 2,
	PS_RULE_ADDRESS = 1u << 3,
	PS_RULE_EXPOSURE = 1u << 4,
	PS_RULE_COMMAND = 1u << 5,
	PS_RULE_USER = 1u << 6,
	PS_RULE_UNIT = 1u << 7,
	PS_RULE_CONTAINER = 1u << 8,
};

enum ps_rule_section { PS_SECTION_ALLOW, PS_SECTION_REQUIRE };

/* One rule: it matches a listening socket when every field it names matches. Laid out
 * small (a policy may hold a million rules): pointers first, enums in a byte. */
struct ps_rule {
	struct ps_portset *ports;	/* PS_RULE_PORT given as a SPEC string */
	char *port_text;		/* a SPEC port as written: "8000-8100", "ssh"; NULL
					 * for a JSON number (port_is_number) */
	char *address_text;
	char *command;			/* as portscope shows it: escaped by ps_escape */
	char *user;			/* a user name, or NULL when user_is_uid */
	char *unit;			/* systemd unit (NAME alone: NAME.service) */
	char *container;		/* a container id or a prefix of one */
	char *comment;			/* free text, not matched */
	struct in6_addr addr;		/* IPv4 in the first four bytes, like sock_rec */
	uint32_t index;			/* position in its section's array */
	int line, column;		/* where the rule's object starts in the file */
	uint32_t uid;
	uint16_t has;
	uint16_t port;			/* PS_RULE_PORT given as a JSON number (ports NULL) */
	uint8_t section;		/* enum ps_rule_section */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t addr_family;		/* of address */
	uint8_t exposure;		/* enum ps_exposure */
	bool port_is_number;		/* written as a JSON number */
	bool user_is_uid;
};

struct ps_policy {
	struct ps_rule *allow, *require;
	size_t nallow, nrequire;
};

/* Parse a policy from text (len bytes; name is used in messages). Returns 0, or -1 with
 * err: PS_ERR_INPUT "NAME:LINE:COLUMN: reason" for a policy that is not valid JSON or
 * breaks the schema (the position is that of the offending key or value), PS_ERR_NOMEM
 * when out of memory. p is filled only on success; free it with ps_policy_free. */
int ps_policy_parse(const char *text, size_t len, const char *name, struct ps_policy *p,
		    ps_err *err);

/* Read and parse the policy file at path: as ps_policy_parse, and -1 with PS_ERR_INPUT
 * when the file cannot be read (missing, unreadable, larger than 16 MiB). */
int ps_policy_load(const char *path, struct ps_policy *p, ps_err *err);

void ps_policy_free(struct ps_policy *p);

/* True when rule r matches the socket s (owners attached for command rules, cgroups for
 * unit and container rules). A family rule matches the sockets that accept that family:
 * "ipv4" takes a dual-stack `::` listener too. */
bool ps_policy_match(const struct ps_rule *r, const struct sock_rec *s);

enum ps_finding_kind { PS_FINDING_UNEXPECTED, PS_FINDING_MISSING };

/* unexpected: sock set, rule NULL. missing: rule set, sock NULL. */
struct ps_finding {
	enum ps_finding_kind kind;
	const struct ps_rule *rule;
	const struct sock_rec *sock;
};

struct ps_findings {
	struct ps_finding *v;
	size_t len, cap;
};

/* Compare n listening sockets (pointers) against p: every socket no allow rule matches is
 * unexpected (in socket order), then every require rule no socket matches is missing
 * (in rule order). Appends to out. Returns 0, or -1 with err when out of memory. */
int ps_policy_audit(const struct ps_policy *p, const struct sock_rec *const *recs, size_t n,
		    struct ps_findings *out, ps_err *err);
void ps_findings_free(struct ps_findings *f);

/* "unexpected" or "missing"; "allow" or "require". */
const char *ps_finding_kind_name(enum ps_finding_kind k);
const char *ps_rule_section_name(enum ps_rule_section s);

#endif
