/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/export.h"
#include "cli/output.h"
#include "common/i18n.h"
#include "common/text.h"
#include "presets/snapshot.h"

sd_style sd_style_for(FILE *f)
{
    sd_style s = {false, "", "", "", "", "", ""};
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (isatty(fileno(f)) && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0)) {
        s.color = true;
        s.bold = "\033[1m";
        s.dim = "\033[2m";
        s.green = "\033[32m";
        s.yellow = "\033[33m";
        s.red = "\033[31m";
        s.reset = "\033[0m";
    }
    return s;
}

static void json_auth(sd_json *j, unsigned auth)
{
    sd_json_array_begin(j);
    for (int i = 0; i < SD_AUTH_COUNT; i++)
        if (auth & (1u << i))
            sd_json_string(j, sd_auth_name(1u << i));
    sd_json_array_end(j);
}

void sd_json_server(sd_json *j, const sd_server *s, const char *address)
{
    sd_json_object_begin(j);
    if (s->protocol != SD_PROTO_SMTP)
        sd_json_kv_string(j, "protocol", sd_protocol_name(s->protocol));
    sd_json_kv_string(j, "host", s->host);
    sd_json_kv_int(j, "port", s->port);
    sd_json_kv_string(j, "security", sd_security_name(s->security));
    sd_json_kv_string(j, "username", s->username ? s->username : address);
    sd_json_key(j, "auth");
    json_auth(j, s->auth);
    sd_json_kv_string(j, "source", sd_source_name(sd_source_primary(s->sources)));
    sd_json_key(j, "sources");
    sd_json_array_begin(j);
    for (int i = 0; i < SD_SRC_COUNT; i++)
        if (s->sources & SD_SRC_BIT(i))
            sd_json_string(j, sd_source_name(SD_SRC_BIT(i)));
    sd_json_array_end(j);
    sd_json_kv_bool(j, "trusted", s->trusted);
    /* who vouches for the host under the credential policy; null: nobody,
     * so a password goes there only with --trust-discovered or a yes */
    sd_json_kv_string(j, "vouched_by", sd_vouch_name(s->vouch));
    sd_json_kv_bool(j, "verified", s->verified);
    if (s->provider_id)
        sd_json_kv_string(j, "provider", s->provider_id);
    /* the date of the built-in ISPDB copy that named it, so that a reader
     * knows the answer is that old and not the live database's */
    if (s->from_snapshot)
        sd_json_kv_string(j, "ispdb_snapshot", sd_ispdb_snapshot_date());
    if (s->probe_note)
        sd_json_kv_string(j, "note", s->probe_note);
    sd_json_object_end(j);
}

void sd_json_provider(sd_json *j, const sd_discovery *d)
{
    sd_json_key(j, "provider");
    if (!d->provider) {
        sd_json_null(j);
        return;
    }
    sd_json_object_begin(j);
    sd_json_kv_string(j, "id", d->provider->id);
    sd_json_kv_string(j, "name", d->provider->name);
    sd_json_kv_string(j, "status", sd_preset_status_name(d->provider->status));
    sd_json_kv_bool(j, "via_mx", d->provider_via_mx);
    sd_json_kv_string(j, "help", d->provider->help_url);
    sd_json_object_end(j);
}

