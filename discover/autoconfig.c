/* SPDX-License-Identifier: MIT */
#include "discover/autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "discover/xmlsafe.h"

static void note(sd_autoconfig *ac, const char *what)
{
    if (!sd_strlist_contains_i(&ac->defects, what))
        sd_strlist_add(&ac->defects, what);
}

/* The autoconfig <authentication> values, as SASL mechanisms. */
static unsigned auth_from_autoconfig(const char *v)
{
    if (sd_str_ieq(v, "password-cleartext") || sd_str_ieq(v, "plain"))
        return SD_AUTH_PLAIN | SD_AUTH_LOGIN;
    if (sd_str_ieq(v, "password-encrypted") || sd_str_ieq(v, "secure"))
        return SD_AUTH_CRAM_MD5;
    if (sd_str_ieq(v, "OAuth2"))
        return SD_AUTH_XOAUTH2 | SD_AUTH_OAUTHBEARER;
    if (sd_str_ieq(v, "NTLM"))
        return SD_AUTH_NTLM;
    if (sd_str_ieq(v, "GSSAPI"))
        return SD_AUTH_GSSAPI;
    if (sd_str_ieq(v, "TLS-client-cert"))
        return SD_AUTH_EXTERNAL;
    return 0;         /* none, client-IP-address, smtp-after-pop: no SASL */
}

static int parse_socket_type(const char *v, sd_security *out)
{
    if (sd_str_ieq(v, "SSL") || sd_str_ieq(v, "TLS"))
        *out = SD_SEC_TLS;
    else if (sd_str_ieq(v, "STARTTLS"))
        *out = SD_SEC_STARTTLS;
    else if (sd_str_ieq(v, "plain"))
        *out = SD_SEC_PLAIN;
    else
        return -1;
    return 0;
}

static char *expanded_text(sd_autoconfig *ac, xmlNodePtr node, const sd_address *addr)
{
    char *raw = sd_xml_text(node);
    if (!raw)
        return NULL;
    int defect = 0;
    char *value = sd_address_expand(addr, raw, &defect);
    if (defect)
        note(ac, "a placeholder is missing its closing '%'");
    free(raw);
    return value;
}

static void read_server(sd_autoconfig *ac, xmlNodePtr node, sd_protocol proto,
                        const sd_address *addr, int order)
{
    sd_server s = {.protocol = proto, .order = order};
    sd_security sec = SD_SEC_UNKNOWN;
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char *v = NULL;
        if (sd_xml_is(c, "hostname")) {
            free(s.host);
            s.host = expanded_text(ac, c, addr);
        } else if (sd_xml_is(c, "port")) {
            v = sd_xml_text(c);
            int port = v ? sd_port_parse(v, strlen(v)) : -1;
            if (port > 0)
                s.port = port;
            else
                note(ac, "a server has an invalid port");
        } else if (sd_xml_is(c, "socketType")) {
            v = sd_xml_text(c);
            if (!v || parse_socket_type(v, &sec) < 0)
                note(ac, "a server has an unknown socketType");
        } else if (sd_xml_is(c, "username")) {
            free(s.username);
            s.username = NULL;
            v = sd_xml_text(c);
            if (v && !sd_username_text_safe(v, false))
                note(ac, "a username with characters a username does not hold was ignored");
            else
                s.username = expanded_text(ac, c, addr);
        } else if (sd_xml_is(c, "authentication")) {
            v = sd_xml_text(c);
            if (v)
                s.auth |= auth_from_autoconfig(v);
        }
        free(v);
    }
    if (s.host) {
        sd_str_lower(s.host);
        if (!sd_host_name_safe(s.host)) {
            note(ac, "a server has a host name with characters that are not allowed");
            free(s.host);
            s.host = NULL;
        }
    }
    if (!s.host) {
        note(ac, "a server without a valid hostname was skipped");
        sd_server_clear(&s);
        return;
    }
    s.security = sec;
    if (!s.port)
        s.port = sd_security_default_port(proto, sec == SD_SEC_UNKNOWN ? SD_SEC_TLS : sec);
    sd_server_list_add(&ac->servers, &s);
    sd_server_clear(&s);
}

static void read_enable(sd_autoconfig *ac, xmlNodePtr node)
{
    char *url = sd_xml_attr(node, "visiturl");
    char *text = NULL;
    for (xmlNodePtr c = node->children; c && !text; c = c->next)
        if (sd_xml_is(c, "instruction"))
            text = sd_xml_text(c);
    if (text && url)
        sd_strlist_add_owned(&ac->hints, sd_xasprintf("%s (%s)", text, url));
    else if (text || url)
        sd_strlist_add(&ac->hints, text ? text : url);
    free(text);
    free(url);
}

/* Walks the whole tree under clientConfig, so that elements placed at the
 * wrong level (seen in real ISPDB files) are still understood. */
