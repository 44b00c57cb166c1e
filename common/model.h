/* The vocabulary shared by every module: how a server is secured, which
 * protocol it speaks and which SASL mechanisms it takes, with their contract
 * spellings. Where a setting came from is common/source.h. */
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
const char *sd_security_label(sd_security s);         /* "SSL/TLS", "STARTTLS", "None" */
int sd_security_parse(const char *s, sd_security *out); /* accepts tls/ssl, starttls, plain/none */
int sd_security_default_port(sd_protocol p, sd_security s);

const char *sd_protocol_name(sd_protocol p);           /* "smtp", "imap", "pop3" */

const char *sd_auth_name(unsigned single_bit);         /* "PLAIN" ... */
unsigned sd_auth_parse(const char *name);              /* 0 if unknown */
/* Parses a blank- or comma-separated list of mechanism names. */
unsigned sd_auth_parse_list(const char *list);

#endif
