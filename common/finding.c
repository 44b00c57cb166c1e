/* SPDX-License-Identifier: MIT */
/* The one table of findings (common/finding.h). Rows are indexed by the
 * enum, so a finding without a row has no code and the unit test that walks
 * the enum says which. */
#include "common/finding.h"

#include <string.h>

typedef struct finding_row {
    const char *code;
    const char *layer;
    sd_check_status status;
    bool worth_alternatives;      /* the server's other ports and modes may well work */
} finding_row;

/* A refused, dropped or reset connection, a handshake or greeting that goes
 * wrong: all of them may be this port or mode only, so the other usual ports
 * and modes are probed. A certificate, a login or a refusal of the message is
 * the server's, whatever the port. */
static const finding_row findings[SD_F_COUNT] = {
    [SD_F_DNS_OK] = {"dns.ok", "dns", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_DNS_NXDOMAIN] = {"dns.nxdomain", "dns", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_DNS_NO_ADDRESS] = {"dns.no_address", "dns", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_DNS_TIMEOUT] = {"dns.timeout", "dns", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_DNS_SERVFAIL] = {"dns.servfail", "dns", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_DISCOVER_OK] = {"discover.ok", "discover", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_DISCOVER_NONE] = {"discover.none", "discover", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_TCP_OK] = {"tcp.ok", "tcp", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_TCP_REFUSED] = {"tcp.refused", "tcp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TCP_TIMEOUT] = {"tcp.timeout", "tcp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TCP_UNREACHABLE] = {"tcp.unreachable", "tcp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TCP_RESET] = {"tcp.reset", "tcp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_SMTP_OK] = {"smtp.ok", "smtp", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_SMTP_NO_GREETING] = {"smtp.no_greeting", "smtp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_SMTP_NOT_SMTP] = {"smtp.not_smtp", "smtp", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_SMTP_REJECTED] = {"smtp.rejected", "smtp", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SMTP_REVERSE_DNS_REQUIRED] = {"smtp.reverse_dns_required", "smtp", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SMTP_SIZE_LIMIT_SMALL] = {"smtp.size_limit_small", "smtp", SD_CHECK_WARN, .worth_alternatives = false},
    [SD_F_TLS_OK] = {"tls.ok", "tls", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_TLS_IMPLICIT_EXPECTED] = {"tls.implicit_expected", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_STARTTLS_EXPECTED] = {"tls.starttls_expected", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_STARTTLS_UNAVAILABLE] = {"tls.starttls_unavailable", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_STARTTLS_INJECTED] = {"tls.starttls_injected", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_VERSION_TOO_OLD] = {"tls.version_too_old", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_HANDSHAKE_FAILED] = {"tls.handshake_failed", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_REQUIRED] = {"tls.required", "tls", SD_CHECK_FAIL, .worth_alternatives = true},
    [SD_F_TLS_NOT_USED] = {"tls.not_used", "tls", SD_CHECK_WARN, .worth_alternatives = false},
    [SD_F_CERT_EXPIRED] = {"cert.expired", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_NOT_YET_VALID] = {"cert.not_yet_valid", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_SELF_SIGNED] = {"cert.self_signed", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_UNTRUSTED] = {"cert.untrusted", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_CHAIN_INCOMPLETE] = {"cert.chain_incomplete", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_HOSTNAME_MISMATCH] = {"cert.hostname_mismatch", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_INTERCEPTED] = {"cert.intercepted", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_EXPIRING_SOON] = {"cert.expiring_soon", "tls", SD_CHECK_WARN, .worth_alternatives = false},
    [SD_F_CERT_WEAK_KEY] = {"cert.weak_key", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_CERT_WEAK_SIGNATURE] = {"cert.weak_signature", "tls", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_OK] = {"auth.ok", "auth", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_AUTH_NOT_OFFERED] = {"auth.not_offered", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_PLAINTEXT_REFUSED] = {"auth.plaintext_refused", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_MECHANISM_UNSUPPORTED] = {"auth.mechanism_unsupported", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_FAILED] = {"auth.failed", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_UNTRUSTED_SERVER] = {"auth.untrusted_server", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_WITHHELD] = {"auth.withheld", "auth", SD_CHECK_SKIP, .worth_alternatives = false},
    [SD_F_AUTH_OAUTH_REQUIRED] = {"auth.oauth_required", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_TEMPORARY_FAILURE] = {"auth.temporary_failure", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_APP_PASSWORD_REQUIRED] = {"auth.app_password_required", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_DISABLED_BY_PROVIDER] = {"auth.disabled_by_provider", "auth", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_AUTH_SKIPPED] = {"auth.skipped", "auth", SD_CHECK_SKIP, .worth_alternatives = false},
    [SD_F_SEND_OK] = {"send.ok", "send", SD_CHECK_PASS, .worth_alternatives = false},
    [SD_F_SEND_SKIPPED] = {"send.skipped", "send", SD_CHECK_SKIP, .worth_alternatives = false},
    [SD_F_SEND_SENDER_REJECTED] = {"send.sender_rejected", "send", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SEND_RECIPIENT_REJECTED] = {"send.recipient_rejected", "send", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SEND_RELAY_DENIED] = {"send.relay_denied", "send", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SEND_MESSAGE_REJECTED] = {"send.message_rejected", "send", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SEND_MESSAGE_TOO_BIG] = {"send.message_too_big", "send", SD_CHECK_FAIL, .worth_alternatives = false},
    [SD_F_SEND_TEMPORARY_FAILURE] = {"send.temporary_failure", "send", SD_CHECK_WARN, .worth_alternatives = false},
    [SD_F_RUN_DEADLINE] = {"run.deadline", "run", SD_CHECK_FAIL, .worth_alternatives = false},
};

/* What each refines is said in common/finding.h. */
static const char *const variants[SD_V_COUNT] = {
    [SD_V_DNS_FAILING] = "dns.failing",
    [SD_V_CERT_INTERCEPTED_REDIRECT] = "cert.intercepted.redirect",
    [SD_V_CERT_INTERCEPTED_INSPECTION] = "cert.intercepted.inspection",
    [SD_V_CERT_CHAIN_CONFIRMED] = "cert.chain_incomplete.confirmed",
    [SD_V_SETTINGS_OK] = "settings.ok",
};

static const finding_row *row(sd_finding f)
{
    return f > SD_F_NONE && f < SD_F_COUNT ? &findings[f] : NULL;
}

const char *sd_finding_code(sd_finding f)
{
    return row(f) ? row(f)->code : NULL;
}

const char *sd_finding_layer(sd_finding f)
{
    return row(f) ? row(f)->layer : NULL;
}

sd_check_status sd_finding_status(sd_finding f)
{
    return row(f) ? row(f)->status : SD_CHECK_SKIP;
}

bool sd_finding_worth_alternatives(sd_finding f)
{
    return row(f) && row(f)->worth_alternatives;
}

sd_finding sd_finding_from_code(const char *code)
{
    for (int f = SD_F_NONE + 1; code && f < SD_F_COUNT; f++)
        if (findings[f].code && strcmp(findings[f].code, code) == 0)
            return (sd_finding)f;
    return SD_F_NONE;
}

const char *sd_finding_variant_name(sd_finding_variant v)
{
    return v > SD_V_NONE && v < SD_V_COUNT ? variants[v] : NULL;
}

sd_finding_variant sd_finding_variant_from_name(const char *name)
{
    for (int v = SD_V_NONE + 1; name && v < SD_V_COUNT; v++)
        if (variants[v] && strcmp(variants[v], name) == 0)
            return (sd_finding_variant)v;
    return SD_V_NONE;
}