static void walk(sd_autoconfig *ac, xmlNodePtr node, const sd_address *addr, int *order, int depth)
{
    if (depth > 8)
        return;
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (sd_xml_is(c, "incomingServer") || sd_xml_is(c, "outgoingServer")) {
            char *type = sd_xml_attr(c, "type");
            bool outgoing = sd_xml_is(c, "outgoingServer");
            if (outgoing && (!type || sd_str_ieq(type, "smtp")))
                read_server(ac, c, SD_PROTO_SMTP, addr, (*order)++);
            else if (!outgoing && sd_str_ieq(type, "imap"))
                read_server(ac, c, SD_PROTO_IMAP, addr, (*order)++);
            else if (!outgoing && sd_str_ieq(type, "pop3"))
                read_server(ac, c, SD_PROTO_POP3, addr, (*order)++);
            free(type);             /* ews, owa, jmap...: not ours */
        } else if (sd_xml_is(c, "emailProvider")) {
            if (!ac->provider_id)
                ac->provider_id = sd_xml_attr(c, "id");
            walk(ac, c, addr, order, depth + 1);
        } else if (sd_xml_is(c, "domain")) {
            char *d = sd_xml_text(c);
            if (d) {
                sd_str_lower(d);
                sd_strlist_add_owned(&ac->domains, d);
            }
        } else if (sd_xml_is(c, "displayName")) {
            if (!ac->display_name)
                ac->display_name = sd_xml_text(c);
        } else if (sd_xml_is(c, "enable")) {
            read_enable(ac, c);
        } else if (sd_xml_is(c, "documentation")) {
            char *url = sd_xml_attr(c, "url");
            if (url)
                sd_strlist_add_owned(&ac->documentation, url);
        }
    }
}

int sd_autoconfig_parse(const char *data, size_t len, const sd_address *addr,
                        sd_autoconfig *out, sd_error *err)
{
    memset(out, 0, sizeof *out);
    xmlDocPtr doc = sd_xml_read(data, len, err);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!sd_xml_is(root, "clientConfig")) {
        xmlFreeDoc(doc);
        return sd_fail(err, "the document is not an autoconfig document (no <clientConfig>)");
    }
    int order = 0;
    walk(out, root, addr, &order, 0);
    xmlFreeDoc(doc);
    return 0;
}

void sd_autoconfig_free(sd_autoconfig *ac)
{
    free(ac->provider_id);
    free(ac->display_name);
    sd_strlist_free(&ac->domains);
    sd_server_list_free(&ac->servers);
    sd_strlist_free(&ac->hints);
    sd_strlist_free(&ac->documentation);
    sd_strlist_free(&ac->defects);
    memset(ac, 0, sizeof *ac);
}

/* Autodiscover's <SSL> and <Encryption> say less than they seem to: as
 * Thunderbird does, "SSL=on" on a submission port means STARTTLS. */
static sd_security autodiscover_security(const char *ssl, const char *encryption, int port)
{
    if (sd_str_ieq(ssl, "off") || sd_str_ieq(encryption, "none"))
        return SD_SEC_PLAIN;
    if (sd_str_ieq(encryption, "ssl"))
        return SD_SEC_TLS;
    if (sd_str_ieq(encryption, "tls"))
        return SD_SEC_STARTTLS;
    if (sd_port_greets_in_plain_text(port))
        return SD_SEC_STARTTLS;
    return SD_SEC_TLS;
}

static void read_protocol(xmlNodePtr proto, const sd_address *addr, sd_server_list *out, int order)
{
    char *type = sd_xml_text(sd_xml_child(proto, "Type"));
    char *server = sd_xml_text(sd_xml_child(proto, "Server"));
    char *port = sd_xml_text(sd_xml_child(proto, "Port"));
    char *ssl = sd_xml_text(sd_xml_child(proto, "SSL"));
    char *enc = sd_xml_text(sd_xml_child(proto, "Encryption"));
    char *login = sd_xml_text(sd_xml_child(proto, "LoginName"));
    sd_protocol p;
    bool known = true;
    if (sd_str_ieq(type, "SMTP"))
        p = SD_PROTO_SMTP;
    else if (sd_str_ieq(type, "IMAP"))
        p = SD_PROTO_IMAP;
    else if (sd_str_ieq(type, "POP3"))
        p = SD_PROTO_POP3;
    else
        known = false;
    if (known && server) {
        long portnum = port ? strtol(port, NULL, 10) : 0;
        sd_server s = {.protocol = p, .host = server, .order = order};
        s.security = autodiscover_security(ssl, enc, (int)portnum);
        s.port = portnum > 0 && portnum <= 65535 ? (int)portnum
                                                  : sd_security_default_port(p, s.security);
        /* DOMAIN\\user is Exchange's own form; anything else odd is ignored */
        s.username = login && sd_username_text_safe(login, true) ? login : addr->address;
        s.auth = SD_AUTH_PLAIN | SD_AUTH_LOGIN;
        sd_str_lower(server);
        sd_server_list_add(out, &s);
    }
    free(type);
    free(server);
    free(port);
    free(ssl);
    free(enc);
    free(login);
}

int sd_autodiscover_parse(const char *data, size_t len, const sd_address *addr,
                          sd_server_list *out, char **redirect_url, char **redirect_addr,
                          sd_error *err)
{
    *redirect_url = *redirect_addr = NULL;
    xmlDocPtr doc = sd_xml_read(data, len, err);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr response = sd_xml_child(root, "Response");
    xmlNodePtr account = sd_xml_child(response, "Account");
    if (!sd_xml_is(root, "Autodiscover") || !account) {
        xmlFreeDoc(doc);
        return sd_fail(err, "the document is not an Autodiscover response with an <Account>");
    }
    char *action = sd_xml_text(sd_xml_child(account, "Action"));
    if (sd_str_ieq(action, "redirectUrl"))
        *redirect_url = sd_xml_text(sd_xml_child(account, "RedirectUrl"));
    else if (sd_str_ieq(action, "redirectAddr"))
        *redirect_addr = sd_xml_text(sd_xml_child(account, "RedirectAddr"));
    free(action);
    int order = 0;
    for (xmlNodePtr c = account->children; c; c = c->next)
        if (sd_xml_is(c, "Protocol"))
            read_protocol(c, addr, out, order++);
    xmlFreeDoc(doc);
    return 0;
}
