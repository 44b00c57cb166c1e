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
#include "common/text.h"
#include "net/dns.h"

enum {
    OPT_JSON = 256, OPT_DNS, OPT_CA, OPT_TIMEOUT, OPT_INSECURE, OPT_USER, OPT_PWFILE, OPT_PWSTDIN,
    OPT_SENDTO, OPT_FROM, OPT_ISPDB, OPT_HOST, OPT_PORT, OPT_SECURITY, OPT_NOPROBE,
    OPT_ALLOWPLAIN, OPT_INCOMING, OPT_VERSION, OPT_PASSWORD, OPT_TOKENFILE, OPT_AUTHMECH, OPT_REPLYTO,
    OPT_BCC, OPT_TRUST, OPT_FORMAT, OPT_BATCH, OPT_OAUTH2, OPT_CLIENTID, OPT_CLIENTSECRET,
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
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) SD_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("smtpdoctor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see smtpdoctor --help)\n", stderr);
    va_end(ap);
    return -1;
}

/* Each command's help fits an 80x24 terminal; the man page has the rest. */
static void print_help(sd_command cmd)
{
    char *formats = sd_export_format_list(" ", " ", SIZE_MAX);
    char *some_formats = sd_export_format_list(", ", ", ", 5);
    const char *common =
        "  --json                one JSON document on stdout\n"
        "  --dns-server A[:P],.. ask these DNS servers    --ca-file FILE  extra CAs (PEM)\n"
        "  --timeout SECONDS     bound for one network step (default 10); a run: 3x\n"
        "  --insecure            certificate problems are warnings, not failures\n"
        "  --user NAME           the login (default: the address or the provider's form)\n"
        "  --password-file FILE, --password-stdin, env SMTPDOCTOR_PASSWORD: the password\n"
        "  --oauth2              sign in with OAuth2 (--oauth2-client-id ID, and for\n"
        "                        Google --oauth2-client-secret-file FILE)\n"
        "  --send-to ADDR        also send a test message (--from, --reply-to, --bcc)\n"
        "  -v, --verbose         sources, SMTP dialogue, certificates, timings\n"
        "  -q, --quiet           only the result\n";
    switch (cmd) {
    case SD_CMD_DISCOVER:
        printf("Usage: smtpdoctor discover [OPTIONS] ADDRESS\n"
               "       smtpdoctor discover --batch FILE [-j N] [OPTIONS]\n"
               "Find the SMTP settings: presets, DNS SRV, autoconfig, the ISPDB, Autodiscover,\n"
               "the provider behind the MX, guessing; then check them by connecting.\n\n"
               "  --format FMT          %s\n"
               "  --incoming            show the IMAP and POP3 servers too\n"
               "  --no-probe            do not connect to the candidates\n"
               "  --ispdb-url URL|none  the central ISPDB (default: Thunderbird's)\n"
               "  --batch FILE          one address a line ('-': stdin), JSON lines out\n"
               "  -j, --jobs N          addresses at once with --batch (default 8)\n%s", formats, common);
        break;
    case SD_CMD_DIAG:
        printf("Usage: smtpdoctor diag [OPTIONS] --host HOST[:PORT] [--port N]\n"
               "                       [--security tls|starttls|plain] [ADDRESS]\n"
               "Check your settings: DNS, TCP, TLS and certificate, SMTP, AUTH, test send.\n"
               "tls = SSL/TLS (%d), starttls = STARTTLS (%d), plain = none; else inferred.\n\n"
               "  --auth-mech MECH      PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER\n"
               "  --oauth2-token-file FILE  a token for XOAUTH2 or OAUTHBEARER\n"
               "  --allow-plaintext-auth    with --security plain: send the password anyway\n%s",
               sd_security_default_port(SD_PROTO_SMTP, SD_SEC_TLS),
               sd_security_default_port(SD_PROTO_SMTP, SD_SEC_STARTTLS), common);
        break;
    case SD_CMD_PRESETS:
        printf("Usage: smtpdoctor presets [list | show DOMAIN] [--json]\n"
               "The provider presets built into the program, and your own from\n"
               "$XDG_CONFIG_HOME/smtpdoctor/presets/.\n");
        break;
    default:
        printf("Usage: smtpdoctor [OPTIONS] ADDRESS       discover, then diagnose the settings\n"
               "       smtpdoctor discover [OPTIONS] ADDRESS\n"
               "       smtpdoctor diag [OPTIONS] --host HOST [--port N] [--security MODE]\n"
               "       smtpdoctor presets [list | show DOMAIN]\n\n%s"
               "  --format FMT          the settings as %s\n"
               "  --trust-discovered    send the password to a server nothing vouches for\n\n"
               "Exit status: 0 the settings work, 1 a failure was diagnosed, 2 bad usage.\n"
               "'smtpdoctor COMMAND --help' and 'man smtpdoctor' tell more.\n", common, some_formats);
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
        fprintf(stderr, "smtpdoctor: '%s' is not a usable address: %s\n", shown, err.msg);
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
        return usage_error("presets takes 'list' or 'show DOMAIN'");
    case SD_CMD_DIAG:
        if (!cli->host)
            return usage_error("diag needs --host HOST (the SMTP server from your settings)");
        if (n > 1)
            return usage_error("diag takes at most one ADDRESS, not %d arguments", n);
        return n == 1 ? take_address(cli, argv[first]) : 0;
    default:
        if (cli->batch) {
            if (cli->command != SD_CMD_DISCOVER)
                return usage_error("--batch goes with discover: smtpdoctor discover --batch FILE");
            if (n > 0)
                return usage_error("--batch reads the addresses from its file, not from the command line");
            if (strcmp(cli->batch, "-") != 0 && check_file("batch file", cli->batch) < 0)
                return -1;
            return 0;
        }
        if (n == 0)
            return usage_error("an email address is needed, e.g. smtpdoctor you@example.com");
        if (n > 1)
            return usage_error("one ADDRESS at a time, not %d arguments", n);
        return take_address(cli, argv[first]);
    }
}