static void json_discovery_diagnosis(sd_json *j, const sd_address *addr, const sd_discovery *d, size_t smtp)
{
    sd_json_key(j, "diagnosis");
    sd_json_object_begin(j);
    if (smtp == 0) {
        sd_json_kv_string(j, "status", "fail");
        sd_json_kv_string(j, "code", sd_finding_code(SD_F_DISCOVER_NONE));
        char *summary = d->provider && d->provider->status == SD_PRESET_BROKEN && d->provider->hints.len
            ? sd_xstrdup(d->provider->hints.items[0])
            : sd_xasprintf(_("No source named an SMTP server for %s and no guessed server answered."),
                           addr->domain);
        sd_json_kv_string(j, "summary", summary);
        free(summary);
        sd_json_kv_string(j, "remedy", _("Ask your email provider for its SMTP server, port and encryption, "
                                         "then check them with smtpdoctor diag --host SERVER."));
    } else {
        const sd_server *best = &d->servers.items[0];
        /* a best candidate whose check failed is a failure found (exit 1) */
        sd_json_kv_string(j, "status", best->probe_failed || best->cert_failed ? "fail" : "ok");
        sd_json_kv_string(j, "code", sd_finding_code(SD_F_DISCOVER_OK));
        bool failed = best->probe_failed || best->cert_failed;
        char *summary = failed
            ? sd_xasprintf(_("%s port %d with %s (from %s) failed its check: %s."), best->host, best->port,
                           sd_security_label(best->security), sd_source_label(sd_source_primary(best->sources)),
                           best->probe_note ? best->probe_note : _("it did not answer"))
            : sd_xasprintf(_("Use %s port %d with %s (from %s)."), best->host, best->port,
                           sd_security_label(best->security),
                           sd_source_label(sd_source_primary(best->sources)));
        sd_json_kv_string(j, "summary", summary);
        free(summary);
        sd_json_kv_string(j, "remedy", d->hints.len ? d->hints.items[0] : NULL);
    }
    sd_json_object_end(j);
}

char *sd_discovery_json(const sd_address *addr, const sd_discovery *d, bool compact)
{
    sd_json j = {0};
    j.compact = compact;
    size_t smtp = sd_discovery_smtp_count(d);
    sd_json_object_begin(&j);
    sd_json_kv_string(&j, "address", addr->address);
    sd_json_key(&j, "settings");
    if (smtp)
        sd_json_server(&j, &d->servers.items[0], addr->address);
    else
        sd_json_null(&j);
    sd_json_key(&j, "candidates");
    sd_json_array_begin(&j);
    for (size_t i = 0; i < smtp; i++)
        sd_json_server(&j, &d->servers.items[i], addr->address);
    sd_json_array_end(&j);
    sd_json_key(&j, "incoming");
    sd_json_array_begin(&j);
    for (size_t i = smtp; i < d->servers.len; i++)
        sd_json_server(&j, &d->servers.items[i], addr->address);
    sd_json_array_end(&j);
    sd_json_key(&j, "checks");
    sd_json_array_begin(&j);
    sd_json_array_end(&j);
    json_discovery_diagnosis(&j, addr, d, smtp);
    sd_json_provider(&j, d);
    sd_json_key(&j, "hints");
    sd_json_string_list(&j, &d->hints);
    sd_json_kv_string(&j, "mx", d->mx_host);
    sd_json_key(&j, "sources");
    sd_json_array_begin(&j);
    for (size_t i = 0; i < d->report_count; i++) {
        const sd_source_report *r = &d->reports[i];
        sd_json_object_begin(&j);
        sd_json_kv_string(&j, "source", sd_source_name(r->source));
        sd_json_kv_string(&j, "query", r->what);
        sd_json_kv_bool(&j, "found", r->found);
        sd_json_kv_string(&j, "result", r->result);
        sd_json_kv_int(&j, "ms", r->elapsed_ms);
        sd_json_object_end(&j);
    }
    sd_json_array_end(&j);
    sd_json_key(&j, "notes");
    sd_json_string_list(&j, &d->notes);
    sd_json_kv_int(&j, "elapsed_ms", d->elapsed_ms);
    sd_json_object_end(&j);
    return sd_buf_take(&j.out);
}

/* A password user reads the password mechanisms first; a token's
 * (XOAUTH2, OAUTHBEARER) and the rest follow. JSON keeps the table's order. */
static const unsigned password_mechanisms[] = {
    SD_AUTH_PLAIN, SD_AUTH_LOGIN, SD_AUTH_CRAM_MD5, SD_AUTH_SCRAM_SHA_256, SD_AUTH_SCRAM_SHA_1,
};
enum { PASSWORD_MECHANISM_COUNT = sizeof password_mechanisms / sizeof *password_mechanisms };

