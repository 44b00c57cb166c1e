/* SPDX-License-Identifier: MIT */
/* Findings: what a check observed, as the contract names it ("tcp.timeout").
 * Every layer passes findings as this enum; the code string, the layer, the
 * usual status and whether other settings are worth probing after it are
 * written once, in the table of common/finding.c. A new finding is one
 * enumerator, one row of that table and one entry of
 * presets/knowledge/findings.conf (a unit test checks all three agree with
 * the codes documented in doc/finding-codes.md).
 *
 * Everything here is static data: nothing to free. */
#ifndef SD_COMMON_FINDING_H
#define SD_COMMON_FINDING_H

#include <stdbool.h>

typedef enum sd_check_status {
    SD_CHECK_PASS = 0,
    SD_CHECK_WARN,
    SD_CHECK_FAIL,
    SD_CHECK_SKIP,
} sd_check_status;

typedef enum sd_finding {
    SD_F_NONE = 0,              /* no finding: a session that got through, a check not made */
    SD_F_DNS_OK,
    SD_F_DNS_NXDOMAIN,
    SD_F_DNS_NO_ADDRESS,
    SD_F_DNS_TIMEOUT,
    SD_F_DNS_SERVFAIL,
    SD_F_DISCOVER_OK,
    SD_F_DISCOVER_NONE,
    SD_F_TCP_OK,
    SD_F_TCP_REFUSED,
    SD_F_TCP_TIMEOUT,
    SD_F_TCP_UNREACHABLE,
    SD_F_TCP_RESET,
    SD_F_SMTP_OK,
    SD_F_SMTP_NO_GREETING,
    SD_F_SMTP_NOT_SMTP,
    SD_F_SMTP_REJECTED,
    SD_F_SMTP_REVERSE_DNS_REQUIRED,
    SD_F_SMTP_SIZE_LIMIT_SMALL,
    SD_F_TLS_OK,
    SD_F_TLS_IMPLICIT_EXPECTED,
    SD_F_TLS_STARTTLS_EXPECTED,
    SD_F_TLS_STARTTLS_UNAVAILABLE,
    SD_F_TLS_STARTTLS_INJECTED,
    SD_F_TLS_VERSION_TOO_OLD,
    SD_F_TLS_HANDSHAKE_FAILED,
    SD_F_TLS_REQUIRED,
    SD_F_TLS_NOT_USED,
    SD_F_CERT_EXPIRED,
    SD_F_CERT_NOT_YET_VALID,
    SD_F_CERT_SELF_SIGNED,
    SD_F_CERT_UNTRUSTED,
    SD_F_CERT_CHAIN_INCOMPLETE,
    SD_F_CERT_HOSTNAME_MISMATCH,
    SD_F_CERT_INTERCEPTED,
    SD_F_CERT_EXPIRING_SOON,
    SD_F_CERT_WEAK_KEY,
    SD_F_CERT_WEAK_SIGNATURE,
    SD_F_AUTH_OK,
    SD_F_AUTH_NOT_OFFERED,
    SD_F_AUTH_PLAINTEXT_REFUSED,
    SD_F_AUTH_MECHANISM_UNSUPPORTED,
    SD_F_AUTH_FAILED,
    SD_F_AUTH_UNTRUSTED_SERVER,
    SD_F_AUTH_WITHHELD,
    SD_F_AUTH_OAUTH_REQUIRED,
    SD_F_AUTH_TEMPORARY_FAILURE,
    SD_F_AUTH_APP_PASSWORD_REQUIRED,
    SD_F_AUTH_DISABLED_BY_PROVIDER,
    SD_F_AUTH_SKIPPED,
    SD_F_SEND_OK,
    SD_F_SEND_SKIPPED,
    SD_F_SEND_SENDER_REJECTED,
    SD_F_SEND_RECIPIENT_REJECTED,
    SD_F_SEND_RELAY_DENIED,
    SD_F_SEND_MESSAGE_REJECTED,
    SD_F_SEND_MESSAGE_TOO_BIG,
    SD_F_SEND_TEMPORARY_FAILURE,
    SD_F_RUN_DEADLINE,
    SD_F_COUNT
} sd_finding;

/* Entries of findings.conf more specific than a finding's own texts, for a
 * situation the diagnosis recognised (the check keeps its finding's code). */
typedef enum sd_finding_variant {
    SD_V_NONE = 0,
    SD_V_DNS_FAILING,                 /* dns.servfail: the network's DNS denies names that exist */
    SD_V_CERT_INTERCEPTED_REDIRECT,   /* cert.intercepted: a provider's host answered by another's certificate */
    SD_V_CERT_INTERCEPTED_INSPECTION, /* cert.intercepted: a product inspecting TLS, named by its CA */
    SD_V_CERT_CHAIN_CONFIRMED,        /* cert.chain_incomplete: the missing issuer was fetched and fits */
    SD_V_SETTINGS_OK,                 /* no finding: the summary when everything works */
    SD_V_COUNT
} sd_finding_variant;

/* "tcp.timeout"; NULL for SD_F_NONE or a value out of range. */
const char *sd_finding_code(sd_finding f);
/* The layer of the check that reports it: dns, tcp, tls (cert.* too), smtp,
 * auth, send; discover and run for the findings of a whole run. */
const char *sd_finding_layer(sd_finding f);
/* The status a check with this finding usually has (some checks soften a
 * failure to a warning, as --insecure does). */
sd_check_status sd_finding_status(sd_finding f);
/* Whether, when this is the first failure, the server's other ports and
 * modes (and the alternatives discovery found) may well work instead. */
bool sd_finding_worth_alternatives(sd_finding f);
/* The finding of a code string, or SD_F_NONE when the code is unknown. */
sd_finding sd_finding_from_code(const char *code);

/* "dns.failing"; NULL for SD_V_NONE. */
const char *sd_finding_variant_name(sd_finding_variant v);
/* The variant of a findings.conf entry name, or SD_V_NONE. */
sd_finding_variant sd_finding_variant_from_name(const char *name);

#endif
