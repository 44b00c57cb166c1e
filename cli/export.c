/* SPDX-License-Identifier: MIT */
#include "cli/export.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static const char *username_of(const sd_cli *cli, const sd_server *s)
{
    return cli->user ? cli->user : s->username ? s->username : cli->address.address;
}

static const char *password_kind(const sd_discovery *d)
{
    return d->provider && d->provider->password_kind ? d->provider->password_kind : "normal";
}

static const char *password_phrase(const sd_discovery *d)
{
    const char *kind = password_kind(d);
    if (strcmp(kind, "app") == 0)
        return "an app password, not your normal password (see the hint)";
    if (strcmp(kind, "own") == 0)
        return "the separate e-mail password of the account, not your login password";
    if (strcmp(kind, "bridge") == 0)
        return "the password the bridge program shows";
    return "your email password";
}

/* ---- quoting user data for each syntax ---------------------------------- */

static void shell_quoted(sd_buf *b, const char *s)      /* 'it'\''s' */
{
    sd_buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            sd_buf_puts(b, "'\\''");
        else
            sd_buf_append(b, s, 1);
    }
    sd_buf_puts(b, "'");
}

static void xml_escaped(sd_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sd_buf_puts(b, "&lt;"); break;
        case '>': sd_buf_puts(b, "&gt;"); break;
        case '&': sd_buf_puts(b, "&amp;"); break;
        case '"': sd_buf_puts(b, "&quot;"); break;
        default: sd_buf_append(b, s, 1);
        }
    }
}

static void url_encoded(sd_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || strchr("-._~", c))
            sd_buf_append(b, s, 1);
        else
            sd_buf_printf(b, "%%%02X", c);
    }
}

/* msmtp takes everything between the first and the last double quote of
 * the line as it is (msmtp 1.8 knows no escapes there), so a value is
 * quoted whole and can hold anything but a line end, which no value here
 * has (addresses and user names hold no control character). */
static void msmtp_quoted(sd_buf *b, const char *s)
{
    sd_buf_puts(b, "\"");
    for (; *s; s++)
        if (*s != '\n' && *s != '\r')
            sd_buf_append(b, s, 1);
    sd_buf_puts(b, "\"");
}

/* neomutt's double quotes: a backslash escapes, and a backquote or '$'
 * there would run a command or expand a variable */
static void mutt_quoted(sd_buf *b, const char *s)
{
    sd_buf_puts(b, "\"");
    for (; *s; s++) {
        if (strchr("\\\"`$", *s))
            sd_buf_puts(b, "\\");
        sd_buf_append(b, s, 1);
    }
    sd_buf_puts(b, "\"");
}

/* ---- the formats -------------------------------------------------------- */

static void export_form(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    const char *user = username_of(cli, s);
    sd_buf_printf(b, "SMTP server:          %s\n", s->host);
    sd_buf_printf(b, "Port:                 %d\n", s->port);
    sd_buf_printf(b, "Encryption:           %s\n", sd_security_label(s->security));
    sd_buf_printf(b, "Username:             %s\n", user);
    if (strcmp(user, cli->address.address) != 0)
        sd_buf_printf(b, "Email address:        %s\n", cli->address.address);
    sd_buf_printf(b, "Password:             %s\n", password_phrase(d));
    sd_buf_printf(b, "Authentication:       %s\n",
                  s->auth & (SD_AUTH_PLAIN | SD_AUTH_LOGIN) || !s->auth ? "Normal password"
                  : s->auth & SD_AUTH_CRAM_MD5 ? "Encrypted password" : "OAuth2");
    sd_buf_puts(b, "Do not verify TLS certificate: leave unchecked\n");
    size_t smtp = sd_discovery_smtp_count(d);
    for (size_t i = smtp; i < d->servers.len; i++) {
        const sd_server *in = &d->servers.items[i];
        sd_buf_printf(b, "Incoming (%s):      %s port %d, %s\n", in->protocol == SD_PROTO_IMAP ? "IMAP" : "POP3",
                      in->host, in->port, sd_security_label(in->security));
        break;   /* the best incoming server is what a form asks for */
    }
}

static void export_msmtp(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    (void)d;
    const char *user = username_of(cli, s);
    sd_buf_printf(b, "# msmtp account for %s, written by smtpdoctor\n", cli->address.address);
    sd_buf_printf(b, "account %s\n", cli->address.domain);
    sd_buf_printf(b, "host %s\nport %d\n", s->host, s->port);
    sd_buf_printf(b, "tls %s\n", s->security == SD_SEC_PLAIN ? "off" : "on");
    if (s->security != SD_SEC_PLAIN)
        sd_buf_printf(b, "tls_starttls %s\ntls_trust_file system\n", s->security == SD_SEC_STARTTLS ? "on" : "off");
    sd_buf_puts(b, "auth on\nuser ");
    msmtp_quoted(b, user);
    sd_buf_puts(b, "\nfrom ");
    msmtp_quoted(b, cli->address.address);
    /* msmtp hands passwordeval to a shell: the user name is a shell word
     * (single quotes), and the whole command an msmtp value */
    sd_buf_puts(b, "\n# the password is never written here: read it from your keyring\npasswordeval ");
    sd_buf command = {0};
    sd_buf_puts(&command, "secret-tool lookup service smtp user ");
    shell_quoted(&command, user);
    msmtp_quoted(b, command.data);
    sd_buf_free(&command);
    sd_buf_printf(b, "\naccount default : %s\n", cli->address.domain);
}