static int check_file(const char *what, const char *path)
{
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "smtpdoctor: cannot read the %s %s: %s\n", what, path, strerror(errno));
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
        return usage_error("the %s %s is a directory", what, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return usage_error("cannot open the %s %s", what, path);
    char *secret = sd_secret_read_fd(fd);
    close(fd);
    if (!*secret) {
        sd_secret_free(secret);
        return usage_error("the %s %s is empty (its first line holds nothing)", what, path);
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
        fprintf(stderr, "smtpdoctor: %s '%s' is not a usable address: %s\n", option, shown, err.msg);
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
        if (check_file("CA file", arg) < 0)
            return -1;
        free(cli->ca_file);
        cli->ca_file = sd_xstrdup(arg);
        break;
    case OPT_TIMEOUT:
        if (parse_timeout(arg, &cli->timeout_ms) < 0)
            return usage_error("--timeout takes a number of seconds above 0, not '%s'", arg);
        break;
    case OPT_INSECURE: cli->insecure = true; break;
    case OPT_USER: free(cli->user); cli->user = sd_xstrdup(arg); break;
    case OPT_PWFILE:
        return read_secret_file("password file", arg, &cli->password);
    case OPT_PWSTDIN: *pw_stdin = true; break;
    case OPT_PASSWORD:
        return usage_error("there is no --password option, so that the password stays out of "
                           "process lists and shell history: use --password-file FILE, "
                           "--password-stdin or SMTPDOCTOR_PASSWORD");
    case OPT_SENDTO: return take_mail_address(&cli->send_to, "--send-to", arg);
    case OPT_FROM: return take_mail_address(&cli->from, "--from", arg);
    case OPT_REPLYTO: return take_mail_address(&cli->reply_to, "--reply-to", arg);
    case OPT_BCC: return take_mail_address(&cli->bcc, "--bcc", arg);
    case OPT_TRUST: cli->trust_discovered = true; break;
    case OPT_FORMAT:
        if (!sd_export_format_known(arg)) {
            char *names = sd_export_format_list(", ", " or ", SIZE_MAX);
            usage_error("--format takes %s, not '%s'", names, arg);
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
            return usage_error("-j takes a number from 1 to 256, not '%s'", arg);
        cli->jobs = (int)n;
        break;
    }
    case OPT_AUTHMECH:
        cli->auth_mech = sd_auth_parse(arg);
        if (!(cli->auth_mech & (SD_AUTH_PLAIN | SD_AUTH_LOGIN | SD_AUTH_CRAM_MD5 | SD_AUTH_XOAUTH2 | SD_AUTH_OAUTHBEARER)))
            return usage_error("--auth-mech takes PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER, not '%s'", arg);
        break;
    case OPT_TOKENFILE:
        return read_secret_file("token file", arg, &cli->oauth2_token);
    case OPT_OAUTH2: cli->oauth2 = true; break;
    case OPT_CLIENTID:
        if (!*arg)
            return usage_error("--oauth2-client-id takes the client ID of an app registered with the provider");
        free(cli->oauth2_client_id);
        cli->oauth2_client_id = sd_xstrdup(arg);
        break;
    case OPT_CLIENTSECRET:
        return read_secret_file("client secret file", arg, &cli->oauth2_client_secret);
    case OPT_ISPDB:
        if (!sd_str_ieq(arg, "none") && strncmp(arg, "https://", 8) != 0 && strncmp(arg, "http://", 7) != 0)
            return usage_error("--ispdb-url takes an http(s) URL or 'none', not '%s'", arg);
        free(cli->ispdb_url);
        cli->ispdb_url = sd_xstrdup(arg);
        break;
    case OPT_HOST: {
        sd_error err;
        /* HOST:PORT and [IPv6]:PORT as swaks's --server takes them */
        sd_host_port hp;
        if (sd_host_port_split(arg, strlen(arg), &hp) < 0)
            return usage_error("--host takes HOST, HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not '%s'", arg);
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
            return usage_error("--port takes a number from 1 to 65535, not '%s'", arg);
        break;
    case OPT_SECURITY:
        if (sd_security_parse(arg, &cli->security) < 0)
            return usage_error("--security takes tls, starttls or plain, not '%s'", arg);
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
        usage_error("there is no command '%s': did you mean '%s'? The commands are discover, diag and presets",
                    w, lower);
    else
        usage_error("there is no command '%s': use discover, diag or presets, or an email address alone, "
                    "as in smtpdoctor you@example.com", w);
    free(lower);
    return -1;
}

/* --oauth2 goes with a login (smtpdoctor ADDRESS, or diag with a user) and
 * needs the user's own client ID: the project has no registered app. */
static int check_oauth2(sd_cli *cli)
{
    if (cli->command != SD_CMD_DEFAULT && cli->command != SD_CMD_DIAG)
        return usage_error("--oauth2 goes with smtpdoctor ADDRESS or diag, which log in");
    if (cli->oauth2_token)
        return usage_error("--oauth2 signs in for a token; --oauth2-token-file gives one: use one of them");
    if (cli->command == SD_CMD_DIAG && !cli->user && !cli->has_address)
        return usage_error("diag --oauth2 needs the account: --user NAME or an ADDRESS");
    if (!cli->oauth2_client_id) {
        char *env = getenv("SMTPDOCTOR_OAUTH2_CLIENT_ID");
        if (!env || !*env)
            return usage_error("--oauth2 needs the client ID of an app registered with your provider: "
                               "--oauth2-client-id ID or SMTPDOCTOR_OAUTH2_CLIENT_ID (the README says how to "
                               "register one)");
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
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        if (c == '?') {
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
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
            return usage_error("--host names port %d but --port says %d", cli->host_port, cli->port);
        cli->port = cli->host_port;
    }
    if (pw_stdin) {
        sd_secret_free(cli->password);
        cli->password = sd_secret_read_fd(STDIN_FILENO);
        if (!*cli->password)
            return usage_error("--password-stdin read an empty line: no password");
    } else if (!cli->password && *env_password) {
        if (!**env_password)
            return usage_error("SMTPDOCTOR_PASSWORD is set but empty: no password");
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
            char *prompt = sd_xasprintf("Password for %s (Enter: do not check the login): ", cli->user);
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
