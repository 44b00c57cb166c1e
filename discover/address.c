/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "discover/address.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"

enum { MAX_ADDRESS = 254, MAX_LOCAL = 64, MAX_DOMAIN = 253, MAX_LABEL = 63 };

/* RFC 5322 atext, plus any byte of a UTF-8 sequence (RFC 6531). */
static bool is_atext(unsigned char c)
{
    return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

static int check_dot_atom(const char *s, size_t n, sd_error *err)
{
    if (n == 0)
        return sd_fail(err, _("the part before '@' is empty"));
    if (s[0] == '.' || s[n - 1] == '.')
        return sd_fail(err, _("the part before '@' may not start or end with a dot"));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.')
                return sd_fail(err, _("the part before '@' has two dots in a row"));
        } else if (!is_atext(c)) {
            return sd_fail(err, _("the part before '@' has a character that needs quoting: '%c'"),
                           isprint(c) ? c : '?');
        }
    }
    return 0;
}

static int check_quoted(const char *s, size_t n, sd_error *err)
{
    /* s[0] and s[n-1] are the quotes */
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (i + 2 >= n)
                return sd_fail(err, _("the quoted part before '@' ends with a lone backslash"));
            i++;
        } else if (c == '"' || c < 0x20 || c == 0x7f) {
            return sd_fail(err, _("the quoted part before '@' has a character that is not allowed"));
        }
    }
    return 0;
}

/* Finds the '@' that separates local part and domain: the last one outside
 * a quoted string. */
static const char *find_separator(const char *s, sd_error *err)
{
    const char *at = NULL;
    bool quoted = false;
    for (const char *p = s; *p; p++) {
        if (quoted && *p == '\\' && p[1]) {
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (!quoted && *p == '@') {
            at = p;
        }
    }
    if (quoted) {
        sd_fail(err, _("the address has an unclosed quote"));
        return NULL;
    }
    if (!at)
        sd_fail(err, _("an address needs the form name@domain"));
    return at;
}

static int check_labels(const char *d, bool need_dot, sd_error *err)
{
    size_t n = strlen(d);
    if (n == 0)
        return sd_fail(err, _("the domain is empty"));
    if (n > MAX_DOMAIN)
        return sd_fail(err, _("the domain is longer than %d characters"), MAX_DOMAIN);
    if (need_dot && !strchr(d, '.'))
        return sd_fail(err, _("'%s' is not a complete domain name (it has no dot)"), d);
    const char *label = d;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t len = (size_t)(p - label);
            if (len == 0)
                return sd_fail(err, _("the domain '%s' has an empty label"), d);
            if (len > MAX_LABEL)
                return sd_fail(err, _("the domain '%s' has a label longer than %d characters"), d, MAX_LABEL);
            if (label[0] == '-' || p[-1] == '-')
                return sd_fail(err, _("a label of the domain '%s' starts or ends with '-'"), d);
            if (*p == '\0')
                break;
            label = p + 1;
        } else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            return sd_fail(err, _("the domain '%s' has a character that is not allowed in host names"), d);
        }
    }
    return 0;
}

static char *normalize_name(const char *text, bool need_dot, sd_error *err)
{
    char *name = sd_xstrndup(text, sd_dns_name_length(text));
    if (name[0] == '[') {
        sd_fail(err, _("'%s' is an address literal, not a domain name"), text);
        free(name);
        return NULL;
    }
    char *ascii = NULL;
    int rc = idn2_to_ascii_8z(name, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
        /* Names with '_' (SRV-style labels) are not IDNA-valid but are legal
         * DNS names; accept them as they are when they are plain ASCII. */
        bool ascii_only = true;
        for (const char *p = name; *p; p++)
            if ((unsigned char)*p >= 0x80)
                ascii_only = false;
        if (!ascii_only) {
            sd_fail(err, _("the domain '%s' is not a valid internationalised name: %s"), name,
                    idn2_strerror(rc));
            free(name);
            return NULL;
        }
        ascii = strdup(name);
        if (!ascii)
            abort();
    }
    free(name);
    char *result = sd_xstrdup(ascii);
    idn2_free(ascii);
    sd_str_lower(result);
    if (check_labels(result, need_dot, err) < 0) {
        free(result);
        return NULL;
    }
    return result;
}

char *sd_hostname_normalize(const char *text, sd_error *err)
{
    return normalize_name(text, true, err);
}