static void thunderbird_server(sd_buf *b, const sd_server *s, const char *username_template)
{
    const char *socket = s->security == SD_SEC_TLS ? "SSL" : s->security == SD_SEC_STARTTLS ? "STARTTLS" : "plain";
    const char *tag = s->protocol == SD_PROTO_SMTP ? "outgoingServer" : "incomingServer";
    sd_buf_printf(b, "    <%s type=\"%s\">\n      <hostname>", tag, sd_protocol_name(s->protocol));
    xml_escaped(b, s->host);
    sd_buf_printf(b, "</hostname>\n      <port>%d</port>\n      <socketType>%s</socketType>\n", s->port, socket);
    sd_buf_printf(b, "      <username>%s</username>\n", username_template);
    if (s->auth & SD_AUTH_CRAM_MD5 && !(s->auth & (SD_AUTH_PLAIN | SD_AUTH_LOGIN)))
        sd_buf_puts(b, "      <authentication>password-encrypted</authentication>\n");
    else
        sd_buf_puts(b, "      <authentication>password-cleartext</authentication>\n");
    sd_buf_printf(b, "    </%s>\n", tag);
}

static void export_thunderbird(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    (void)s;     /* the document holds every server */
    /* The document serves every address of the domain, so the username is a
     * placeholder unless it is neither the address nor its local part. */
    const sd_server *best = &d->servers.items[0];
    const char *user = username_of(cli, best);
    char *tmpl = strcmp(user, cli->address.address) == 0 ? sd_xstrdup("%EMAILADDRESS%")
               : strcmp(user, cli->address.local) == 0 ? sd_xstrdup("%EMAILLOCALPART%") : NULL;
    sd_buf esc = {0};
    if (!tmpl) {
        xml_escaped(&esc, user);
        tmpl = sd_buf_take(&esc);
    }
    sd_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n");
    sd_buf_puts(b, "  <emailProvider id=\"");
    xml_escaped(b, cli->address.domain);
    sd_buf_puts(b, "\">\n    <domain>");
    xml_escaped(b, cli->address.domain);
    sd_buf_puts(b, "</domain>\n    <displayName>");
    xml_escaped(b, d->provider ? d->provider->name : cli->address.domain);
    sd_buf_puts(b, "</displayName>\n");
    size_t smtp = sd_discovery_smtp_count(d);
    for (size_t i = smtp; i < d->servers.len; i++)      /* incoming first, as the format has it */
        thunderbird_server(b, &d->servers.items[i], tmpl);
    for (size_t i = 0; i < smtp; i++)
        if (!d->servers.items[i].probe_failed)
            thunderbird_server(b, &d->servers.items[i], tmpl);
    sd_buf_puts(b, "  </emailProvider>\n</clientConfig>\n");
    free(tmpl);
}

static void export_mutt(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    const char *user = username_of(cli, s);
    sd_buf_puts(b, "# neomutt settings, written by smtpdoctor\nset from = ");
    mutt_quoted(b, cli->address.address);
    sd_buf_printf(b, "\nset smtp_url = \"%s://", s->security == SD_SEC_TLS ? "smtps" : "smtp");
    url_encoded(b, user);
    sd_buf_printf(b, "@%s:%d/\"\n", s->host, s->port);
    if (s->security == SD_SEC_STARTTLS)
        sd_buf_puts(b, "set ssl_starttls = yes\n");
    if (s->security != SD_SEC_PLAIN)
        sd_buf_puts(b, "set ssl_force_tls = yes\n");
    size_t smtp = sd_discovery_smtp_count(d);
    for (size_t i = smtp; i < d->servers.len; i++) {
        const sd_server *in = &d->servers.items[i];
        const char *scheme = in->protocol == SD_PROTO_IMAP ? (in->security == SD_SEC_TLS ? "imaps" : "imap")
                                                           : (in->security == SD_SEC_TLS ? "pops" : "pop");
        sd_buf_printf(b, "set folder = \"%s://", scheme);
        url_encoded(b, in->username ? in->username : user);
        sd_buf_printf(b, "@%s:%d/\"\n", in->host, in->port);
        if (in->protocol == SD_PROTO_IMAP)
            sd_buf_puts(b, "set spoolfile = \"+INBOX\"\n");
        break;
    }
    sd_buf_puts(b, "# the password: set smtp_pass from your keyring, never in this file\n");
}