static void text_auth(unsigned auth)
{
    if (!auth) {
        fputs(_("unknown"), stdout);
        return;
    }
    const char *sep = "";
    unsigned listed = 0;
    for (int i = 0; i < PASSWORD_MECHANISM_COUNT; i++)
        if (auth & password_mechanisms[i]) {
            printf("%s%s", sep, sd_auth_name(password_mechanisms[i]));
            listed |= password_mechanisms[i];
            sep = ", ";
        }
    for (int i = 0; i < SD_AUTH_COUNT; i++)
        if (auth & ~listed & (1u << i)) {
            printf("%s%s", sep, sd_auth_name(1u << i));
            sep = ", ";
        }
}

static const char *state_word(const sd_style *st, const sd_server *s, char *buf, size_t n)
{
    if (s->verified)
        snprintf(buf, n, "%s%s%s", st->green, _("answers"), st->reset);
    else if (s->probe_failed)
        snprintf(buf, n, "%s%s%s", st->red, _("does not answer"), st->reset);
    else
        snprintf(buf, n, "%s", _("not checked"));
    return buf;
}

/* Settings that only the built-in knowledge gave, and that no probe could
 * confirm (no DNS, no network, or --no-probe): said in plain words, with
 * the date of that knowledge where it has one. */
static void text_offline(const sd_style *st, const sd_cli *cli, const sd_discovery *d)
{
    const sd_server *b = &d->servers.items[0];
    bool built_in = b->from_snapshot || (b->provider_id && (b->sources & (SD_SRC_PRESET | SD_SRC_MX)));
    if (b->verified || !built_in || !(b->unresolved || !cli->probe))
        return;
    char *said;
    if (b->from_snapshot)
        said = sd_xasprintf(cli->probe ? _("These settings come from the built-in knowledge (the Thunderbird ISPDB as "
                                           "of %s) and could not be checked from here.")
                                       : _("These settings come from the built-in knowledge (the Thunderbird ISPDB as "
                                           "of %s) and were not checked (--no-probe)."),
                            sd_ispdb_snapshot_date());
    else
        said = sd_xasprintf(cli->probe ? _("These settings come from the built-in knowledge (the preset for %s) and "
                                           "could not be checked from here.")
                                       : _("These settings come from the built-in knowledge (the preset for %s) and "
                                           "were not checked (--no-probe)."),
                            d->provider ? d->provider->name : b->provider_id);
    printf("\n  %s", st->yellow);
    sd_text_wrap(stdout, said, 2, 2, 79);
    printf("%s", st->reset);
    free(said);
}

/* A value written left to right (a host name, a port) kept whole in a
 * right-to-left language's line (common/i18n.h). */
static void print_ltr(const char *value)
{
    printf("%s%s%s", sd_i18n_ltr_open(), value, sd_i18n_ltr_close());
}

/* The address as the user typed it, its ASCII form only with -v: a new
 * string, isolated in a right-to-left language's text. */
static char *address_text(const sd_cli *cli)
{
    char *shown = sd_address_for_people(&cli->address);
    char *both = cli->verbose && strcmp(shown, cli->address.address) != 0
        ? sd_xasprintf("%s (%s)", shown, cli->address.address) : sd_xstrdup(shown);
    free(shown);
    char *text = sd_xasprintf("%s%s%s", sd_i18n_ltr_open(), both, sd_i18n_ltr_close());
    free(both);
    return text;
}

/* The fields of the suggested settings, in the order a mail program's SMTP
 * form shows them; the labels line up in display columns in every language. */
enum { FIELD_SERVER, FIELD_PORT, FIELD_ENCRYPTION, FIELD_USERNAME, FIELD_AUTH, FIELD_FOUND, FIELD_CHECK,
       FIELD_COUNT };
static const char *const field_labels[FIELD_COUNT] = {
    /* TRANSLATORS: the labels of the suggested settings; use the words of
     * the SMTP (outgoing server) settings of mail programs in your language
     * ("Auth" is the authentication method). */
    N_("SMTP server"), N_("Port"), N_("Encryption"), N_("Username"), N_("Auth"), N_("Found by"),
    N_("Check"),
};

static size_t field_width(void)
{
    size_t widest = 0;
    for (int i = 0; i < FIELD_COUNT; i++) {
        size_t w = sd_text_columns(_(field_labels[i]));
        widest = w > widest ? w : widest;
    }
    return widest + 3;
}

