/* SPDX-License-Identifier: MIT */
/* The checks of a diagnosis: the list and its order, and the checks a
 * session yields for the tcp, tls (with the certificate) and smtp layers.
 * Who owns what: diag/diag.h (sd_check) and diag/internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/strbuf.h"
#include "diag/internal.h"

const char *sd_check_status_name(sd_check_status s)
{
    switch (s) {
    case SD_CHECK_PASS: return "pass";
    case SD_CHECK_WARN: return "warn";
    case SD_CHECK_FAIL: return "fail";
    default: return "skip";
    }
}

sd_check *sd_check_add(sd_check_list *l, const char *layer, const char *target, sd_check_status status,
                       sd_finding code, char *message_owned)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sd_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    sd_check *c = &l->items[l->len++];
    memset(c, 0, sizeof *c);
    c->layer = layer;
    c->target = sd_xstrdup(target);
    c->status = status;
    c->code = code;
    c->message = message_owned;
    return c;
}

void sd_check_list_free(sd_check_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].target);
        free(l->items[i].message);
        free(l->items[i].reply);
        free(l->items[i].brief);
        free(l->items[i].remedy);
        free(l->items[i].suggested_host);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static const char *const layer_order[] = {"dns", "tcp", "tls", "smtp", "auth", "send"};

static int layer_index(const char *layer)
{
    for (size_t i = 0; i < sizeof layer_order / sizeof *layer_order; i++)
        if (strcmp(layer, layer_order[i]) == 0)
            return (int)i;
    return 99;
}

/* Checks are shown in layer order; within a layer, in the order they ran. */
void sd_check_list_sort(sd_check_list *l)
{
    for (size_t i = 1; i < l->len; i++) {
        sd_check c = l->items[i];
        size_t j = i;
        while (j > 0 && layer_index(l->items[j - 1].layer) > layer_index(c.layer)) {
            l->items[j] = l->items[j - 1];
            j--;
        }
        l->items[j] = c;
    }
}

const char *sd_check_note(const sd_check *c)
{
    return c->softened ? _(" (not failed because of --insecure, which is only for a server you run yourself)") : "";
}

/* ---- the tcp, tls and smtp checks of a session ----------------------- */

