/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli/options.h"

#include <ares.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <idn2.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "cli/export.h"
#include "cli/secret.h"
#include "common/i18n.h"
#include "common/text.h"
#include "net/dns.h"

enum {
    OPT_JSON = 256, OPT_DNS, OPT_CA, OPT_TIMEOUT, OPT_INSECURE, OPT_USER, OPT_PWFILE, OPT_PWSTDIN,
    OPT_SENDTO, OPT_FROM, OPT_ISPDB, OPT_HOST, OPT_PORT, OPT_SECURITY, OPT_NOPROBE,
    OPT_ALLOWPLAIN, OPT_INCOMING, OPT_VERSION, OPT_PASSWORD, OPT_TOKENFILE, OPT_AUTHMECH, OPT_REPLYTO,
    OPT_BCC, OPT_TRUST, OPT_FORMAT, OPT_BATCH, OPT_OAUTH2, OPT_CLIENTID, OPT_CLIENTSECRET, OPT_LANG,
};

static const struct option long_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"dns-server", required_argument, NULL, OPT_DNS},
    {"ca-file", required_argument, NULL, OPT_CA},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"user", required_argument, NULL, OPT_USER},
    {"password-file", required_argument, NULL, OPT_PWFILE},
    {"password-stdin", no_argument, NULL, OPT_PWSTDIN},
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"oauth2-token-file", required_argument, NULL, OPT_TOKENFILE},
    {"oauth2", no_argument, NULL, OPT_OAUTH2},
    {"oauth2-client-id", required_argument, NULL, OPT_CLIENTID},
    {"oauth2-client-secret-file", required_argument, NULL, OPT_CLIENTSECRET},
    {"auth-mech", required_argument, NULL, OPT_AUTHMECH},
    {"reply-to", required_argument, NULL, OPT_REPLYTO},
    {"bcc", required_argument, NULL, OPT_BCC},
    {"trust-discovered", no_argument, NULL, OPT_TRUST},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"jobs", required_argument, NULL, 'j'},
    {"send-to", required_argument, NULL, OPT_SENDTO},
    {"from", required_argument, NULL, OPT_FROM},
    {"ispdb-url", required_argument, NULL, OPT_ISPDB},
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"security", required_argument, NULL, OPT_SECURITY},
    {"no-probe", no_argument, NULL, OPT_NOPROBE},
    {"allow-plaintext-auth", no_argument, NULL, OPT_ALLOWPLAIN},
    {"incoming", no_argument, NULL, OPT_INCOMING},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"lang", required_argument, NULL, OPT_LANG},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) SD_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("smtpdoctor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(_(" (see smtpdoctor --help)"), stderr);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* Each command's help fits an 80x24 terminal in every language (a test
 * renders them all); the man page has the rest. An option's description is
 * translated and wrapped in display columns, its name never is. */
typedef struct {
    const char *option;
    const char *what;   /* N_(), translated when printed */
} help_row;

enum { HELP_WIDTH = 79, HELP_OPTION_COLUMN = 24 };

static const help_row common_rows[] = {
    {"--json", N_("one JSON document on standard output")},
    {"--dns-server A[:P],..", N_("ask these DNS servers")},
    {"--ca-file FILE", N_("also trust these CAs (PEM)")},
    {"--timeout SECONDS", N_("seconds for one network step (default 10)")},
    {"--insecure", N_("certificate problems do not fail")},
    {"--user NAME", N_("the username (default: as the provider wants)")},
    {"--password-file FILE", N_("the password (or --password-stdin)")},
    {"--oauth2", N_("sign in with OAuth2 (--oauth2-client-id ID)")},
    {"--send-to ADDR", N_("also send a test message to ADDR")},
    {"--lang CODE", N_("language, e.g. ru or de (default: the locale)")},
    {"-v, --verbose", N_("sources, SMTP dialogue, certificates, timings")},
    {"-q, --quiet", N_("only the result")},
};

static const help_row discover_rows[] = {
    {"--incoming", N_("show the IMAP and POP3 servers too")},
    {"--no-probe", N_("do not connect to the candidates")},
    {"--ispdb-url URL|none", N_("the central ISPDB (default: Thunderbird's)")},
    {"--batch FILE", N_("one address a line ('-': standard input)")},
    {"-j, --jobs N", N_("addresses at once with --batch (default 8)")},
};