static void field(int which)
{
    printf("  ");
    sd_text_pad(stdout, _(field_labels[which]), field_width());
}

static void text_best(const sd_style *st, const sd_cli *cli, const sd_server *b)
{
    char state[64];
    char *address = address_text(cli);
    printf("%s", st->bold);
    printf(_("Suggested SMTP settings for %s"), address);
    printf("%s\n\n", st->reset);
    free(address);
    field(FIELD_SERVER);
    printf("%s", st->bold);
    print_ltr(b->host);
    printf("%s\n", st->reset);
    field(FIELD_PORT);
    printf("%d\n", b->port);
    field(FIELD_ENCRYPTION);
    printf("%s\n", sd_security_label(b->security));
    field(FIELD_USERNAME);
    print_ltr(b->username ? b->username : cli->address.address);
    printf("\n");
    field(FIELD_AUTH);
    text_auth(b->auth);
    printf("\n");
    field(FIELD_FOUND);
    const char *source = sd_source_label(sd_source_primary(b->sources));
    char *found = b->from_snapshot ? sd_xasprintf(_("%s, the built-in copy of %s"), source, sd_ispdb_snapshot_date())
                                   : sd_xstrdup(source);
    if (!b->trusted) {
        char *warned = sd_xasprintf(_("%s (nothing proves it comes from your provider: check it before you trust "
                                      "it with a password)"), found);
        free(found);
        found = warned;
    }
    printf("%s\n", found);
    free(found);
    field(FIELD_CHECK);
    char *check = b->probe_note ? sd_xasprintf("%s: %s", state_word(st, b, state, sizeof state), b->probe_note)
                                : sd_xstrdup(state_word(st, b, state, sizeof state));
    printf("%s\n", check);
    free(check);
}

/* What the provider's status means for the user; the status's own name
 * ("preparation") only with -v, as in JSON. The hints follow. */
static void text_provider(const sd_style *st, const sd_cli *cli, const sd_discovery *d)
{
    const sd_preset *p = d->provider;
    printf("\n%s", st->bold);
    sd_text_pad(stdout, _("Provider"), field_width());
    printf("%s%s", st->reset, p->name);
    if (d->provider_via_mx)
        fputs(_(", recognised by its MX"), stdout);
    if (cli->verbose)
        printf(_(" (status: %s)"), sd_preset_status_name(p->status));
    printf("\n");
    if (p->status == SD_PRESET_PREPARATION)
        printf(_("\n%s%s: a setting must be changed on the %s web site first:%s\n"), st->yellow, p->name, p->name,
               st->reset);   /* the style codes (%s first and last) stay where they are */
    else if (p->status == SD_PRESET_BROKEN)
        printf(_("\n%s%s does not work with ordinary mail programs:%s\n"), st->yellow, p->name, st->reset);
}

