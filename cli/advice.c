/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "cli/advice.h"

#include <stdlib.h>
#include <string.h>

#include "discover/vouch.h"

static const char *password_kind_of(const sd_preset *p)
{
    return p && p->password_kind ? p->password_kind : "normal";
}

/* The settings as they are, with the username the form needs. */
static void take_settings(sd_advice *a, const sd_server *s, const char *username)
{
    sd_server_copy(&a->settings, s);
    if (!a->settings.username && username)
        a->settings.username = sd_xstrdup(username);
    a->has_settings = true;
}

void sd_advice_from_discovery(const sd_discovery *d, sd_advice *out)
{
    memset(out, 0, sizeof *out);
    out->hints = &d->hints;
    out->password_kind = password_kind_of(d->provider);
    if (sd_discovery_smtp_count(d) == 0) {
        out->state = SD_ADVICE_FAILED;
        out->next_step = sd_xstrdup(_("Ask your email provider for its SMTP server, port and encryption, "
                                    "then check them with smtpdoctor diag --host SERVER."));
        return;
    }
    const sd_server *best = &d->servers.items[0];
    take_settings(out, best, NULL);
    if (best->probe_failed || best->cert_failed) {
        out->state = SD_ADVICE_FAILED;
        out->failure = sd_xstrdup(best->probe_note ? best->probe_note : _("it did not answer"));
        out->next_step = sd_xstrdup(_("Run smtpdoctor with the address alone: it diagnoses the failure "
                                    "and says what to change."));
    } else {
        out->state = best->verified ? SD_ADVICE_WORKS : SD_ADVICE_UNCHECKED;
    }
}

/* ---- from a diagnosis ---------------------------------------------------- */

static bool has_check(const sd_diag_result *r, sd_finding code, sd_check_status status)
{
    for (size_t i = 0; i < r->checks.len; i++)
        if (r->checks.items[i].code == code && r->checks.items[i].status == status)
            return true;
    return false;
}

/* A certificate that a company's own server may well have (expired,
 * self-signed, from its own CA), as opposed to one for another name or one
 * that shows interception. */
static bool own_server_certificate_fault(sd_finding f)
{
    return f == SD_F_CERT_EXPIRED || f == SD_F_CERT_NOT_YET_VALID || f == SD_F_CERT_SELF_SIGNED ||
           f == SD_F_CERT_UNTRUSTED || f == SD_F_CERT_CHAIN_INCOMPLETE;
}

/* The first certificate fault among the checks, failed or (with
 * --insecure) turned into a warning; SD_F_NONE when the certificate is
 * fine. Settings with such a fault work only with the box checked. */
static sd_finding certificate_fault(const sd_diag_result *r)
{
    for (size_t i = 0; i < r->checks.len; i++) {
        const sd_check *c = &r->checks.items[i];
        bool fault = own_server_certificate_fault(c->code) || c->code == SD_F_CERT_HOSTNAME_MISMATCH ||
                     c->code == SD_F_CERT_INTERCEPTED;
        if (fault && (c->status == SD_CHECK_FAIL || c->status == SD_CHECK_WARN))
            return c->code;
    }
    return SD_F_NONE;
}

/* The "Do not verify TLS certificate" box only for a server inside the
 * address's own registrable domain: never a preset's or the ISPDB's host,
 * never where interception was seen. */
static bool may_skip_verify(const sd_cli *cli, const sd_preset_db *presets, const sd_diag_result *r,
                            const sd_server *tested)
{
    if (!cli->has_address || !sd_host_in_registrable_domain(r->host, cli->address.domain))
        return false;
    if (presets && sd_preset_find_server_host(presets, r->host))
        return false;
    if (tested->ispdb_named || (tested->sources & SD_SRC_ISPDB) || tested->vouch == SD_VOUCH_PRESET ||
        tested->vouch == SD_VOUCH_ISPDB)
        return false;
    return own_server_certificate_fault(certificate_fault(r));
}

/* Settings to change to, when the diagnosis found some: the mode the port
 * turned out to speak, a working alternative, or the name the certificate
 * is for (already vouched for), in the order the remedies name them. */
static bool changed_settings(const sd_diag_result *r, const sd_server *tested, sd_advice *a)
{
    /* the remedy's first choice: one field, the encryption */
    bool wrong_mode = r->code == SD_F_TLS_IMPLICIT_EXPECTED || r->code == SD_F_TLS_STARTTLS_EXPECTED;
    if (wrong_mode && r->detected != SD_SEC_UNKNOWN && r->detected != SD_SEC_PLAIN && r->detected != r->security) {
        take_settings(a, tested, NULL);
        a->settings.security = r->detected;
        return true;
    }
    if (r->has_working) {
        take_settings(a, &r->working, tested->username);
        if (!a->settings.auth)
            a->settings.auth = tested->auth;
        return true;
    }
    if (r->suggested_host) {
        take_settings(a, tested, NULL);
        free(a->settings.host);
        a->settings.host = sd_xstrdup(r->suggested_host);
        return true;
    }
    return false;
}

void sd_advice_from_diagnosis(const sd_cli *cli, const sd_preset_db *presets, const sd_diag_result *r,
                              const sd_server *tested, const sd_discovery *d, bool typed, sd_advice *out)
{
    memset(out, 0, sizeof *out);
    const sd_preset *p = d && d->provider ? d->provider
                       : presets ? sd_preset_find_server_host(presets, r->host) : NULL;
    out->password_kind = password_kind_of(p);
    out->hints = d ? &d->hints : p ? &p->hints : NULL;
    out->login_checked = has_check(r, SD_F_AUTH_OK, SD_CHECK_PASS);
    out->message_accepted = has_check(r, SD_F_SEND_OK, SD_CHECK_PASS);
    sd_server_copy(&out->have, tested);
    out->has_have = true;
    out->have_typed = typed;
    bool cert_fault = certificate_fault(r) != SD_F_NONE;
    bool skip_ok = may_skip_verify(cli, presets, r, tested);
    if (r->status != SD_CHECK_FAIL && !(cert_fault && !skip_ok)) {
        out->state = SD_ADVICE_WORKS;
        take_settings(out, tested, NULL);
        out->skip_verify = cert_fault;      /* --insecure was given, and the box may stay checked */
        if (cert_fault)
            out->next_step = sd_xstrdup(r->remedy ? r->remedy : r->summary);
        return;
    }
    out->failure = sd_xstrdup(r->summary);
    out->next_step = sd_xstrdup(r->remedy ? r->remedy : r->summary);
    if (changed_settings(r, tested, out)) {
        out->state = SD_ADVICE_CHANGE;
        return;
    }
    out->state = SD_ADVICE_NEXT_STEP;
    if (skip_ok) {
        out->skip_verify = true;
        take_settings(out, tested, NULL);
    } else if (r->reached_smtp && !cert_fault) {
        take_settings(out, tested, NULL);      /* the server is right; the login or the message is not */
    }
}

void sd_advice_clear(sd_advice *a)
{
    sd_server_clear(&a->settings);
    sd_server_clear(&a->have);
    free(a->next_step);
    free(a->failure);
    memset(a, 0, sizeof *a);
}

int sd_advice_exit_status(const sd_advice *a)
{
    return a->state == SD_ADVICE_WORKS || a->state == SD_ADVICE_UNCHECKED ? SD_EXIT_OK : SD_EXIT_FAIL;
}
