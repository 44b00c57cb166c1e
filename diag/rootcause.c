/* SPDX-License-Identifier: MIT */
/* The root cause: the first failing check in layer order (else the first
 * warning), with its summary and remedy rendered from the knowledge data for
 * the person at the SMTP form. Every failing or warning check gets its own
 * remedy the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "diag/diag.h"

static char *alternative_text(const sd_diag_result *r)
{
    if (!r->has_working)
        return NULL;
    const sd_server *w = &r->working;
    if (sd_str_ieq(w->host, r->host))
        return sd_xasprintf(_("port %d with %s"), w->port, sd_security_words(w->security));
    return sd_xasprintf(_("%s port %d with %s"), w->host, w->port, sd_security_words(w->security));
}

/* What the port turned out to do, for tls.starttls_expected. */
static const char *detected_label(const sd_diag_result *r)
{
    return r->detected == SD_SEC_PLAIN ? _("no encryption") : "STARTTLS";
}

static char *render(const char *tpl, const sd_diag_request *req, const sd_diag_result *r, const sd_check *c,
                    const char *alternative)
{
    (void)req;
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    const sd_interceptor *x = c ? c->interceptor : NULL;
    sd_template_var vars[] = {
        {"host", r->host},
        {"port", port},
        {"security", sd_security_words(r->security)},
        {"detected", detected_label(r)},
        {"suggested_host", c ? c->suggested_host : NULL},
        {"alternative", alternative},
        {"detail", c ? c->message : NULL},
        {"product", x ? x->product : NULL},
        {"product_remedy", x ? x->remedy : NULL},
        {NULL, NULL},
    };
    return sd_template_render(tpl, vars);
}

/* The remedy variant for the situation: a working alternative first (it is
 * always encrypted), then never "switch to no encryption" where the port
 * turned out to offer none, then with or without a suggested host name. */
static const char *pick_remedy(const sd_finding_rule *rule, const sd_check *c, bool has_alternative,
                               bool unencrypted)
{
    if (!rule)
        return NULL;
    if (has_alternative && rule->remedy_with_alternative)
        return rule->remedy_with_alternative;
    if (unencrypted && rule->remedy_unencrypted)
        return rule->remedy_unencrypted;
    if (c->suggested_host && rule->remedy_with_suggestion)
        return rule->remedy_with_suggestion;
    if (!c->suggested_host && rule->remedy_without_suggestion)
        return rule->remedy_without_suggestion;
    return rule->remedy;
}

/* The texts of a check: its own more specific entry when it names one. */
static const sd_finding_rule *rule_for(const sd_diag_request *req, const sd_check *c)
{
    const sd_finding_rule *rule = sd_knowledge_variant_rule(req->knowledge, c->texts);
    return rule ? rule : sd_knowledge_rule(req->knowledge, c->code);
}

static void fill_check_remedies(const sd_diag_request *req, sd_diag_result *r, const char *alternative)
{
    for (size_t i = 0; i < r->checks.len; i++) {
        sd_check *c = &r->checks.items[i];
        if (c->status != SD_CHECK_FAIL && c->status != SD_CHECK_WARN && c->status != SD_CHECK_SKIP)
            continue;
        const sd_finding_rule *rule = rule_for(req, c);
        const char *tpl = pick_remedy(rule, c, alternative != NULL, r->detected == SD_SEC_PLAIN);
        if (tpl && !c->remedy)
            c->remedy = render(tpl, req, r, c, alternative);
    }
}

/* The code of a diagnosis that found nothing wrong: the ok of the last
 * layer that passed (a passing certificate reports tls.ok, as the
 * handshake does). */
static sd_finding ok_code(const sd_diag_result *r)
{
    sd_finding code = SD_F_DNS_OK;
    for (size_t i = 0; i < r->checks.len; i++) {
        const sd_check *c = &r->checks.items[i];
        if (c->status == SD_CHECK_PASS && sd_finding_status(c->code) == SD_CHECK_PASS)
            code = c->code;
    }
    return code;
}

void sd_choose_root_cause(const sd_diag_request *req, sd_diag_result *r)
{
    char *alternative = alternative_text(r);
    fill_check_remedies(req, r, alternative);
    const sd_check *cause = NULL;
    for (size_t i = 0; i < r->checks.len && !cause; i++)
        if (r->checks.items[i].status == SD_CHECK_FAIL)
            cause = &r->checks.items[i];
    for (size_t i = 0; i < r->checks.len && !cause; i++)
        if (r->checks.items[i].status == SD_CHECK_WARN)
            cause = &r->checks.items[i];
    if (!cause) {
        r->status = SD_CHECK_PASS;
        r->code = ok_code(r);
        const sd_finding_rule *rule = sd_knowledge_variant_rule(req->knowledge, SD_V_SETTINGS_OK);
        r->summary = rule ? render(rule->summary, req, r, NULL, NULL) : sd_xstrdup(_("The settings work."));
        r->remedy = NULL;
        free(alternative);
        return;
    }
    r->status = cause->status;
    r->code = cause->code;
    const sd_finding_rule *rule = rule_for(req, cause);
    r->summary = rule && rule->summary ? render(rule->summary, req, r, cause, alternative)
                                       : sd_xstrdup(cause->message);
    r->remedy = sd_xstrdup(cause->remedy);
    r->server_reply = sd_xstrdup(cause->reply);
    if (cause->code == SD_F_CERT_HOSTNAME_MISMATCH || cause->code == SD_F_DNS_NXDOMAIN)
        r->suggested_host = sd_xstrdup(cause->suggested_host);
    free(alternative);
}
