/* SPDX-License-Identifier: MIT */
/* smtpdoctor: finds out how an email account should send mail and, when
 * sending fails, says why and what to change. This file only dispatches:
 * every network step lives in the library (discover/, diag/, net/). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch.h"
#include "cli/oauth2_login.h"
#include "cli/export.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/printable.h"
#include "cli/progress.h"
#include "cli/secret.h"
#include "common/i18n.h"
#include "diag/gate.h"
#include "discover/discover.h"
#include "net/oauth2.h"
#include "net/tls.h"
#include "net/trust.h"
#include "presets/knowledge.h"
#include "presets/preset.h"

/* The network work of a run ends RUN_BUDGET_STEPS times --timeout after it
 * began, whatever each step does: a server that answers every line just
 * before the step timeout cannot stretch a run. Time spent waiting for the
 * person (a trust question, a password prompt) is not counted. */
enum { RUN_BUDGET_STEPS = 3 };
/* After this long at a prompt, the probe's session may have been dropped
 * as idle (some servers wait 30 s for the next command): open a new one. */
enum { PROMPT_IDLE_MS = 15000 };
static int64_t run_started_ms;

static int64_t run_deadline(const sd_cli *cli, int64_t person_ms)
{
    return run_started_ms + RUN_BUDGET_STEPS * (int64_t)cli->timeout_ms + person_ms;
}

/* Discovery for the address on the command line; -1 after saying why. */
static int discover_address(const sd_cli *cli, const sd_preset_db *presets, bool keep_session,
                            sd_discovery *d)
{
    sd_discover_options opts = {
        .dns_servers = cli->dns_servers, .ca_file = cli->ca_file, .ispdb_url = cli->ispdb_url,
        .timeout_ms = cli->timeout_ms, .run_deadline = run_deadline(cli, 0), .probe = cli->probe,
        .presets = presets,
        .keep_session = keep_session, .keep_transcript = keep_session && cli->verbose,
    };
    sd_error err;
    char *looking = sd_xasprintf(_("looking up the settings of %s"), cli->address.address);
    sd_progress_start(cli, looking);
    free(looking);
    int found = sd_discover(&cli->address, &opts, d, &err);
    sd_progress_done();
    if (found < 0)
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
    return found;
}

static int run_discover(const sd_cli *cli, const sd_preset_db *presets)
{
    sd_discovery d;
    if (discover_address(cli, presets, false, &d) < 0)
        return SD_EXIT_USAGE;
    sd_discovery_printable(&d);
    int rc = sd_print_discovery(cli, &d);
    sd_discovery_free(&d);
    return rc;
}

static sd_diag_request diag_request(const sd_cli *cli, const sd_preset_db *presets, const sd_knowledge *k)
{
    sd_diag_request req = {
        .host = cli->host, .port = cli->port, .security = cli->security,
        .address = cli->has_address ? &cli->address : NULL,
        .username = cli->user ? cli->user : cli->has_address ? cli->address.address : NULL,
        .password = cli->password, .oauth2_token = cli->oauth2_token, .auth_mech = cli->auth_mech,
        .send_to = cli->send_to, .from = cli->from, .reply_to = cli->reply_to, .bcc = cli->bcc,
        .dns_servers = cli->dns_servers, .ca_file = cli->ca_file,
        .timeout_ms = cli->timeout_ms, .run_deadline = run_deadline(cli, 0), .insecure = cli->insecure,
        .allow_plaintext_auth = cli->allow_plaintext_auth, .keep_transcript = cli->verbose,
        .trust_discovered = cli->trust_discovered,
        .presets = presets, .knowledge = k,
    };
    return req;
}

/* The settings as tested, in the shape of a candidate. */
static sd_server tested_settings(const sd_diag_result *r, const char *username, unsigned sources, bool trusted)
{
    sd_server s = {
        .protocol = SD_PROTO_SMTP, .host = r->host, .port = r->port, .security = r->security,
        .username = (char *)username, .auth = r->auth_offered, .sources = sources, .trusted = trusted,
        .verified = r->reached_smtp && r->status != SD_CHECK_FAIL,
    };
    return s;
}

static int finish_diagnosis(const sd_cli *cli, const sd_preset_db *presets, sd_diag_result *r,
                            const sd_server *tested, sd_discovery *d)
{
    sd_diag_result_printable(r);
    if (d)
        sd_discovery_printable(d);
    if (cli->json || sd_export_format_is_json(cli->format)) {
        sd_print_diagnosis_json(cli, r, tested, d);
    } else {
        sd_print_diagnosis_text(cli, r, d);
        if (cli->format) {
            /* the form from the diagnosis: what works, or what to do first */
            sd_advice advice;
            sd_advice_from_diagnosis(cli, presets, r, tested, d, d == NULL, &advice);
            printf("\n");
            fflush(stdout);
            sd_export(stdout, cli->format, cli, d, &advice);
            sd_advice_clear(&advice);
        }
    }
    return r->status == SD_CHECK_FAIL ? SD_EXIT_FAIL : SD_EXIT_OK;
}

