/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "common/model.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

const char *sd_security_name(sd_security s)
{
    switch (s) {
    case SD_SEC_TLS: return "tls";
    case SD_SEC_STARTTLS: return "starttls";
    case SD_SEC_PLAIN: return "plain";
    default: return "unknown";
    }
}

const char *sd_security_label_english(sd_security s)
{
    switch (s) {
    case SD_SEC_TLS: return "SSL/TLS";
    case SD_SEC_STARTTLS: return "STARTTLS";
    case SD_SEC_PLAIN: return "None";
    default: return "unknown";
    }
}

const char *sd_security_label(sd_security s)
{
    switch (s) {
    case SD_SEC_PLAIN: return _("None");   /* as mail programs name it */
    case SD_SEC_UNKNOWN: return _("unknown");
    default: return sd_security_label_english(s);
    }
}

const char *sd_security_words(sd_security s)
{
    return s == SD_SEC_PLAIN ? _("no encryption") : sd_security_label(s);
}

int sd_security_parse(const char *s, sd_security *out)
{
    if (sd_str_ieq(s, "tls") || sd_str_ieq(s, "ssl") || sd_str_ieq(s, "ssl/tls"))
        *out = SD_SEC_TLS;
    else if (sd_str_ieq(s, "starttls"))
        *out = SD_SEC_STARTTLS;
    else if (sd_str_ieq(s, "plain") || sd_str_ieq(s, "none"))
        *out = SD_SEC_PLAIN;
    else
        return -1;
    return 0;
}

/* The ports every mail program knows, each once. SMTP first, in the order
 * the guesses try them. Port 25 greets in plain text and offers STARTTLS
 * or not, as the server likes: no security is assigned to it. */
const sd_well_known_port sd_well_known_ports[] = {
    {SD_PROTO_SMTP, 465, SD_SEC_TLS, true},
    {SD_PROTO_SMTP, 587, SD_SEC_STARTTLS, true},
    {SD_PROTO_SMTP, 25, SD_SEC_STARTTLS, false},
    {SD_PROTO_IMAP, 993, SD_SEC_TLS, true},
    {SD_PROTO_IMAP, 143, SD_SEC_STARTTLS, true},
    {SD_PROTO_POP3, 995, SD_SEC_TLS, true},
    {SD_PROTO_POP3, 110, SD_SEC_STARTTLS, true},
    {SD_PROTO_SMTP, 0, SD_SEC_UNKNOWN, false},
};

static const sd_well_known_port *find_port(sd_protocol p, int port)
{
    for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++)
        if (w->protocol == p && w->port == port)
            return w;
    return NULL;
}

int sd_security_default_port(sd_protocol p, sd_security s)
{
    sd_security wanted = s == SD_SEC_TLS ? SD_SEC_TLS : SD_SEC_STARTTLS;
    for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++)
        if (w->protocol == p && w->assigned && w->security == wanted)
            return w->port;
    return 0;
}

sd_security sd_port_security(sd_protocol p, int port)
{
    const sd_well_known_port *w = find_port(p, port);
    return w && w->assigned ? w->security : SD_SEC_UNKNOWN;
}

bool sd_port_is_submission(int port)
{
    return sd_port_security(SD_PROTO_SMTP, port) != SD_SEC_UNKNOWN;
}

bool sd_port_greets_in_plain_text(int port)
{
    for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++)
        if (w->port == port && w->security != SD_SEC_TLS)
            return true;
    return false;
}

const char *sd_protocol_name(sd_protocol p)
{
    switch (p) {
    case SD_PROTO_IMAP: return "imap";
    case SD_PROTO_POP3: return "pop3";
    default: return "smtp";
    }
}

static const char *const auth_names[SD_AUTH_COUNT] = {
    "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5",
    "NTLM", "GSSAPI", "PLAIN", "LOGIN", "EXTERNAL",
};

const char *sd_auth_name(unsigned bit)
{
    for (int i = 0; i < SD_AUTH_COUNT; i++)
        if (bit == 1u << i)
            return auth_names[i];
    return "?";
}

unsigned sd_auth_parse(const char *name)
{
    for (int i = 0; i < SD_AUTH_COUNT; i++)
        if (sd_str_ieq(name, auth_names[i]))
            return 1u << i;
    return 0;
}

unsigned sd_auth_parse_list(const char *list)
{
    unsigned mask = 0;
    char *copy = sd_xstrdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save))
        mask |= sd_auth_parse(tok);
    free(copy);
    return mask;
}