char *sd_server_name_normalize(const char *text, sd_error *err)
{
    size_t n = strlen(text);
    unsigned char binary[sizeof(struct in6_addr)];
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        char *inner = sd_xstrndup(text + 1, n - 2);
        if (inet_pton(AF_INET6, inner, binary) == 1)
            return inner;
        free(inner);
        sd_fail(err, _("'%s' is not an IPv6 address"), text);
        return NULL;
    }
    if (inet_pton(AF_INET, text, binary) == 1 || inet_pton(AF_INET6, text, binary) == 1)
        return sd_xstrdup(text);
    if (strchr(text, ':')) {
        sd_fail(err, _("'%s' is neither a host name nor an IP address (the port goes in --port)"), text);
        return NULL;
    }
    /* Looks like an IPv4 address but is not one (999.1.1.1, 10.1.1): a
     * resolver would take it for a name and fail far less clearly. */
    if (n > 0 && strspn(text, "0123456789.") == n) {
        sd_fail(err, _("'%s' is not an IPv4 address"), text);
        return NULL;
    }
    return normalize_name(text, false, err);
}

int sd_address_parse(const char *text, sd_address *out, sd_error *err)
{
    memset(out, 0, sizeof *out);
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0)
        return sd_fail(err, _("the address is empty"));
    if (n > 4 * MAX_ADDRESS)
        return sd_fail(err, _("the address is longer than %d characters"), MAX_ADDRESS);
    /* No control character anywhere, quoted or escaped: a CR or LF in an
     * address would end the MAIL FROM line early and start a header line
     * of the test message. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return sd_fail(err, _("the address holds a control character (position %zu)"), i + 1);
    char *s = sd_xstrndup(text, n);
    int rc = -1;
    const char *at = find_separator(s, err);
    if (!at)
        goto done;
    size_t local_len = (size_t)(at - s);
    if (local_len > MAX_LOCAL) {
        sd_fail(err, _("the part before '@' is longer than %d characters"), MAX_LOCAL);
        goto done;
    }
    if (local_len >= 2 && s[0] == '"' && s[local_len - 1] == '"') {
        if (check_quoted(s, local_len, err) < 0)
            goto done;
    } else if (check_dot_atom(s, local_len, err) < 0) {
        goto done;
    }
    char *domain = sd_hostname_normalize(at + 1, err);
    if (!domain)
        goto done;
    out->local = sd_xstrndup(s, local_len);
    out->domain = domain;
    out->address = sd_xasprintf("%s@%s", out->local, out->domain);
    if (strlen(out->address) > MAX_ADDRESS) {
        sd_fail(err, _("the address is longer than %d characters"), MAX_ADDRESS);
        sd_address_free(out);
        goto done;
    }
    char *unicode = NULL;
    if (idn2_to_unicode_8z8z(domain, &unicode, 0) == IDN2_OK) {
        out->domain_display = sd_xstrdup(unicode);
        idn2_free(unicode);
    } else {
        out->domain_display = sd_xstrdup(domain);
    }
    rc = 0;
done:
    free(s);
    return rc;
}

char *sd_address_for_people(const sd_address *a)
{
    if (!a->domain_display || !a->local)
        return sd_xstrdup(a->address);
    return sd_xasprintf("%s@%s", a->local, a->domain_display);
}

void sd_address_free(sd_address *a)
{
    free(a->local);
    free(a->domain);
    free(a->domain_display);
    free(a->address);
    memset(a, 0, sizeof *a);
}

char *sd_address_expand(const sd_address *a, const char *t, int *defect)
{
    static const struct { const char *name; int field; } names[] = {
        {"EMAILADDRESS", 0}, {"EMAILLOCALPART", 1}, {"EMAILDOMAIN", 2},
    };
    sd_buf out = {0};
    while (*t) {
        bool replaced = false;
        if (*t == '%') {
            for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
                size_t n = strlen(names[i].name);
                if (strncmp(t + 1, names[i].name, n) != 0)
                    continue;
                const char *value = names[i].field == 0 ? a->address
                                  : names[i].field == 1 ? a->local : a->domain;
                sd_buf_puts(&out, value);
                t += 1 + n;
                if (*t == '%')
                    t++;
                else if (defect)
                    *defect = 1;
                replaced = true;
                break;
            }
        }
        if (!replaced)
            sd_buf_append(&out, t++, 1);
    }
    return sd_buf_take(&out);
}

bool sd_host_name_safe(const char *host)
{
    size_t n = 0;
    for (const char *p = host; *p; p++, n++)
        if (!(*p == '.' || *p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return false;
    return n > 0 && n <= 253;
}

static size_t placeholder_length(const char *t)
{
    static const char *const names[] = {"%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strncmp(t, names[i], strlen(names[i])) == 0)
            return strlen(names[i]);
    return 0;
}

bool sd_username_text_safe(const char *text, bool backslash_ok)
{
    for (const char *p = text; *p;) {
        size_t skip = placeholder_length(p);
        if (skip) {
            p += skip;
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        if (c == '\\' ? !backslash_ok : c <= 0x20 || c == 0x7f || strchr("$`'\";|&<>(){}[]*?!", c))
            return false;
    }
    return true;
}