static const help_row diag_rows[] = {
    {"--auth-mech MECH", "PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER"},   /* names, not translated */
    {"--oauth2-token-file FILE", N_("a token for XOAUTH2 or OAUTHBEARER")},
    {"--allow-plaintext-auth", N_("send the password even without encryption")},
};

static void print_row(const char *option, const char *what)
{
    printf("  ");
    size_t used = 2 + sd_text_columns(option);
    sd_text_pad(stdout, option, HELP_OPTION_COLUMN - 2);
    if (used >= HELP_OPTION_COLUMN) {   /* a long option name: one space, then the text */
        printf(" ");
        used++;
    } else {
        used = HELP_OPTION_COLUMN;
    }
    sd_text_wrap(stdout, what, used, HELP_OPTION_COLUMN, HELP_WIDTH);
}

static void print_rows(const help_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        print_row(rows[i].option, _(rows[i].what));
}

static void print_paragraph(const char *text)
{
    sd_text_wrap(stdout, text, 0, 0, HELP_WIDTH);
}

static void print_help(sd_command cmd)
{
    char *formats = sd_export_format_list(" ", " ", SIZE_MAX);
    char *some_formats = sd_export_format_list(", ", ", ", 5);
    /* TRANSLATORS: the first word of --help; the command lines stay as they are. */
    const char *usage = _("Usage:");
    size_t indent = sd_text_columns(usage) + 1;
    switch (cmd) {
    case SD_CMD_DISCOVER:
        printf("%s smtpdoctor discover [OPTIONS] ADDRESS\n", usage);
        printf("%*ssmtpdoctor discover --batch FILE [-j N] [OPTIONS]\n", (int)indent, "");
        print_paragraph(_("Finds the SMTP settings: presets, DNS SRV, autoconfig, the ISPDB, Autodiscover, "
                          "the provider behind the MX, guessing; then checks them by connecting."));
        printf("\n");
        print_row("--format FMT", formats);
        print_rows(discover_rows, sizeof discover_rows / sizeof *discover_rows);
        print_rows(common_rows, sizeof common_rows / sizeof *common_rows);
        break;
    case SD_CMD_DIAG: {
        printf("%s smtpdoctor diag [OPTIONS] --host HOST[:PORT] [--port N]\n", usage);
        printf("%*s[--security tls|starttls|plain] [ADDRESS]\n", (int)indent + 11, "");
        print_paragraph(_("Checks your settings: DNS, TCP, TLS and certificate, SMTP, AUTH, test send."));
        char *modes = sd_xasprintf(_("tls = SSL/TLS (%d), starttls = STARTTLS (%d), plain = none; else inferred."),
                                   sd_security_default_port(SD_PROTO_SMTP, SD_SEC_TLS),
                                   sd_security_default_port(SD_PROTO_SMTP, SD_SEC_STARTTLS));
        print_paragraph(modes);
        free(modes);
        printf("\n");
        print_rows(diag_rows, sizeof diag_rows / sizeof *diag_rows);
        print_rows(common_rows, sizeof common_rows / sizeof *common_rows);
        break;
    }
    case SD_CMD_PRESETS:
        printf("%s smtpdoctor presets [list | show DOMAIN] [--json]\n", usage);
        print_paragraph(_("The provider presets built into the program, and your own from "
                          "$XDG_CONFIG_HOME/smtpdoctor/presets/."));
        break;
    default: {
        printf("%s smtpdoctor [OPTIONS] ADDRESS\n", usage);
        printf("%*ssmtpdoctor discover [OPTIONS] ADDRESS\n", (int)indent, "");
        printf("%*ssmtpdoctor diag [OPTIONS] --host HOST [--port N] [--security MODE]\n", (int)indent, "");
        printf("%*ssmtpdoctor presets [list | show DOMAIN]\n", (int)indent, "");
        print_paragraph(_("With an address alone: finds the settings, then diagnoses them."));
        printf("\n");
        print_rows(common_rows, sizeof common_rows / sizeof *common_rows);
        char *as = sd_xasprintf(_("the settings as %s"), some_formats);
        print_row("--format FMT", as);
        free(as);
        print_row("--trust-discovered", _("send the password to a server nothing vouches for"));
        printf("\n");
        print_paragraph(_("Exit status: 0 the settings work, 1 a failure was diagnosed, 2 bad usage."));
        print_paragraph(_("'smtpdoctor COMMAND --help' and 'man smtpdoctor' tell more."));
    }
    }
    free(formats);
    free(some_formats);
}

