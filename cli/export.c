/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "common/text.h"
#include "cli/export.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

/* The login: what the user said, what the sources said, else the address;
 * diag without an address may know none. */
static const char no_username[] = "(your username)";   /* config files stay English */

static const char *username_of(const sd_cli *cli, const sd_server *s)
{
    return cli->user ? cli->user : s->username ? s->username
         : cli->has_address ? cli->address.address : no_username;
}

/* The sender address, and a name for the account: the server's host when
 * diag was given no address. */
static const char *address_of(const sd_cli *cli)
{
    return cli->has_address ? cli->address.address : NULL;
}

static const char *account_of(const sd_cli *cli, const sd_server *s)
{
    return cli->has_address ? cli->address.domain : s->host;
}

static const char *password_phrase(const sd_advice *a)
{
    const char *kind = a->password_kind ? a->password_kind : "normal";
    if (strcmp(kind, "app") == 0)
        return _("an app password, not your normal password (see the hint)");
    if (strcmp(kind, "own") == 0)
        return _("the separate e-mail password of the account, not your login password");
    if (strcmp(kind, "bridge") == 0)
        return _("the password the bridge program shows");
    return _("your email password");
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

/* ---- the form ------------------------------------------------------------ */

/* The form's labels, as mail programs' SMTP forms name the fields; they
 * line up in display columns in every language (at least 22 columns). */
enum { FORM_LABEL_WIDTH = 22 };
static const char *const form_labels[] = {
    /* TRANSLATORS: the field names of an SMTP settings form: use the labels
     * that mail and accounting programs show in your language. */
    N_("SMTP server"), N_("Port"), N_("Encryption"), N_("Username"), N_("Email address"), N_("Password"),
    N_("Authentication"), N_("Incoming (IMAP)"), N_("Incoming (POP3)"),
};

static size_t form_label_width(void)
{
    size_t width = FORM_LABEL_WIDTH;
    for (size_t i = 0; i < sizeof form_labels / sizeof *form_labels; i++) {
        size_t w = sd_text_columns(_(form_labels[i])) + 2;
        width = w > width ? w : width;
    }
    return width;
}

/* One field in the form's words, with what the user has when it differs:
 * "Port:                 587   (you have 465: change it)". label is N_(). */
static void form_field(sd_buf *b, const char *label, const char *value, const char *had, bool typed)
{
    const char *shown = _(label);
    sd_buf_printf(b, "%s:", shown);
    for (size_t used = sd_text_columns(shown) + 1; used < form_label_width(); used++)
        sd_buf_puts(b, " ");
    sd_buf_puts(b, value);
    if (had && strcasecmp(had, value) != 0) {
        if (typed)
            sd_buf_printf(b, _("   (you have %s: change it)"), had);
        else
            sd_buf_printf(b, _("   (instead of %s)"), had);
    }
    sd_buf_puts(b, "\n");
}

static const char *authentication_label(unsigned auth)
{
    if (auth & (SD_AUTH_PLAIN | SD_AUTH_LOGIN) || !auth)
        return _("Normal password");
    return auth & SD_AUTH_CRAM_MD5 ? _("Encrypted password") : "OAuth2";
}

/* The first line: what the settings below are, in plain words. */
static void form_headline(sd_buf *b, const sd_advice *a, const char *found_from)
{
    const sd_server *s = &a->settings;
    switch (a->state) {
    case SD_ADVICE_WORKS:
        if (a->skip_verify)
            sd_buf_puts(b, _("These settings work only with the certificate check turned off.\n"));
        else if (a->message_accepted)
            sd_buf_puts(b, _("These settings work: the server accepted the login and the test message.\n"));
        else if (a->login_checked)
            sd_buf_puts(b, _("These settings work: the server accepted the login.\n"));
        else
            sd_buf_puts(b, _("These settings work (the login was not checked).\n"));
        break;
    case SD_ADVICE_CHANGE:
        sd_buf_puts(b, a->have_typed
                       ? _("Your settings do not work. Change the marked fields:\n")
                       : _("The settings checked first do not work. Use these instead:\n"));
        break;
    case SD_ADVICE_NEXT_STEP:
        if (a->skip_verify)
            sd_buf_printf(b, _("Nothing works with the certificate checked. %s is a server of your own "
                             "domain: until its certificate is fixed, it can be used with the check "
                             "turned off.\n"), s->host);
        else if (a->has_settings)
            sd_buf_printf(b, _("These settings reach the server, but do not work yet. First: %s\n"), a->next_step);
        else
            sd_buf_printf(b, _("No settings that work were found. First: %s\n"), a->next_step);
        break;
    case SD_ADVICE_UNCHECKED:
        sd_buf_printf(b, _("These settings could not be checked: no connection was made to the server. "
                         "They come from %s.\n"), found_from);
        break;
    case SD_ADVICE_FAILED:
        if (a->has_settings)
            sd_buf_printf(b, _("The settings found do not work: %s port %d with %s (from %s) failed its "
                             "check: %s.\n"), s->host, s->port, sd_security_label(s->security), found_from,
                          a->failure);
        sd_buf_printf(b, _("What to do: %s\n"), a->next_step);
        break;
    }
}

static void form_fields(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    const sd_server *s = &a->settings;
    const sd_server *had = a->has_have ? &a->have : NULL;
    bool typed = a->have_typed;
    char port[16], had_port[16];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(had_port, sizeof had_port, "%d", had ? had->port : 0);
    bool have_known = had && had->host;
    const char *user = username_of(cli, s);
    if (user == no_username)
        user = _("(your username)");
    form_field(b, N_("SMTP server"), s->host, have_known ? had->host : NULL, typed);
    form_field(b, N_("Port"), port, have_known ? had_port : NULL, typed);
    form_field(b, N_("Encryption"), sd_security_label(s->security),
               have_known ? sd_security_label(had->security) : NULL, typed);
    form_field(b, N_("Username"), user, NULL, typed);
    if (cli->has_address && strcmp(user, cli->address.address) != 0) {
        char *shown = sd_address_for_people(&cli->address);
        form_field(b, N_("Email address"), shown, NULL, typed);
        free(shown);
    }
    form_field(b, N_("Password"), password_phrase(a), NULL, typed);
    form_field(b, N_("Authentication"), authentication_label(s->auth), NULL, typed);
    /* TRANSLATORS: the checkbox of the form, as the program names it */
    sd_buf_printf(b, "%s: %s\n", _("Do not verify TLS certificate"),
                  a->skip_verify ? _("check it, for this server only (see the warning)") : _("leave unchecked"));
    size_t smtp = d ? sd_discovery_smtp_count(d) : 0;
    if (d && smtp < d->servers.len) {
        const sd_server *in = &d->servers.items[smtp];   /* the best incoming server is what a form asks for */
        char *where = sd_xasprintf(_("%s port %d, %s"), in->host, in->port, sd_security_label(in->security));
        form_field(b, in->protocol == SD_PROTO_IMAP ? N_("Incoming (IMAP)") : N_("Incoming (POP3)"), where, NULL,
                   typed);
        free(where);
    }
}

static void export_form(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    const sd_server *s = &a->settings;
    const char *found_from = a->has_settings ? sd_source_label(sd_source_primary(s->sources)) : "";
    form_headline(b, a, found_from);
    bool show_fields = a->has_settings && a->state != SD_ADVICE_FAILED;
    if (show_fields) {
        sd_buf_puts(b, "\n");
        form_fields(b, cli, d, a);
    }
    if (a->state == SD_ADVICE_CHANGE || (a->state == SD_ADVICE_NEXT_STEP && a->skip_verify))
        sd_buf_printf(b, "\n%s %s\n", _("Why:"), a->failure);
    if (a->skip_verify)
        sd_buf_printf(b, _("\nWarning: with \"Do not verify TLS certificate\" checked, your program cannot tell "
                         "%s from an impostor, and anyone on the network path could read your password "
                         "and your mail. Check it only for this server of your own domain, and uncheck it "
                         "as soon as the certificate is fixed: %s\n"), s->host, a->next_step);
    for (size_t i = 0; show_fields && a->hints && i < a->hints->len; i++)
        sd_buf_printf(b, "%s%s %s\n", i ? "" : "\n", _("Hint:"), a->hints->items[i]);
}

static void export_msmtp(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    (void)d;
    const sd_server *s = &a->settings;
    const char *user = username_of(cli, s);
    sd_buf_printf(b, "# msmtp account for %s, written by smtpdoctor\n", address_of(cli) ? address_of(cli) : user);
    sd_buf_printf(b, "account %s\n", account_of(cli, s));
    sd_buf_printf(b, "host %s\nport %d\n", s->host, s->port);
    sd_buf_printf(b, "tls %s\n", s->security == SD_SEC_PLAIN ? "off" : "on");
    if (s->security != SD_SEC_PLAIN)
        sd_buf_printf(b, "tls_starttls %s\ntls_trust_file system\n", s->security == SD_SEC_STARTTLS ? "on" : "off");
    sd_buf_puts(b, "auth on\nuser ");
    msmtp_quoted(b, user);
    if (address_of(cli)) {
        sd_buf_puts(b, "\nfrom ");
        msmtp_quoted(b, address_of(cli));
    }
    /* msmtp hands passwordeval to a shell: the user name is a shell word
     * (single quotes), and the whole command an msmtp value */
    sd_buf_puts(b, "\n# the password is never written here: read it from your keyring\npasswordeval ");
    sd_buf command = {0};
    sd_buf_puts(&command, "secret-tool lookup service smtp user ");
    shell_quoted(&command, user);
    msmtp_quoted(b, command.data);
    sd_buf_free(&command);
    sd_buf_printf(b, "\naccount default : %s\n", account_of(cli, s));
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

static void export_thunderbird(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    /* The document serves every address of the domain, so the username is a
     * placeholder unless it is neither the address nor its local part. */
    const sd_server *best = &a->settings;
    const char *user = username_of(cli, best);
    char *tmpl = !cli->has_address ? NULL
               : strcmp(user, cli->address.address) == 0 ? sd_xstrdup("%EMAILADDRESS%")
               : strcmp(user, cli->address.local) == 0 ? sd_xstrdup("%EMAILLOCALPART%") : NULL;
    sd_buf esc = {0};
    if (!tmpl) {
        xml_escaped(&esc, user);
        tmpl = sd_buf_take(&esc);
    }
    sd_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n");
    const char *domain = account_of(cli, best);
    sd_buf_puts(b, "  <emailProvider id=\"");
    xml_escaped(b, domain);
    sd_buf_puts(b, "\">\n    <domain>");
    xml_escaped(b, domain);
    sd_buf_puts(b, "</domain>\n    <displayName>");
    xml_escaped(b, d && d->provider ? d->provider->name : domain);
    sd_buf_puts(b, "</displayName>\n");
    size_t smtp = d ? sd_discovery_smtp_count(d) : 0;
    for (size_t i = smtp; d && i < d->servers.len; i++)      /* incoming first, as the format has it */
        thunderbird_server(b, &d->servers.items[i], tmpl);
    /* the settings that work first, then the other candidates that answered
     * with a certificate that verifies, when the settings are discovery's */
    thunderbird_server(b, best, tmpl);
    for (size_t i = 0; a->state != SD_ADVICE_CHANGE && i < smtp; i++) {
        const sd_server *o = &d->servers.items[i];
        bool same = sd_str_ieq(o->host, best->host) && o->port == best->port;
        if (!same && !o->probe_failed && !o->cert_failed)
            thunderbird_server(b, o, tmpl);
    }
    sd_buf_puts(b, "  </emailProvider>\n</clientConfig>\n");
    free(tmpl);
}

static void export_mutt(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    const sd_server *s = &a->settings;
    const char *user = username_of(cli, s);
    sd_buf_puts(b, "# neomutt settings, written by smtpdoctor\n");
    if (address_of(cli)) {
        sd_buf_puts(b, "set from = ");
        mutt_quoted(b, address_of(cli));
        sd_buf_puts(b, "\n");
    }
    sd_buf_printf(b, "set smtp_url = \"%s://", s->security == SD_SEC_TLS ? "smtps" : "smtp");
    url_encoded(b, user);
    sd_buf_printf(b, "@%s:%d/\"\n", s->host, s->port);
    if (s->security == SD_SEC_STARTTLS)
        sd_buf_puts(b, "set ssl_starttls = yes\n");
    if (s->security != SD_SEC_PLAIN)
        sd_buf_puts(b, "set ssl_force_tls = yes\n");
    size_t smtp = d ? sd_discovery_smtp_count(d) : 0;
    for (size_t i = smtp; d && i < d->servers.len; i++) {
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

static void export_git(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    (void)d;
    const sd_server *s = &a->settings;
    sd_buf_puts(b, "git config --global sendemail.smtpServer ");
    shell_quoted(b, s->host);
    sd_buf_puts(b, "\n");
    sd_buf_printf(b, "git config --global sendemail.smtpServerPort %d\n", s->port);
    if (s->security != SD_SEC_PLAIN)
        sd_buf_printf(b, "git config --global sendemail.smtpEncryption %s\n", s->security == SD_SEC_TLS ? "ssl" : "tls");
    sd_buf_puts(b, "git config --global sendemail.smtpUser ");
    shell_quoted(b, username_of(cli, s));
    if (address_of(cli)) {
        sd_buf_puts(b, "\ngit config --global sendemail.from ");
        shell_quoted(b, address_of(cli));
    }
    sd_buf_puts(b, "\n");
}

static void export_postfix(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    (void)d;
    const sd_server *s = &a->settings;
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

static void export_env(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    (void)d;
    const sd_server *s = &a->settings;
    sd_buf_puts(b, "SMTP_HOST=");
    shell_quoted(b, s->host);
    sd_buf_printf(b, "\nSMTP_PORT=%d\n", s->port);
    sd_buf_printf(b, "SMTP_SECURE=%s\n", s->security == SD_SEC_TLS ? "true" : "false");
    sd_buf_printf(b, "SMTP_STARTTLS=%s\n", s->security == SD_SEC_STARTTLS ? "true" : "false");
    sd_buf_puts(b, "SMTP_USER=");
    shell_quoted(b, username_of(cli, s));
    if (address_of(cli)) {
        sd_buf_puts(b, "\nSMTP_FROM=");
        shell_quoted(b, address_of(cli));
    }
    sd_buf_puts(b, "\n");
}

/* ---- the formats ------------------------------------------------------- */

typedef void (*export_writer)(sd_buf *b, const sd_cli *cli, const sd_discovery *d, const sd_advice *a);

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

/* Settings a program can be given as they are: what works, what could not
 * be checked, and a server that is right where only the login failed;
 * never failed settings, nor ones that need the certificate check off. */
static bool writable(const sd_advice *a)
{
    if (!a->has_settings || a->skip_verify)
        return false;
    return a->state == SD_ADVICE_WORKS || a->state == SD_ADVICE_CHANGE || a->state == SD_ADVICE_UNCHECKED ||
           a->state == SD_ADVICE_NEXT_STEP;
}

void sd_export(FILE *out, const char *format, const sd_cli *cli, const sd_discovery *d, const sd_advice *a)
{
    int i = format_index(format);
    if (i < 0 || !formats[i].write)
        return;
    if (formats[i].write != export_form && !writable(a)) {
        if (a->failure)
            fprintf(stderr, _("smtpdoctor: no settings that work to write as %s: %s\n"), format, a->failure);
        else
            fprintf(stderr, _("smtpdoctor: no settings that work to write as %s\n"), format);
        if (a->next_step)
            fprintf(stderr, _("smtpdoctor: what to do: %s\n"), a->next_step);
        return;
    }
    sd_buf b = {0};
    formats[i].write(&b, cli, d, a);
    if (b.data)
        fputs(b.data, out);
    sd_buf_free(&b);
}