/* host:port, with an IPv6 address in brackets so the port stays apart */
char *sd_check_target(const char *host, int port)
{
    return sd_xasprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

static void tcp_check(sd_diag_result *r, const sd_session *s, const char *target)
{
    if (s->tcp == SD_TCP_OK) {
        snprintf(r->peer, sizeof r->peer, "%s", s->conn.peer);
        int64_t ms = 0;
        for (size_t i = 0; i < s->attempt_count; i++)
            if (s->attempts[i].status == SD_TCP_OK)
                ms = s->attempts[i].elapsed_ms;
        sd_check *c = sd_check_add(&r->checks, "tcp", target, SD_CHECK_PASS, SD_F_TCP_OK,
                                   sd_xasprintf(_("connected to %s port %d in %lld ms"),
                                                s->conn.peer[0] ? s->conn.peer : "?", r->port, (long long)ms));
        c->elapsed_ms = ms;
        return;
    }
    sd_buf detail = {0};
    for (size_t i = 0; i < s->attempt_count; i++)
        sd_buf_printf(&detail, "%s%s: %s", i ? ", " : "", s->attempts[i].address,
                      sd_tcp_status_code(s->attempts[i].status));
    const char *what = sd_tcp_status_words(s->tcp);
    sd_check_add(&r->checks, "tcp", target, SD_CHECK_FAIL, s->failure ? s->failure : SD_F_TCP_UNREACHABLE,
                 sd_xasprintf(_("connecting to port %d: %s (%s)"), r->port, what, detail.data ? detail.data : ""));
    sd_buf_free(&detail);
}

/* "STARTTLS, then TLSv1.3 with TLS_AES_256_GCM_SHA384, key exchange X25519" */
static char *handshake_words(const sd_tls_info *t, bool starttls)
{
    const char *version = t->version ? t->version : "TLS", *cipher = t->cipher ? t->cipher : "?";
    char *what = starttls ? sd_xasprintf(_("STARTTLS, then %s with %s"), version, cipher)
                          : sd_xasprintf(_("%s with %s"), version, cipher);
    if (!t->group)
        return what;
    char *with_group = sd_xasprintf(_("%s, key exchange %s"), what, t->group);
    free(what);
    return with_group;
}

static void tls_handshake_check(sd_diag_result *r, const sd_session *s, const char *target, bool starttls)
{
    const sd_tls_info *t = &s->tls;
    sd_check *c = sd_check_add(&r->checks, "tls", target, SD_CHECK_PASS, SD_F_TLS_OK,
                               handshake_words(t, starttls));
    c->brief = sd_xstrdup(starttls ? _("the connection is encrypted after STARTTLS")
                                   : _("the connection is encrypted from the first byte"));
}

static void cert_check(const sd_diag_request *req, sd_diag_result *r, const sd_tls_info *t, const char *target)
{
    sd_cert_verdict v;
    sd_cert_classify(t, r->host, req->knowledge, &v);
    sd_check_status status = v.status;
    char *msg = v.message;
    v.message = NULL;
    bool softened = status == SD_CHECK_FAIL && req->insecure;
    if (softened)
        status = SD_CHECK_WARN;
    sd_check *c = sd_check_add(&r->checks, "tls", target, status, v.code, msg);
    c->softened = softened;
    if (v.code == SD_F_TLS_OK)
        c->brief = sd_xstrdup(_("the certificate checks out"));
    c->suggested_host = v.suggested_host;
    c->interceptor = v.interceptor;
    v.suggested_host = NULL;
    if (v.expiring_soon)
        sd_check_add(&r->checks, "tls", target, SD_CHECK_WARN, SD_F_CERT_EXPIRING_SOON,
                     sd_cert_expiry_message(t));
    if (v.weakness) {
        sd_check_add(&r->checks, "tls", target, SD_CHECK_WARN, v.weakness_code, v.weakness);
        v.weakness = NULL;
    }
    sd_cert_verdict_clear(&v);
}

static void caps_text(sd_buf *b, const sd_smtp_caps *c)
{
    if (c->starttls) sd_buf_puts(b, " STARTTLS");
    if (c->auth_names.len) {
        sd_buf_puts(b, " AUTH");
        for (size_t i = 0; i < c->auth_names.len; i++)
            sd_buf_printf(b, "%s%s", i ? "," : " ", c->auth_names.items[i]);
    }
    if (c->size_advertised) sd_buf_printf(b, " SIZE %ld", c->size_limit);
    if (c->pipelining) sd_buf_puts(b, " PIPELINING");
    if (c->eightbitmime) sd_buf_puts(b, " 8BITMIME");
    if (c->smtputf8) sd_buf_puts(b, " SMTPUTF8");
    if (c->enhancedstatuscodes) sd_buf_puts(b, " ENHANCEDSTATUSCODES");
    if (c->chunking) sd_buf_puts(b, " CHUNKING");
}

static void smtp_checks(const sd_diag_request *req, sd_diag_result *r, const sd_session *s, const char *target)
{
    if (s->greeting.code == 220) {
        sd_check_add(&r->checks, "smtp", target, SD_CHECK_PASS, SD_F_SMTP_OK,
                     sd_xasprintf(_("greeting: %d %s"), s->greeting.code, s->greeting.text));
        const sd_reply_rule *rule = sd_knowledge_classify_reply(req->knowledge, r->host, "greeting", 220,
                                                                s->greeting.enhanced, s->greeting.text);
        if (rule && rule->finding != SD_F_SMTP_REJECTED) {
            sd_check *c = sd_check_add(&r->checks, "smtp", target, SD_CHECK_WARN, rule->finding,
                                       sd_xasprintf(_("the greeting says: %s"), s->greeting.text));
            c->reply = sd_xasprintf("%d %s", s->greeting.code, s->greeting.text);
            c->remedy = sd_xstrdup(rule->remedy);
        }
    } else if (s->greeting.code >= 400) {
        const sd_reply_rule *rule = sd_knowledge_classify_reply(req->knowledge, r->host, "greeting", s->greeting.code,
                                                                s->greeting.enhanced, s->greeting.text);
        for (size_t i = 0; rule && rule->remedy && i < r->checks.len; i++)
            if (r->checks.items[i].code == SD_F_SMTP_REJECTED && !r->checks.items[i].remedy)
                r->checks.items[i].remedy = sd_xstrdup(rule->remedy);
    }
    if (s->ready) {
        sd_buf caps = {0};
        caps_text(&caps, &s->caps);
        sd_check *c = sd_check_add(&r->checks, "smtp", target, SD_CHECK_PASS, SD_F_SMTP_OK,
                                   caps.data ? sd_xasprintf(_("EHLO accepted; the server offers:%s"), caps.data)
                                             : sd_xstrdup(_("EHLO accepted; the server offers nothing more")));
        c->brief = sd_xstrdup(s->caps.auth_names.len ? _("the server accepts EHLO and offers a login")
                                                     : _("the server accepts EHLO"));
        sd_buf_free(&caps);
    }
}

/* The reply a refused session ended with (the greeting's, else EHLO's),
 * for smtp.rejected; NULL for anything else. */
static char *refused_reply(const sd_session *s, sd_finding f)
{
    if (f != SD_F_SMTP_REJECTED)
        return NULL;
    const sd_smtp_reply *reply = s->greeting.code >= 400 ? &s->greeting : &s->last_reply;
    return reply->code >= 400 ? sd_xasprintf("%d %s", reply->code, reply->text ? reply->text : "") : NULL;
}

void sd_session_checks(const sd_diag_request *req, sd_diag_result *r, const sd_session *s)
{
    char *target = sd_check_target(r->host, r->port);
    tcp_check(r, s, target);
    if (s->tcp != SD_TCP_OK) {
        free(target);
        return;
    }
    sd_finding f = s->failure;
    const char *layer = sd_finding_layer(f);
    bool tls_done = s->tls_attempted && s->tls.outcome == SD_TLS_OK;
    if (f == SD_F_TLS_IMPLICIT_EXPECTED) {
        sd_check_add(&r->checks, "tls", target, SD_CHECK_FAIL, f, sd_xstrdup(s->detail));
        cert_check(req, r, &s->tls, target);
    } else if (layer && strcmp(layer, "tls") == 0) {
        sd_check_add(&r->checks, "tls", target, SD_CHECK_FAIL, f, sd_xstrdup(s->detail));
        if (tls_done)
            cert_check(req, r, &s->tls, target);
    } else if (tls_done) {
        tls_handshake_check(r, s, target, s->detected == SD_SEC_STARTTLS);
        cert_check(req, r, &s->tls, target);
    }
    if (layer && (strcmp(layer, "smtp") == 0 || f == SD_F_TCP_RESET)) {
        sd_check *c = sd_check_add(&r->checks, layer, target, SD_CHECK_FAIL, f, sd_xstrdup(s->detail));
        c->reply = refused_reply(s, f);
    }
    smtp_checks(req, r, s, target);
    if (s->ready && r->security == SD_SEC_PLAIN && s->starttls_offered)
        sd_check_add(&r->checks, "tls", target, SD_CHECK_WARN, SD_F_TLS_NOT_USED,
                     sd_xstrdup(_("the server offers STARTTLS, but the settings use no encryption")));
    free(target);
}

/* ---- a second look -------------------------------------------------- */

void sd_recode_run_deadline(sd_diag_result *r)
{
    for (size_t i = r->checks.len; i-- > 0;) {
        sd_check *c = &r->checks.items[i];
        if (c->status != SD_CHECK_FAIL)
            continue;
        if (c->code != SD_F_RUN_DEADLINE) {
            c->code = SD_F_RUN_DEADLINE;
            char *m = sd_xasprintf(_("the run's overall deadline ended this step: %s"), c->message ? c->message : "");
            free(c->message);
            c->message = m;
        }
        return;
    }
}

int64_t sd_step_deadline(const sd_diag_request *req)
{
    int64_t step = sd_now_ms() + req->timeout_ms;
    return req->run_deadline > 0 && req->run_deadline < step ? req->run_deadline : step;
}

void sd_diag_step(const sd_diag_request *req, const char *what)
{
    if (req->on_step)
        req->on_step(req->on_step_arg, what);
}

bool sd_run_deadline_passed(const sd_diag_request *req)
{
    return req->run_deadline > 0 && sd_now_ms() >= req->run_deadline;
}

/* Replaces the code and message of the failing tls check. */
void sd_recode_tls_failure(sd_diag_result *r, sd_finding code, char *message)
{
    for (size_t i = 0; i < r->checks.len; i++) {
        sd_check *c = &r->checks.items[i];
        if (strcmp(c->layer, "tls") == 0 && c->status == SD_CHECK_FAIL) {
            c->code = code;
            free(c->message);
            c->message = message;
            return;
        }
    }
    free(message);
}