static void print_version(void)
{
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    printf("smtpdoctor %s\n", PACKAGE_VERSION);
    printf("libraries: %s, c-ares %s, libcurl %s, libxml2 %s, libidn2 %s\n",
           OpenSSL_version(OPENSSL_VERSION), ares_version(NULL), cv->version, LIBXML_DOTTED_VERSION,
           idn2_check_version(NULL));
}

static int parse_timeout(const char *s, int *ms)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !end || *end || v <= 0 || v > 3600)
        return -1;
    *ms = (int)(v * 1000);
    if (*ms < 1)
        *ms = 1;
    return 0;
}

/* What an error message quotes of the user's input: at most 80
 * characters, and nothing a terminal would act on. */
static char *quoted_input(const char *text)
{
    char *shown = strlen(text) > 80 ? sd_xasprintf("%.77s...", text) : sd_xstrdup(text);
    sd_text_make_printable(&shown, false);
    return shown;
}

static int take_address(sd_cli *cli, const char *text)
{
    sd_error err;
    if (sd_address_parse(text, &cli->address, &err) < 0) {
        char *shown = quoted_input(text);
        fprintf(stderr, _("smtpdoctor: '%s' is not a usable address: %s\n"), shown, err.msg);
        free(shown);
        return -1;
    }
    cli->has_address = true;
    return 0;
}

static int check_file(const char *what, const char *path);

static int check_positionals(sd_cli *cli, int first, int argc, char **argv, bool want_help)
{
    int n = argc - first;
    if (want_help)
        return 0;
    switch (cli->command) {
    case SD_CMD_PRESETS:
        cli->presets_action = sd_xstrdup(n > 0 ? argv[first] : "list");
        if (strcmp(cli->presets_action, "list") == 0 && n <= 1)
            return 0;
        if (strcmp(cli->presets_action, "show") == 0 && n == 2) {
            cli->presets_arg = sd_xstrdup(argv[first + 1]);
            return 0;
        }
        return usage_error(_("presets takes 'list' or 'show DOMAIN'"));
    case SD_CMD_DIAG:
        if (!cli->host)
            return usage_error(_("diag needs --host HOST (the SMTP server from your settings)"));
        if (n > 1)
            return usage_error(_("diag takes at most one ADDRESS, not %d arguments"), n);
        return n == 1 ? take_address(cli, argv[first]) : 0;
    default:
        if (cli->batch) {
            if (cli->command != SD_CMD_DISCOVER)
                return usage_error(_("--batch goes with discover: smtpdoctor discover --batch FILE"));
            if (n > 0)
                return usage_error(_("--batch reads the addresses from its file, not from the command line"));
            if (strcmp(cli->batch, "-") != 0 && check_file(_("batch file"), cli->batch) < 0)
                return -1;
            return 0;
        }
        if (n == 0)
            return usage_error(_("an email address is needed, e.g. smtpdoctor you@example.com"));
        if (n > 1)
            return usage_error(_("one ADDRESS at a time, not %d arguments"), n);
        return take_address(cli, argv[first]);
    }
}