static void export_git(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    (void)d;
    sd_buf_puts(b, "git config --global sendemail.smtpServer ");
    shell_quoted(b, s->host);
    sd_buf_puts(b, "\n");
    sd_buf_printf(b, "git config --global sendemail.smtpServerPort %d\n", s->port);
    if (s->security != SD_SEC_PLAIN)
        sd_buf_printf(b, "git config --global sendemail.smtpEncryption %s\n", s->security == SD_SEC_TLS ? "ssl" : "tls");
    sd_buf_puts(b, "git config --global sendemail.smtpUser ");
    shell_quoted(b, username_of(cli, s));
    sd_buf_puts(b, "\ngit config --global sendemail.from ");
    shell_quoted(b, cli->address.address);
    sd_buf_puts(b, "\n");
}

static void export_postfix(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    (void)d;
    sd_buf_printf(b, "# /etc/postfix/main.cf: relay all mail through %s\n", s->host);
    sd_buf_printf(b, "relayhost = [%s]:%d\n", s->host, s->port);
    if (s->security == SD_SEC_TLS)
        sd_buf_puts(b, "smtp_tls_wrappermode = yes\n");
    sd_buf_printf(b, "smtp_tls_security_level = %s\n", s->security == SD_SEC_PLAIN ? "may" : "encrypt");
    sd_buf_puts(b, "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"
                   "smtp_sasl_security_options = noanonymous\n\n");
    sd_buf_puts(b, "# /etc/postfix/sasl_passwd (then: chmod 600, postmap /etc/postfix/sasl_passwd)\n");
    /* a map's key and value end at white space, and a line at a newline:
     * a user name holding either cannot be written there safely */
    const char *user = username_of(cli, s);
    if (strpbrk(user, " \t\r\n"))
        sd_buf_puts(b, "# (your user name holds a blank, which this file cannot hold: see postconf(5))\n");
    else
        sd_buf_printf(b, "[%s]:%d %s:YOUR_PASSWORD\n", s->host, s->port, user);
}

static void export_env(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s)
{
    (void)d;
    sd_buf_puts(b, "SMTP_HOST=");
    shell_quoted(b, s->host);
    sd_buf_printf(b, "\nSMTP_PORT=%d\n", s->port);
    sd_buf_printf(b, "SMTP_SECURE=%s\n", s->security == SD_SEC_TLS ? "true" : "false");
    sd_buf_printf(b, "SMTP_STARTTLS=%s\n", s->security == SD_SEC_STARTTLS ? "true" : "false");
    sd_buf_puts(b, "SMTP_USER=");
    shell_quoted(b, username_of(cli, s));
    sd_buf_puts(b, "\nSMTP_FROM=");
    shell_quoted(b, cli->address.address);
    sd_buf_puts(b, "\n");
}

/* ---- the formats ------------------------------------------------------- */

typedef void (*export_writer)(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_server *s);

/* Each format once, in the order help and errors name them. */
static const struct {
    const char *name;
    export_writer write;       /* NULL: the caller prints it (json is --json) */
} formats[] = {
    {"form", export_form},
    {"msmtp", export_msmtp},
    {"thunderbird", export_thunderbird},
    {"mutt", export_mutt},
    {"git", export_git},
    {"postfix", export_postfix},
    {"env", export_env},
    {"json", NULL},
};
enum { FORMAT_COUNT = sizeof formats / sizeof *formats };

static int format_index(const char *format)
{
    for (int i = 0; i < FORMAT_COUNT; i++)
        if (format && strcmp(format, formats[i].name) == 0)
            return i;
    return -1;
}

bool sd_export_format_known(const char *format)
{
    return format_index(format) >= 0;
}

bool sd_export_format_is_json(const char *format)
{
    int i = format_index(format);
    return i >= 0 && !formats[i].write;
}

char *sd_export_format_list(const char *sep, const char *last_sep, size_t at_most)
{
    sd_buf b = {0};
    size_t shown = at_most < FORMAT_COUNT ? at_most : FORMAT_COUNT;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            sd_buf_puts(&b, i + 1 == FORMAT_COUNT ? last_sep : sep);
        sd_buf_puts(&b, formats[i].name);
    }
    if (shown < FORMAT_COUNT) {
        sd_buf_puts(&b, sep);
        sd_buf_puts(&b, "...");
    }
    return sd_buf_take(&b);
}

void sd_export(FILE *out, const char *format, const sd_cli *cli, const sd_discovery *d)
{
    if (sd_discovery_smtp_count(d) == 0)
        return;
    const sd_server *s = &d->servers.items[0];
    int i = format_index(format);
    if (i < 0 || !formats[i].write)
        return;
    sd_buf b = {0};
    formats[i].write(&b, cli, d, s);
    if (b.data)
        fputs(b.data, out);
    sd_buf_free(&b);
}
