/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/text.h"
#include "cli/output.h"

static void json_check(sd_json *j, const sd_check *c)
{
    sd_json_object_begin(j);
    sd_json_kv_string(j, "layer", c->layer);
    sd_json_kv_string(j, "target", c->target);
    sd_json_kv_string(j, "status", sd_check_status_name(c->status));
    sd_json_kv_string(j, "code", sd_finding_code(c->code));
    char *message = sd_xasprintf("%s%s", c->message ? c->message : "", sd_check_note(c));
    sd_json_kv_string(j, "message", message);
    free(message);
    if (c->reply)
        sd_json_kv_string(j, "reply", c->reply);
    sd_json_kv_string(j, "remedy", c->remedy);
    if (c->suggested_host)
        sd_json_kv_string(j, "suggested_host", c->suggested_host);
    sd_json_kv_int(j, "ms", c->elapsed_ms);
    sd_json_object_end(j);
}

static const char *diagnosis_status(sd_check_status s)
{
    return s == SD_CHECK_FAIL ? "fail" : s == SD_CHECK_WARN ? "warn" : "ok";
}

static void json_diagnosis(sd_json *j, const sd_diag_result *r)
{
    sd_json_key(j, "diagnosis");
    sd_json_object_begin(j);
    sd_json_kv_string(j, "status", diagnosis_status(r->status));
    sd_json_kv_string(j, "code", sd_finding_code(r->code));
    sd_json_kv_string(j, "summary", r->summary);
    sd_json_kv_string(j, "remedy", r->remedy);
    if (r->suggested_host)
        sd_json_kv_string(j, "suggested_host", r->suggested_host);
    if (r->server_reply)
        sd_json_kv_string(j, "server_reply", r->server_reply);
    if (r->has_working) {
        sd_json_key(j, "working_settings");
        sd_json_object_begin(j);
        sd_json_kv_string(j, "host", r->working.host);
        sd_json_kv_int(j, "port", r->working.port);
        sd_json_kv_string(j, "security", sd_security_name(r->working.security));
        sd_json_object_end(j);
    }
    sd_json_object_end(j);
}

static void json_certificates(sd_json *j, const sd_tls_info *t)
{
    sd_json_key(j, "certificates");
    sd_json_array_begin(j);
    for (int i = 0; i < t->chain_len; i++) {
        const sd_cert_summary *c = &t->chain[i];
        sd_json_object_begin(j);
        sd_json_kv_string(j, "subject", c->subject);
        sd_json_kv_string(j, "issuer", c->issuer);
        sd_json_kv_string(j, "not_before", c->not_before);
        sd_json_kv_string(j, "not_after", c->not_after);
        sd_json_key(j, "names");
        sd_json_string_list(j, &c->names);
        sd_json_object_end(j);
    }
    sd_json_array_end(j);
}

void sd_print_diagnosis_json(const sd_cli *cli, const sd_diag_result *r, const sd_server *tested,
                             const sd_discovery *d)
{
    sd_json j = {0};
    const char *address = cli->has_address ? cli->address.address : NULL;
    sd_json_object_begin(&j);
    sd_json_kv_string(&j, "address", address);
    sd_json_key(&j, "settings");
    sd_json_server(&j, tested, address);
    sd_json_key(&j, "candidates");
    sd_json_array_begin(&j);
    if (d) {
        size_t smtp = sd_discovery_smtp_count(d);
        for (size_t i = 0; i < smtp; i++)
            sd_json_server(&j, &d->servers.items[i], address);
    } else {
        sd_json_server(&j, tested, address);
    }
    for (size_t i = 0; i < r->tried.len; i++) {
        bool listed = false;
        for (size_t k = 0; d && k < sd_discovery_smtp_count(d); k++)
            listed |= sd_str_ieq(d->servers.items[k].host, r->tried.items[i].host) &&
                      d->servers.items[k].port == r->tried.items[i].port;
        if (!listed)
            sd_json_server(&j, &r->tried.items[i], address);
    }
    sd_json_array_end(&j);
    sd_json_key(&j, "checks");
    sd_json_array_begin(&j);
    for (size_t i = 0; i < r->checks.len; i++)
        json_check(&j, &r->checks.items[i]);
    sd_json_array_end(&j);
    json_diagnosis(&j, r);
    if (d) {
        sd_json_key(&j, "hints");
        sd_json_string_list(&j, &d->hints);
        sd_json_provider(&j, d);
    }
    if (r->auth_mechanism)
        sd_json_kv_string(&j, "auth_mechanism", r->auth_mechanism);
    if (r->queue_id)
        sd_json_kv_string(&j, "queue_id", r->queue_id);
    if (cli->verbose) {
        sd_json_key(&j, "transcript");
        sd_json_string_list(&j, &r->transcript);
        json_certificates(&j, &r->tls);
    }
    sd_json_kv_int(&j, "elapsed_ms", r->elapsed_ms);
    sd_json_object_end(&j);
    printf("%s\n", j.out.data);
    sd_buf_free(&j.out);
}

/* The mark of a check's status, in words; the layer names and codes stay. */
static const char *mark_word(sd_check_status s)
{
    /* TRANSLATORS: the marks of the checks (passed, warning, failed,
     * skipped): short, at most 6 columns. */
    return s == SD_CHECK_PASS ? _("PASS") : s == SD_CHECK_WARN ? _("WARN") : s == SD_CHECK_FAIL ? _("FAIL") : _("SKIP");
}

