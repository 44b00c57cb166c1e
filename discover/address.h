/* SPDX-License-Identifier: MIT */
/* Parsing and validating an email address the user typed: dot-atom or quoted
 * local parts, upper case, a trailing dot, internationalised domains
 * (converted to their ASCII form with libidn2) and the length limits of
 * RFC 5321. */
#ifndef SD_DISCOVER_ADDRESS_H
#define SD_DISCOVER_ADDRESS_H

#include <stdbool.h>

#include "common/error.h"

typedef struct sd_address {
    char *local;         /* the local part as given (quotes kept) */
    char *domain;        /* ASCII (A-label) form, lower case, no trailing dot */
    char *domain_display;/* the domain in Unicode, for people to read */
    char *address;       /* local@domain with the ASCII domain */
} sd_address;

/* Fills *out (owned by the caller, freed with sd_address_free) or returns -1
 * with one sentence in err; after a failure *out is empty (every field
 * NULL), and freeing it is harmless. */
int sd_address_parse(const char *text, sd_address *out, sd_error *err);
void sd_address_free(sd_address *a);

/* The address as people write it: local@domain with the domain in Unicode
 * (user@bücher.de), the same as `address` for an ASCII domain. A new string
 * the caller frees. */
char *sd_address_for_people(const sd_address *a);

/* Validates and converts a host name the same way (IDN to ASCII, lower case,
 * trailing dot removed, label syntax). Returns a new string or NULL. */
char *sd_hostname_normalize(const char *text, sd_error *err);

/* A server name as typed into an SMTP form: also a name of one label (a
 * LAN host such as "mailhost", "localhost") or an IPv4 or IPv6 address
 * ("[::1]" loses its brackets). Returns a new string or NULL. */
char *sd_server_name_normalize(const char *text, sd_error *err);


/* Replaces %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% in a template,
 * into a new string the caller frees.
 * A placeholder whose closing '%' is missing (a defect seen in real ISPDB
 * files) is still replaced, and *defect is set when defect is not NULL. */
char *sd_address_expand(const sd_address *a, const char *template_text, int *defect);

/* A host name a source may name: letters, digits, '.', '-' and '_' only,
 * at most 253 characters (checked for every discovered server, so that no
 * document or DNS answer can put a quote, a space or a '$' into an export
 * or a message). */
bool sd_host_name_safe(const char *host);

/* A discovered username's own text (a template's text outside its
 * placeholders, or Autodiscover's LoginName) is free of control characters,
 * blanks and the characters shells and config readers act on ($ ` ' " ; |
 * & < > ( ) { } [ ] * ? !). A backslash is allowed where backslash_ok
 * (Exchange's DOMAIN\user). What a placeholder expands to comes from the
 * user's own address and is quoted, not refused. */
bool sd_username_text_safe(const char *text, bool backslash_ok);
#endif
