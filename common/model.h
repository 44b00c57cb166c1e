/* SPDX-License-Identifier: MIT */
/* The vocabulary shared by every module: how a server is secured, which
 * protocol it speaks and which SASL mechanisms it takes, with their contract
 * spellings. Where a setting came from is common/source.h. Every name
 * returned here is a static string, never freed; nothing here allocates but
 * sd_auth_parse_list's scratch copy. */
#ifndef SD_COMMON_MODEL_H
#define SD_COMMON_MODEL_H

#include <stdbool.h>

#include "common/source.h"   /* where a setting came from: SD_SRC_* */

typedef enum sd_security {
    SD_SEC_UNKNOWN = 0,
    SD_SEC_TLS,          /* implicit TLS from the first byte ("SSL/TLS") */
    SD_SEC_STARTTLS,     /* plaintext greeting upgraded with STARTTLS */
    SD_SEC_PLAIN,        /* no TLS at all */
} sd_security;

typedef enum sd_protocol {
    SD_PROTO_SMTP = 0,
    SD_PROTO_IMAP,
    SD_PROTO_POP3,
} sd_protocol;

/* SASL mechanisms, as a bit mask; the order here is the order of strength
 * used when listing them. */
enum {
    SD_AUTH_XOAUTH2     = 1u << 0,
    SD_AUTH_OAUTHBEARER = 1u << 1,
    SD_AUTH_SCRAM_SHA_256 = 1u << 2,
    SD_AUTH_SCRAM_SHA_1 = 1u << 3,
    SD_AUTH_CRAM_MD5    = 1u << 4,
    SD_AUTH_NTLM        = 1u << 5,
    SD_AUTH_GSSAPI      = 1u << 6,
    SD_AUTH_PLAIN       = 1u << 7,
    SD_AUTH_LOGIN       = 1u << 8,
    SD_AUTH_EXTERNAL    = 1u << 9,
};
#define SD_AUTH_COUNT 10

const char *sd_security_name(sd_security s);          /* "tls", "starttls", "plain", "unknown" */
const char *sd_security_label(sd_security s);         /* "SSL/TLS", "STARTTLS", "None", translated */
const char *sd_security_label_english(sd_security s); /* the same, for the test message and config files */
/* The setting in a sentence ("with no encryption", never the form's "None"):
 * "SSL/TLS", "STARTTLS", "no encryption". */
const char *sd_security_words(sd_security s);
int sd_security_parse(const char *s, sd_security *out); /* accepts tls/ssl, starttls, plain/none */

const char *sd_protocol_name(sd_protocol p);           /* "smtp", "imap", "pop3" */

/* The well-known ports and the security each means, one row a port; the
 * list ends with port 0. security is what a client uses there (STARTTLS on
 * 25 when the server offers it); assigned says the port stands for that
 * security, so settings that name only the port mean it (465, 587, 993...;
 * not 25). SMTP rows come first, 465, 587, 25: the order guesses try. */
typedef struct sd_well_known_port {
    sd_protocol protocol;
    int port;
    sd_security security;
    bool assigned;
} sd_well_known_port;
extern const sd_well_known_port sd_well_known_ports[];

/* The port a security is assigned to: 465 for SMTP with TLS, 587 for
 * anything else (993/143 for IMAP, 995/110 for POP3). */
int sd_security_default_port(sd_protocol p, sd_security s);
/* The security a port is assigned to, else SD_SEC_UNKNOWN (port 25, or a
 * port nobody knows). */
sd_security sd_port_security(sd_protocol p, int port);
/* 465 and 587, the ports for mail submission (RFC 8314, RFC 6409). */
bool sd_port_is_submission(int port);
/* A well-known port of any protocol where the server greets in plain
 * text: 25, 587, 143, 110. */
bool sd_port_greets_in_plain_text(int port);

const char *sd_auth_name(unsigned single_bit);         /* "PLAIN" ... */
unsigned sd_auth_parse(const char *name);              /* 0 if unknown */
/* Parses a blank- or comma-separated list of mechanism names. */
unsigned sd_auth_parse_list(const char *list);

#endif
