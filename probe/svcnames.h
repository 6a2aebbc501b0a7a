/* Service names to ports, from the services database's text (probe/ports.c reads the
 * file once and hands the text to both of its tables). */
#ifndef PS_SVCNAMES_H
#define PS_SVCNAMES_H

#include <stddef.h>

/* Replace the name index with the names and aliases of a services file's text, as the C
 * library reads it (any protocol, ports as strtoul gives them, file order kept). */
void ps_svcnames_parse(const char *text, size_t len);
/* Port of the first line naming NAME (or with it as an alias) for PROTO (NULL: any), as
 * getservbyname() answers from the same file; -1 when none. */
int ps_svcnames_port(const char *name, const char *proto);

#endif
