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

const char *sd_security_label(sd_security s)
{
    switch (s) {
    case SD_SEC_TLS: return "SSL/TLS";
    case SD_SEC_STARTTLS: return "STARTTLS";
    case SD_SEC_PLAIN: return "None";
    default: return "unknown";
    }
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

int sd_security_default_port(sd_protocol p, sd_security s)
{
    switch (p) {
    case SD_PROTO_IMAP: return s == SD_SEC_TLS ? 993 : 143;
    case SD_PROTO_POP3: return s == SD_SEC_TLS ? 995 : 110;
    default: return s == SD_SEC_TLS ? 465 : 587;
    }
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