static int run_diag(const sd_cli *cli, const sd_preset_db *presets, const sd_knowledge *k)
{
    sd_diag_request req = diag_request(cli, presets, k);
    req.host_sources = SD_SRC_USER;
    req.security_typed = cli->security != SD_SEC_UNKNOWN;
    /* --oauth2: the sign-in comes first, before the progress line; the
     * person's time at it does not count against the run's deadline */
    int64_t asking = sd_now_ms();
    char *token = cli->oauth2 ? sd_oauth2_sign_in(cli, presets, req.host) : NULL;
    if (cli->oauth2 && !token)
        return SD_EXIT_FAIL;
    if (token) {
        req.oauth2_token = token;
        req.password = NULL;
        req.run_deadline = run_deadline(cli, sd_now_ms() - asking);
    }
    sd_diag_result r;
    sd_error err;
    char *checking = sd_xasprintf(_("checking %s port %d"), req.host,
                                  req.port ? req.port : sd_security_default_port(SD_PROTO_SMTP, req.security));
    sd_progress_start(cli, checking);
    free(checking);
    req.on_step = sd_progress_step;
    int done = sd_diagnose(&req, &r, &err);
    sd_progress_done();
    sd_oauth2_token_free(token);
    if (done < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        return SD_EXIT_USAGE;
    }
    sd_server tested = tested_settings(&r, req.username, SD_SRC_USER, true);
    int rc = finish_diagnosis(cli, presets, &r, &tested, NULL);
    sd_diag_result_free(&r);
    return rc;
}

/* The credential gate's question, asked on a terminal before any password
 * prompt, when a secret would go to a server nothing vouches for. */
static sd_gate_answer ask_trust(const sd_cli *cli, const sd_server *best)
{
    bool secret = cli->password || cli->oauth2_token || cli->oauth2 || cli->password_prompt_pending;
    sd_gate_policy policy = {.trust_discovered = cli->trust_discovered};
    if (!secret || !sd_gate_host_needs_consent(best->vouch, &policy) || !sd_terminal_interactive())
        return SD_GATE_NOT_ASKED;
    bool token = (cli->oauth2_token || cli->oauth2) && !cli->password;
    char *question = sd_xasprintf(token ? _("%s was found only through %s. Send your token to it?")
                                        : _("%s was found only through %s. Send your password to it?"),
                                  best->host, sd_gate_found_through(best->sources));
    int yes = sd_terminal_ask_yes(question);
    free(question);
    return yes < 0 ? SD_GATE_NOT_ASKED : yes ? SD_GATE_YES : SD_GATE_NO;
}

/* smtpdoctor ADDRESS: discover, then diagnose the best candidate, with the
 * others as the alternatives to try when it fails. */