static void text_discovery(const sd_cli *cli, const sd_discovery *d)
{
    sd_style st = sd_style_for(stdout);
    size_t smtp = sd_discovery_smtp_count(d);
    if (smtp == 0) {
        char *address = address_text(cli);
        printf("%s", st.red);
        printf(_("No SMTP settings found for %s"), address);
        printf("%s\n", st.reset);
        if (d->provider && d->provider->status == SD_PRESET_BROKEN) {
            printf(_("  %s does not work with ordinary mail programs.\n"), d->provider->name);
        } else {
            printf("  ");
            printf("%s\n", _("No source named an SMTP server and no guessed server answered. Ask your "
                                   "provider for the SMTP server, port and encryption, then run:"));
            printf("  smtpdoctor diag --host SERVER %s\n", address);
        }
        free(address);
    } else {
        text_best(&st, cli, &d->servers.items[0]);
        text_offline(&st, cli, d);
    }
    if (cli->quiet)
        return;
    if (d->provider)
        text_provider(&st, cli, d);
    if (d->hints.len) {
        if (!d->provider || d->provider->status == SD_PRESET_OK)
            printf(_("\n%sBefore you log in:%s\n"), st.yellow, st.reset);
        for (size_t i = 0; i < d->hints.len; i++) {
            printf("  - ");
            printf("%s\n", d->hints.items[i]);
        }
    }
    if (d->provider && d->provider->help_url)
        printf(_("  More: %s\n"), d->provider->help_url);
    if (smtp > 1) {
        fputs(_("\nOther candidates, best first:\n"), stdout);
        for (size_t i = 1; i < smtp; i++) {
            const sd_server *s = &d->servers.items[i];
            char state[64];
            /* the source in words; its name (srv, guess) only with -v */
            unsigned src = sd_source_primary(s->sources);
            char *target = sd_xasprintf("%s:%d", s->host, s->port);
            printf("  ");
            print_ltr(target);
            free(target);
            printf("  ");
            sd_text_pad(stdout, sd_security_label(s->security), 8);
            printf("  ");
            printf(_("%s, from %s"), state_word(&st, s, state, sizeof state), sd_source_label(src));
            if (cli->verbose)
                printf(" (%s)", sd_source_name(src));
            printf("%s%s\n", s->probe_note ? ": " : "", s->probe_note ? s->probe_note : "");
        }
    }
    if (cli->show_incoming && d->servers.len > smtp) {
        fputs(_("\nIncoming servers:\n"), stdout);
        for (size_t i = smtp; i < d->servers.len; i++) {
            const sd_server *s = &d->servers.items[i];
            char *target = sd_xasprintf("%s:%d", s->host, s->port);
            printf("  %-4s  ", s->protocol == SD_PROTO_IMAP ? "IMAP" : "POP3");
            print_ltr(target);
            free(target);
            printf("  ");
            printf(_("%s, from %s"), sd_security_label(s->security), sd_source_label(sd_source_primary(s->sources)));
            printf("\n");
        }
    }
    if (cli->verbose) {
        printf(_("\nSources (%lld ms in all):\n"), (long long)d->elapsed_ms);
        for (size_t i = 0; i < d->report_count; i++) {
            const sd_source_report *r = &d->reports[i];
            printf("  %s%-12s%s %s: %s (%lld ms)\n", r->found ? st.green : st.dim, sd_source_name(r->source),
                   st.reset, r->what, r->result, (long long)r->elapsed_ms);
        }
        for (size_t i = 0; i < d->notes.len; i++)
            printf(_("  note: %s\n"), d->notes.items[i]);
    }
}

int sd_print_discovery(const sd_cli *cli, const sd_discovery *d)
{
    sd_advice advice;
    sd_advice_from_discovery(d, &advice);
    if (cli->json || sd_export_format_is_json(cli->format)) {
        char *doc = sd_discovery_json(&cli->address, d, false);
        printf("%s\n", doc);
        free(doc);
    } else if (cli->format) {
        sd_export(stdout, cli->format, cli, d, &advice);
    } else {
        text_discovery(cli, d);
    }
    int rc = sd_advice_exit_status(&advice);
    sd_advice_clear(&advice);
    return rc;
}

void sd_print_discovery_brief(const sd_cli *cli, const sd_discovery *d)
{
    sd_style st = sd_style_for(stdout);
    const sd_server *b = &d->servers.items[0];
    char *shown = sd_address_for_people(&cli->address);
    if (cli->verbose && strcmp(shown, cli->address.address) != 0) {
        char *both = sd_xasprintf("%s (%s)", shown, cli->address.address);
        free(shown);
        shown = both;
    }
    char *line = sd_xasprintf(_("Settings for %s: %s port %d with %s, username %s (from %s)"), shown, b->host, b->port,
                              sd_security_label(b->security), b->username ? b->username : cli->address.address,
                              sd_source_label(sd_source_primary(b->sources)));
    free(shown);
    printf("%s", st.bold);
    printf("%s\n", line);
    printf("%s", st.reset);
    free(line);
    if (!cli->quiet)
        for (size_t i = 0; i < d->hints.len; i++)
        {
            printf("  %s%s%s ", st.yellow, _("hint:"), st.reset);
            printf("%s\n", d->hints.items[i]);
        }
    printf("\n");
}