static void print_mark(const sd_style *st, sd_check_status s, size_t width)
{
    const char *color = s == SD_CHECK_PASS ? st->green : s == SD_CHECK_WARN ? st->yellow
                      : s == SD_CHECK_FAIL ? st->red : st->dim;
    printf("%s", color);
    sd_text_pad(stdout, mark_word(s), width);
    printf("%s", st->reset);
}

/* Why the login was not checked, when it was not and the verdict does not
 * already say so; NULL when it was checked (or failed: then that is said). */
static const char *login_not_checked(const sd_diag_result *r)
{
    for (size_t i = 0; i < r->checks.len; i++) {
        const sd_check *c = &r->checks.items[i];
        if (c->code == r->code)
            continue;
        if (c->code == SD_F_AUTH_SKIPPED)
            return _("The login was not checked: no password was given.");
        if (c->code == SD_F_AUTH_WITHHELD)
            return _("The login was not checked: your password was not sent, because the connection could not be trusted.");
    }
    return NULL;
}

/* The first lines a person reads: the verdict (with whether the login was
 * checked), what to change, and the server's reply the verdict rests on,
 * quoted once. -q prints only the verdict line. */
static void print_verdict(const sd_cli *cli, const sd_style *st, const sd_diag_result *r)
{
    const char *color = r->status == SD_CHECK_FAIL ? st->red : r->status == SD_CHECK_WARN ? st->yellow : st->green;
    const char *login = login_not_checked(r);
    printf("%s%s%s%s%s%s\n", st->bold, color, r->summary, login ? " " : "", login ? login : "", st->reset);
    if (cli->quiet)
        return;
    if (r->queue_id)
        printf(_("The test message was accepted; the server named it %s.\n"), r->queue_id);
    if (r->remedy)
        printf("%s%s%s %s\n", st->bold, _("What to change:"), st->reset, r->remedy);
    if (r->server_reply)
        printf(_("Server said: \"%s\"\n"), r->server_reply);
}

/* The layer checks, as the evidence: plain words, the technical details
 * (cipher, certificate issuer, EHLO keywords) and finding codes with -v. */
static void print_checks(const sd_cli *cli, const sd_style *st, const sd_diag_result *r)
{
    printf("%s", st->bold);
    printf(r->port_inferred || r->security_inferred ? _("Checked %s port %d with %s (what the settings left out is inferred):")
                                                    : _("Checked %s port %d with %s:"),
           r->host, r->port, sd_security_words(r->security));
    printf("%s\n", st->reset);
    size_t mark_width = 0;
    for (size_t i = 0; i < r->checks.len; i++) {
        size_t w = sd_text_columns(mark_word(r->checks.items[i].status));
        mark_width = w > mark_width ? w : mark_width;
    }
    for (size_t i = 0; i < r->checks.len; i++) {
        const sd_check *c = &r->checks.items[i];
        const char *message = !cli->verbose && c->brief ? c->brief : c->message;
        printf("  ");
        print_mark(st, c->status, mark_width);
        printf(" %-4s  %s%s\n", c->layer, message, sd_check_note(c));
        if (cli->verbose && c->status != SD_CHECK_PASS)
            printf("             %s(%s)%s\n", st->dim, sd_finding_code(c->code), st->reset);
    }
}

/* The labels of a certificate line up in display columns. */
static void cert_label(const char *label)
{
    static const char *const labels[] = {N_("subject"), N_("issuer"), N_("valid"), N_("names")};
    size_t widest = 0;
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        size_t w = sd_text_columns(_(labels[i]));
        widest = w > widest ? w : widest;
    }
    sd_text_pad(stdout, label, widest + 1);
}

static void print_details(const sd_diag_result *r)
{
    if (r->tls.chain_len) {
        fputs(_("\nCertificate chain as the server sent it:\n"), stdout);
        for (int i = 0; i < r->tls.chain_len; i++) {
            const sd_cert_summary *c = &r->tls.chain[i];
            printf("  %d ", i);
            cert_label(_("subject"));
            printf("%s\n    ", c->subject);
            cert_label(_("issuer"));
            printf("%s\n    ", c->issuer);
            cert_label(_("valid"));
            printf(_("%s to %s"), c->not_before, c->not_after);
            printf("\n");
            if (c->names.len) {
                printf("    ");
                cert_label(_("names"));
                for (size_t k = 0; k < c->names.len && k < 10; k++)
                    printf(" %s", c->names.items[k]);
                printf("%s\n", c->names.len > 10 ? " ..." : "");
            }
        }
    }
    if (r->transcript.len) {
        fputs(_("\nSMTP dialogue:\n"), stdout);
        for (size_t i = 0; i < r->transcript.len; i++)
            printf("  %s\n", r->transcript.items[i]);
    }
    printf(_("\n%lld ms in all\n"), (long long)r->elapsed_ms);
}

void sd_print_diagnosis_text(const sd_cli *cli, const sd_diag_result *r, const sd_discovery *d)
{
    sd_style st = sd_style_for(stdout);
    print_verdict(cli, &st, r);
    if (cli->quiet)
        return;
    printf("\n");
    if (d)
        sd_print_discovery_brief(cli, d);   /* ends with a blank line */
    print_checks(cli, &st, r);
    if (cli->verbose) {
        printf("\n%s%s%s %s (%s)\n", st.bold, _("Diagnosis:"), st.reset, diagnosis_status(r->status),
               sd_finding_code(r->code));
        print_details(r);
    }
}