static int run_default(const sd_cli *cli, const sd_preset_db *presets, const sd_knowledge *k)
{
    sd_discovery d;
    if (discover_address(cli, presets, true, &d) < 0)
        return SD_EXIT_USAGE;
    if (sd_discovery_smtp_count(&d) == 0) {
        sd_discovery_printable(&d);
        int rc = sd_print_discovery(cli, &d);
        sd_discovery_free(&d);
        return rc;
    }
    const sd_server *best = &d.servers.items[0];
    sd_diag_request req = diag_request(cli, presets, k);
    req.host = best->host;
    req.port = best->port;
    req.security = best->security;
    req.username = cli->user ? cli->user : best->username ? best->username : cli->address.address;
    req.alternatives = &d.servers;
    req.host_sources = best->sources;
    req.host_authenticated = best->trusted;
    req.host_ispdb_named = best->ispdb_named;
    req.trust_discovered = cli->trust_discovered;
    int64_t asking = sd_now_ms();
    req.trust_answer = ask_trust(cli, best);
    char *prompted = NULL, *token = NULL;
    bool asked = false;
    bool may_send = !(best->vouch == SD_VOUCH_NONE && !cli->trust_discovered && req.trust_answer != SD_GATE_YES);
    if (cli->oauth2 && may_send) {
        token = sd_oauth2_sign_in(cli, presets, best->host);
        if (!token) {
            sd_discovery_free(&d);
            return SD_EXIT_FAIL;
        }
        req.oauth2_token = token;
        req.password = NULL;
    }
    if (cli->password_prompt_pending && may_send) {
        char *prompt = sd_xasprintf(_("Password for %s (Enter: do not check the login): "), req.username);
        prompted = sd_terminal_ask_secret(prompt);
        free(prompt);
        asked = true;
        if (prompted && !*prompted) {          /* Enter: the login is not checked */
            sd_secret_free(prompted);
            prompted = NULL;
        }
        req.password = prompted;
    }
    req.password_not_asked = (cli->password_prompt_pending && !asked) || (cli->oauth2 && !token);
    int64_t person_ms = sd_now_ms() - asking;
    req.run_deadline = run_deadline(cli, person_ms);
    /* The probe of the best candidate is still open: go on from there,
     * unless the person took long enough at the prompt for the server to
     * drop an idle client; then a fresh session is opened. */
    if (d.kept && sd_str_ieq(d.kept->host, best->host) && d.kept->port == best->port &&
        d.kept->session.ready && (best->security == SD_SEC_UNKNOWN || best->security == d.kept->session.detected) &&
        person_ms < PROMPT_IDLE_MS) {
        req.open_session = &d.kept->session;
        req.open_addresses = &d.kept->addresses;
        req.open_canonical = d.kept->canonical;
    } else if (d.kept) {
        sd_session_free(&d.kept->session);   /* not two connections to one server at once */
    }
    sd_diag_result r;
    sd_error err;
    char *checking = sd_xasprintf(_("checking %s port %d"), best->host, best->port);
    sd_progress_start(cli, checking);
    free(checking);
    req.on_step = sd_progress_step;
    int done = sd_diagnose(&req, &r, &err);
    sd_progress_done();
    if (done < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        sd_discovery_free(&d);
        sd_secret_free(prompted);
        sd_oauth2_token_free(token);
        return SD_EXIT_USAGE;
    }
    sd_server tested = tested_settings(&r, req.username, best->sources, best->trusted);
    int rc = finish_diagnosis(cli, presets, &r, &tested, &d);
    sd_diag_result_free(&r);
    sd_discovery_free(&d);
    sd_secret_free(prompted);
    sd_oauth2_token_free(token);
    return rc;
}

/* The language comes first, so that even usage errors are in it: --lang
 * CODE or --lang=CODE before a "--" overrides the locale. A value that
 * follows another option ("--user --lang") is taken here too; the parser
 * then reports the real mistake. */
static void set_language(int argc, char **argv)
{
    const char *lang = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        /* getopt takes any unambiguous abbreviation: --la, --lan, --lang */
        size_t n = strcspn(argv[i], "=");
        if (n < 4 || strncmp(argv[i], "--lang", n) != 0)
            continue;
        if (argv[i][n] == '=')
            lang = argv[i] + n + 1;
        else if (i + 1 < argc)
            lang = argv[++i];
    }
    if (lang && !sd_i18n_lang_valid(lang))
        lang = NULL;   /* the option parser says why */
    if (sd_i18n_init(lang) < 0)
        fprintf(stderr, _("smtpdoctor: there are no messages in the language '%s' yet; English is used\n"), lang);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    set_language(argc, argv);
    sd_cli cli;
    int parsed = sd_cli_parse(argc, argv, &cli);
    if (parsed != 0) {
        sd_cli_free(&cli);
        return parsed > 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
    }
    /* Right-to-left text output keeps host names whole; JSON and exports
     * (the form's text is copied into a program's fields) carry no
     * directional marks. */
    sd_i18n_set_isolate(sd_i18n_rtl() && !cli.json && !cli.batch && !cli.format);
    sd_preset_db presets = {0};
    sd_error err;
    if (sd_preset_db_load_all(&presets, &err) < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        sd_preset_db_free(&presets);
        sd_cli_free(&cli);
        return SD_EXIT_USAGE;
    }
    sd_knowledge knowledge;
    if (sd_knowledge_load_builtin(&knowledge, &err) < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        sd_preset_db_free(&presets);
        sd_cli_free(&cli);
        return SD_EXIT_INTERNAL;
    }
    int rc;
    run_started_ms = sd_now_ms();
    switch (cli.command) {
    case SD_CMD_PRESETS:
        rc = sd_print_presets(&cli, &presets);
        break;
    case SD_CMD_DIAG:
        rc = run_diag(&cli, &presets, &knowledge);
        break;
    case SD_CMD_DISCOVER:
        rc = cli.batch ? sd_run_batch(&cli, &presets) : run_discover(&cli, &presets);
        break;
    default:
        rc = run_default(&cli, &presets, &knowledge);
        break;
    }
    sd_knowledge_free(&knowledge);
    sd_preset_db_free(&presets);
    sd_cli_free(&cli);
    sd_tls_trust_store_release();
    return rc;
}