static int check_file(const char *what, const char *path)
{
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "smtpdoctor: %s %s: %s\n", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The first line of a file holding a secret, into *slot. A directory, or
 * a file whose first line is empty, is a mistake worth saying at once: the
 * login would otherwise fail in a way that looks like a wrong password. */
static int read_secret_file(const char *what, const char *path, char **slot)
{
    if (check_file(what, path) < 0)
        return -1;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        /* TRANSLATORS: the first %s is a kind of file ("password file"), the
         * subject of the sentence; the second its path */
        return usage_error(_("%s %s is a directory"), what, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return usage_error(_("%s %s cannot be opened"), what, path);
    char *secret = sd_secret_read_fd(fd);
    close(fd);
    if (!*secret) {
        sd_secret_free(secret);
        return usage_error(_("%s %s is empty (its first line holds nothing)"), what, path);
    }
    sd_secret_free(*slot);
    *slot = secret;
    return 0;
}

/* An address option: checked like the main address, kept as typed (with
 * the domain in its ASCII form). */
static int take_mail_address(char **slot, const char *option, const char *arg)
{
    sd_address a;
    sd_error err;
    if (sd_address_parse(arg, &a, &err) < 0) {
        char *shown = quoted_input(arg);
        fprintf(stderr, _("smtpdoctor: %s '%s' is not a usable address: %s\n"), option, shown, err.msg);
        free(shown);
        return -1;
    }
    free(*slot);
    *slot = sd_xstrdup(a.address);
    sd_address_free(&a);
    return 0;
}

static int handle_option(sd_cli *cli, int c, const char *arg, bool *help, bool *version, bool *pw_stdin)
{
    switch (c) {
    case OPT_JSON: cli->json = true; break;
    case OPT_DNS: free(cli->dns_servers); cli->dns_servers = sd_xstrdup(arg); break;
    case OPT_CA:
        if (check_file(_("CA file"), arg) < 0)
            return -1;
        free(cli->ca_file);
        cli->ca_file = sd_xstrdup(arg);
        break;
    case OPT_TIMEOUT:
        if (parse_timeout(arg, &cli->timeout_ms) < 0)
            return usage_error(_("--timeout takes a number of seconds above 0, not '%s'"), arg);
        break;
    case OPT_INSECURE: cli->insecure = true; break;
    case OPT_USER: free(cli->user); cli->user = sd_xstrdup(arg); break;
    case OPT_PWFILE:
        return read_secret_file(_("password file"), arg, &cli->password);
    case OPT_PWSTDIN: *pw_stdin = true; break;
    case OPT_PASSWORD:
        return usage_error(_("there is no --password option, so that the password stays out of "
                           "process lists and shell history: use --password-file FILE, "
                           "--password-stdin or SMTPDOCTOR_PASSWORD"));
    case OPT_SENDTO: return take_mail_address(&cli->send_to, "--send-to", arg);
    case OPT_FROM: return take_mail_address(&cli->from, "--from", arg);
    case OPT_REPLYTO: return take_mail_address(&cli->reply_to, "--reply-to", arg);
    case OPT_BCC: return take_mail_address(&cli->bcc, "--bcc", arg);
    case OPT_TRUST: cli->trust_discovered = true; break;
    case OPT_FORMAT:
        if (!sd_export_format_known(arg)) {
            /* TRANSLATORS: between the last two names of a list: " or " */
            char *names = sd_export_format_list(", ", _(" or "), SIZE_MAX);
            usage_error(_("--format takes %s, not '%s'"), names, arg);
            free(names);
            return -1;
        }
        free(cli->format);
        cli->format = sd_xstrdup(arg);
        break;
    case OPT_BATCH:
        free(cli->batch);
        cli->batch = sd_xstrdup(arg);
        break;
    case 'j': {
        char *end = NULL;
        long n = strtol(arg, &end, 10);
        if (!*arg || *end || n < 1 || n > 256)
            return usage_error(_("-j takes a number from 1 to 256, not '%s'"), arg);
        cli->jobs = (int)n;
        break;
    }
    case OPT_AUTHMECH:
        cli->auth_mech = sd_auth_parse(arg);
        if (!(cli->auth_mech & (SD_AUTH_PLAIN | SD_AUTH_LOGIN | SD_AUTH_CRAM_MD5 | SD_AUTH_XOAUTH2 | SD_AUTH_OAUTHBEARER)))
            return usage_error(_("--auth-mech takes PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER, not '%s'"), arg);
        break;
    case OPT_TOKENFILE:
        return read_secret_file(_("token file"), arg, &cli->oauth2_token);
    case OPT_OAUTH2: cli->oauth2 = true; break;
    case OPT_LANG:
        /* main() set the language from it before parsing (sd_i18n_init),
         * so that even these errors are in it; here it is only checked. */
        if (!sd_i18n_lang_valid(arg))
            return usage_error(_("--lang takes a language code such as ru, pt_BR or C, not '%s'"), arg);
        break;
    case OPT_CLIENTID:
        if (!*arg)
            return usage_error(_("--oauth2-client-id takes the client ID of an app registered with the provider"));
        free(cli->oauth2_client_id);
        cli->oauth2_client_id = sd_xstrdup(arg);
        break;
    case OPT_CLIENTSECRET:
        return read_secret_file(_("client secret file"), arg, &cli->oauth2_client_secret);
    case OPT_ISPDB:
        if (!sd_str_ieq(arg, "none") && strncmp(arg, "https://", 8) != 0 && strncmp(arg, "http://", 7) != 0)
            return usage_error(_("--ispdb-url takes an http(s) URL or 'none', not '%s'"), arg);
        free(cli->ispdb_url);
        cli->ispdb_url = sd_xstrdup(arg);
        break;
    case OPT_HOST: {
        sd_error err;
        /* HOST:PORT and [IPv6]:PORT as swaks's --server takes them */
        sd_host_port hp;
        if (sd_host_port_split(arg, strlen(arg), &hp) < 0)
            return usage_error(_("--host takes HOST, HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not '%s'"), arg);
        cli->host_port = hp.port;
        char *name = hp.bracketed ? sd_xasprintf("[%.*s]", (int)hp.host_len, hp.host)
                                  : sd_xstrndup(hp.host, hp.host_len);
        char *h = sd_server_name_normalize(name, &err);
        free(name);
        if (!h)
            return usage_error("--host: %s", err.msg);
        free(cli->host);
        cli->host = h;
        break;
    }
    case OPT_PORT:
        cli->port = sd_port_parse(arg, strlen(arg));
        if (cli->port < 0)
            return usage_error(_("--port takes a number from 1 to 65535, not '%s'"), arg);
        break;
    case OPT_SECURITY:
        if (sd_security_parse(arg, &cli->security) < 0)
            return usage_error(_("--security takes tls, starttls or plain, not '%s'"), arg);
        break;
    case OPT_NOPROBE: cli->probe = false; break;
    case OPT_ALLOWPLAIN: cli->allow_plaintext_auth = true; break;
    case OPT_INCOMING: cli->show_incoming = true; break;
    case 'v': cli->verbose = true; break;
    case 'q': cli->quiet = true; break;
    case 'h': *help = true; break;
    case OPT_VERSION: *version = true; break;
    default: return -1;
    }
    return 0;
}

static int command_from_word(const char *w, sd_command *cmd)
{
    if (strcmp(w, "discover") == 0)
        *cmd = SD_CMD_DISCOVER;
    else if (strcmp(w, "diag") == 0)
        *cmd = SD_CMD_DIAG;
    else if (strcmp(w, "presets") == 0)
        *cmd = SD_CMD_PRESETS;
    else
        return -1;
    return 0;
}

/* A word of letters alone, where a command or an ADDRESS goes: meant as a
 * command, since an address has an '@' and a domain a dot. */
static bool looks_like_command(const char *w)
{
    if (!*w)
        return false;
    for (const char *p = w; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))
            return false;
    return true;
}

static int unknown_command(const char *w)
{
    sd_command cmd;
    char *lower = sd_xstrdup(w);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    int known = command_from_word(lower, &cmd) == 0;
    if (known)
        usage_error(_("there is no command '%s': did you mean '%s'? The commands are discover, diag and presets"),
                    w, lower);
    else
        usage_error(_("there is no command '%s': use discover, diag or presets, or an email address alone, "
                    "as in smtpdoctor you@example.com"), w);
    free(lower);
    return -1;
}

/* --oauth2 goes with a login (smtpdoctor ADDRESS, or diag with a user) and
 * needs the user's own client ID: the project has no registered app. */
static int check_oauth2(sd_cli *cli)
{
    if (cli->command != SD_CMD_DEFAULT && cli->command != SD_CMD_DIAG)
        return usage_error(_("--oauth2 goes with smtpdoctor ADDRESS or diag, which log in"));
    if (cli->oauth2_token)
        return usage_error(_("--oauth2 signs in for a token; --oauth2-token-file gives one: use one of them"));
    if (cli->command == SD_CMD_DIAG && !cli->user && !cli->has_address)
        return usage_error(_("diag --oauth2 needs the account: --user NAME or an ADDRESS"));
    if (!cli->oauth2_client_id) {
        char *env = getenv("SMTPDOCTOR_OAUTH2_CLIENT_ID");
        if (!env || !*env)
            return usage_error(_("--oauth2 needs the client ID of an app registered with your provider: "
                               "--oauth2-client-id ID or SMTPDOCTOR_OAUTH2_CLIENT_ID (the README says how to "
                               "register one)"));
        cli->oauth2_client_id = sd_xstrdup(env);
    }
    return 0;
}

static int parse(int argc, char **argv, sd_cli *cli, char **env_password)
{
    memset(cli, 0, sizeof *cli);
    cli->timeout_ms = 10000;
    cli->probe = true;
    cli->jobs = 8;
    bool help = false, version = false, pw_stdin = false;
    opterr = 0;
    optind = 1;
    int c;
    /* GNU getopt moves the positional words to the end, so options may come
     * before or after the command and the address. */
    while ((c = getopt_long(argc, argv, ":vqhj:", long_options, NULL)) != -1) {
        if (c == ':')
            return usage_error(_("option '%s' needs a value"), argv[optind - 1]);
        if (c == '?') {
            if (optopt)
                return usage_error(_("unknown option '-%c'"), optopt);
            return usage_error(_("unknown option '%s'"), argv[optind - 1]);
        }
        if (handle_option(cli, c, optarg, &help, &version, &pw_stdin) < 0)
            return -1;
    }
    int first = optind;
    if (first < argc && command_from_word(argv[first], &cli->command) == 0)
        first++;
    else if (first < argc && looks_like_command(argv[first]))
        return unknown_command(argv[first]);
    if (version) {
        print_version();
        return 1;
    }
    if (help) {
        print_help(cli->command);
        return 1;
    }
    if (check_positionals(cli, first, argc, argv, false) < 0)
        return -1;
    /* checked before a password is asked for, so that a typo is a usage
     * error (and not a DNS failure after the password was typed) */
    if (cli->dns_servers) {
        sd_error err;
        if (sd_dns_servers_valid(cli->dns_servers, &err) < 0)
            return usage_error("--dns-server: %s", err.msg);
    }
    if (cli->oauth2 && check_oauth2(cli) < 0)
        return -1;
    if (cli->host_port) {
        if (cli->port && cli->port != cli->host_port)
            return usage_error(_("--host names port %d but --port says %d"), cli->host_port, cli->port);
        cli->port = cli->host_port;
    }
    if (pw_stdin) {
        sd_secret_free(cli->password);
        cli->password = sd_secret_read_fd(STDIN_FILENO);
        if (!*cli->password)
            return usage_error(_("--password-stdin read an empty line: no password"));
    } else if (!cli->password && *env_password) {
        if (!**env_password)
            return usage_error(_("SMTPDOCTOR_PASSWORD is set but empty: no password"));
        cli->password = *env_password;
        *env_password = NULL;
    } else if (!cli->password && !cli->oauth2_token && !cli->oauth2 && isatty(STDIN_FILENO) &&
               (cli->command == SD_CMD_DEFAULT || (cli->command == SD_CMD_DIAG && cli->user))) {
        /* A login is what fails most often, so on a terminal the password is
         * asked for: by smtpdoctor ADDRESS once it knows the server and its
         * username form, after the trust question of the credential gate;
         * by diag now. An empty answer skips the login check. */
        if (cli->command == SD_CMD_DEFAULT) {
            cli->password_prompt_pending = true;
        } else {
            char *prompt = sd_xasprintf(_("Password for %s (Enter: do not check the login): "), cli->user);
            cli->password = sd_terminal_ask_secret(prompt);
            free(prompt);
            if (cli->password && !*cli->password) {
                sd_secret_free(cli->password);
                cli->password = NULL;
            }
        }
    }
    return 0;
}

int sd_cli_parse(int argc, char **argv, sd_cli *cli)
{
    /* Both secret variables are taken out of the environment at once,
     * whichever source ends up used, so that neither stays readable in
     * /proc/PID/environ nor reaches a child process. */
    char *env_password = sd_secret_take_env("SMTPDOCTOR_PASSWORD");
    char *env_token = sd_secret_take_env("SMTPDOCTOR_OAUTH2_TOKEN");
    char *env_client_secret = sd_secret_take_env("SMTPDOCTOR_OAUTH2_CLIENT_SECRET");
    int rc = parse(argc, argv, cli, &env_password);
    if (rc == 0 && !cli->oauth2_token && !cli->oauth2 && env_token) {
        cli->oauth2_token = env_token;
        env_token = NULL;
    }
    if (rc == 0 && cli->oauth2 && !cli->oauth2_client_secret && env_client_secret) {
        cli->oauth2_client_secret = env_client_secret;
        env_client_secret = NULL;
    }
    sd_secret_free(env_client_secret);
    sd_secret_free(env_password);
    sd_secret_free(env_token);
    return rc;
}

void sd_cli_free(sd_cli *cli)
{
    if (cli->has_address)
        sd_address_free(&cli->address);
    free(cli->dns_servers);
    free(cli->ca_file);
    free(cli->ispdb_url);
    free(cli->user);
    /* the secrets do not linger in freed memory */
    sd_secret_free(cli->password);
    sd_secret_free(cli->oauth2_token);
    sd_secret_free(cli->oauth2_client_secret);
    free(cli->oauth2_client_id);
    free(cli->send_to);
    free(cli->reply_to);
    free(cli->bcc);
    free(cli->from);
    free(cli->host);
    free(cli->format);
    free(cli->batch);
    free(cli->presets_action);
    free(cli->presets_arg);
    memset(cli, 0, sizeof *cli);
}
