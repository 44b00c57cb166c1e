/* SPDX-License-Identifier: MIT */
/* The auth and send layers: the login through the credential gate
 * (diag/gate.h), the size limit the EHLO announced, and the test message,
 * each with its check; a refusal is explained by the reply rules of the
 * knowledge, in the situation the session showed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/strbuf.h"
#include "diag/gate.h"
#include "diag/internal.h"
#include "net/auth.h"
#include "net/send.h"

/* What the session showed that a remedy depends on: whether the login
 * worked, whether the port is one for submission, and the size limit the
 * server announced (caps may be NULL: not asked). */
static sd_situation situation_of(const sd_diag_result *r, const sd_smtp_caps *caps)
{
    sd_situation s = {
        .submission_port = sd_port_is_submission(r->port),
        .size_limit = caps && caps->size_advertised && caps->size_limit > 0 ? caps->size_limit : 0,
    };
    for (size_t i = 0; i < r->checks.len; i++)
        if (r->checks.items[i].status == SD_CHECK_PASS && r->checks.items[i].code == SD_F_AUTH_OK)
            s.logged_in = true;
    return s;
}

/* A size as providers state their limits: 1 MB is 1 000 000 bytes. Cut
 * down, not rounded up, so that "up to 9.9 MB" never reads as 10. */
static char *size_text(long bytes)
{
    static const struct { long unit; const char *name; } units[] = {{1000000, "MB"}, {1000, "kB"}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        if (bytes < units[i].unit)
            continue;
        long tenths = bytes / (units[i].unit / 10);
        return tenths % 10 ? sd_xasprintf("%ld.%ld %s", tenths / 10, tenths % 10, units[i].name)
                           : sd_xasprintf("%ld %s", tenths / 10, units[i].name);
    }
    return sd_xasprintf(P_("%ld byte", "%ld bytes", (unsigned long)bytes), bytes);
}

/* The remedy for a finding in the situation, from the knowledge (the reply
 * rule's, or a variant for the situation), rendered; NULL when the
 * finding's usual remedy applies. */
static char *situation_remedy(const sd_diag_request *req, const sd_diag_result *r, const sd_reply_rule *rule,
                              sd_finding code, const sd_situation *s)
{
    const char *tpl = sd_knowledge_remedy_for(req->knowledge, rule, code, s);
    if (!tpl)
        return NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    char *limit = s->size_limit ? size_text(s->size_limit) : NULL;
    sd_template_var vars[] = {{"host", r->host}, {"port", port}, {"limit", limit}, {NULL, NULL}};
    char *remedy = sd_template_render(tpl, vars);
    free(limit);
    return remedy;
}

/* A refusal, in the words of the reply rules: the finding and, where the
 * provider's reply or the situation says more, its own remedy. `what` is
 * the command refused; the message names the stage, which for a sender
 * refused after MAIL FROM is not where a reader would look for it. */
static sd_check *refusal_check(const sd_diag_request *req, sd_diag_result *r, const char *layer, const char *stage,
                               const sd_smtp_reply *reply, const char *what, const sd_situation *s)
{
    const sd_reply_rule *rule = sd_knowledge_classify_reply(req->knowledge, r->host, stage, reply->code,
                                                            reply->enhanced, reply->text);
    sd_finding code = rule ? rule->finding : strcmp(layer, "auth") == 0 ? SD_F_AUTH_FAILED : SD_F_SEND_MESSAGE_REJECTED;
    /* a 4xx to the message is "try later", one to AUTH still keeps the login from working */
    sd_check_status status = code == SD_F_SEND_TEMPORARY_FAILURE ? SD_CHECK_WARN : SD_CHECK_FAIL;
    const char *text = reply->text ? reply->text : "";
    char *message;
    if (strcmp(layer, "auth") == 0)
        message = sd_xasprintf(_("%s: the server answered %d %s"), what, reply->code, text);
    else if (code == SD_F_SEND_SENDER_REJECTED && strcmp(stage, "mail") != 0)
        message = sd_xasprintf(_("at %s (where this server checks the sender): %d %s"), what, reply->code, text);
    else
        message = sd_xasprintf(_("at %s the server answered %d %s"), what, reply->code, text);
    char *target = sd_check_target(r->host, r->port);
    sd_check *c = sd_check_add(&r->checks, layer, target, status, code, message);
    c->reply = sd_xasprintf("%d %s", reply->code, text);
    c->remedy = situation_remedy(req, r, rule, code, s);
    free(target);
    return c;
}

static sd_check *reply_check(const sd_diag_request *req, sd_diag_result *r, const char *layer, const char *stage,
                             const sd_smtp_reply *reply, const char *what)
{
    sd_situation s = situation_of(r, NULL);
    return refusal_check(req, r, layer, stage, reply, what, &s);
}

static void list_mechanisms(sd_buf *b, const sd_smtp_caps *caps)
{
    for (size_t i = 0; i < caps->auth_names.len; i++)
        sd_buf_printf(b, "%s%s", i ? " " : "", caps->auth_names.items[i]);
}

/* The gate's view of this request. */
static sd_vouch host_vouch(const sd_diag_request *req, const sd_diag_result *r)
{
    sd_host_facts facts = {
        .host = r->host, .domain = req->address ? req->address->domain : NULL,
        .sources = req->host_sources,   /* 0: nothing named it, nothing vouches */
        .authenticated = req->host_authenticated, .ispdb_named = req->host_ispdb_named,
    };
    return sd_vouch_for(&facts, req->presets);
}

static sd_gate_policy gate_policy(const sd_diag_request *req)
{
    sd_gate_policy p = {
        .insecure = req->insecure, .trust_discovered = req->trust_discovered,
        .allow_plaintext_auth = req->allow_plaintext_auth,
        .plain_typed = req->security_typed && req->security == SD_SEC_PLAIN,
        .answer = (sd_gate_answer)req->trust_answer,
    };
    return p;
}

/* The auth check for a secret the gate kept back. */
static void withheld_check(const sd_diag_request *req, sd_diag_result *r, const sd_session *s,
                           sd_gate_verdict verdict, const char *target)
{
    switch (verdict) {
    case SD_GATE_WITHHOLD_PLAINTEXT:
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_PLAINTEXT_REFUSED,
                     sd_xasprintf(req->allow_plaintext_auth
                                  ? _("the password was not sent: the connection is not encrypted, and --allow-plaintext-auth "
                                    "counts only with --security plain typed on the command line")
                                  : _("the password was not sent: the connection is not encrypted")));
        break;
    case SD_GATE_WITHHOLD_CERT:
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_WITHHELD,
                     sd_xasprintf(_("the password was not sent, because the certificate of %s did not verify (%s)"),
                                  r->host, s->tls.verify_error_count ? _("see the certificate check")
                                                                     : _("it does not name this host")));
        break;
    case SD_GATE_WITHHOLD_TAMPERED:
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_WITHHELD,
                     sd_xstrdup(_("the password was not sent, because the STARTTLS exchange was tampered with")));
        break;
    default: {
        const char *domain = req->address ? req->address->domain : NULL;
        const char *by = sd_gate_named_by(req->host_sources);
        bool said_no = req->trust_answer == SD_GATE_NO;
        char *message = domain
            ? sd_xasprintf(said_no ? _("%s, outside your domain %s, was named only by %s, and you answered no")
                                   : _("%s, outside your domain %s, was named only by %s"), r->host, domain, by)
            : sd_xasprintf(said_no ? _("%s was named only by %s, and you answered no")
                                   : _("%s was named only by %s"), r->host, by);
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_UNTRUSTED_SERVER, message);
        break;
    }
    }
}

/* AUTH through the gate: the mechanism, the exchange and its check. */
static bool login(const sd_diag_request *req, sd_diag_result *r, sd_session *s, const char *target,
                  const char *mechs)
{
    /* The gate first: where the secret may not go, which mechanism would
     * have been used does not matter. */
    sd_gate_policy policy = gate_policy(req);
    sd_gate_session facts = sd_gate_session_facts(s);
    sd_gate_verdict verdict = sd_gate_decide(host_vouch(req, r), &facts, &policy);
    if (verdict != SD_GATE_SEND) {
        withheld_check(req, r, s, verdict, target);
        return false;
    }
    if (!req->password && !req->oauth2_token) {       /* not asked for: cannot happen when sent */
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_SKIPPED,
                     sd_xasprintf(_("no password was given, so AUTH (%s) was not tried"), mechs));
        return true;
    }
    sd_credentials cred = {
        .username = req->username ? req->username : "", .password = req->password,
        .oauth2_token = req->oauth2_token, .host = r->host, .port = r->port,
    };
    unsigned mech = sd_auth_choose(s->caps.auth, &cred, req->auth_mech);
    if (!mech) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_MECHANISM_UNSUPPORTED,
                     sd_xasprintf(req->oauth2_token ? _("the server offers %s; with a token smtpdoctor can use %s")
                                                    : _("the server offers %s; with a password smtpdoctor can use %s"),
                                  mechs, req->auth_mech ? sd_auth_name(req->auth_mech)
                                  : req->oauth2_token ? "OAUTHBEARER XOAUTH2" : "CRAM-MD5 PLAIN LOGIN"));
        return false;
    }
    sd_smtp_reply reply;
    const char *why = NULL;
    int64_t start = sd_now_ms();
    sd_diag_step(req, N_("logging in"));
    int rc = sd_gate_login(host_vouch(req, r), &policy, s, mech, &cred, &reply, &why, &verdict);
    bool ok = false;
    sd_check *c;
    if (rc == 1) {
        withheld_check(req, r, s, verdict, target);
        return false;
    }
    r->auth_mechanism = sd_xstrdup(sd_auth_name(mech));
    if (rc < 0) {
        c = sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_FAILED,
                         sd_xasprintf(_("the connection broke during AUTH %s: %s"), sd_auth_name(mech), why));
    } else if (reply.code == 235) {
        c = sd_check_add(&r->checks, "auth", target, SD_CHECK_PASS, SD_F_AUTH_OK,
                     sd_xasprintf(policy.answer == SD_GATE_YES
                                      ? _("logged in as %s with %s (you agreed to send the password to this server)")
                                  : req->insecure && !facts.cert_verified
                                      ? _("logged in as %s with %s, over a connection whose certificate did not verify "
                                          "(--insecure)")
                                      : _("logged in as %s with %s"),
                                  cred.username, sd_auth_name(mech)));
        ok = true;
    } else {
        char *what = sd_xasprintf(_("AUTH %s as %s"), sd_auth_name(mech), cred.username);
        c = reply_check(req, r, "auth", "auth", &reply, what);
        free(what);
    }
    c->elapsed_ms = sd_now_ms() - start;
    sd_smtp_reply_clear(&reply);
    return ok;
}

/* Returns true when the login worked (or was not needed for a send). */
static bool auth_step(const sd_diag_request *req, sd_diag_result *r, sd_session *s)
{
    char *target = sd_check_target(r->host, r->port);
    bool encrypted = sd_gate_session_facts(s).encrypted;
    bool have_secret = req->password || req->oauth2_token || req->password_not_asked;
    bool ok = false;
    sd_buf mechs = {0};
    list_mechanisms(&mechs, &s->caps);
    if (s->caps.auth_names.len == 0) {
        bool before_starttls = !encrypted && s->starttls_offered;
        sd_check_add(&r->checks, "auth", target, have_secret ? SD_CHECK_FAIL : SD_CHECK_WARN, SD_F_AUTH_NOT_OFFERED,
                     sd_xstrdup(before_starttls
                                ? _("the server advertises no AUTH mechanism before STARTTLS, which the settings do "
                                    "not use")
                                : _("the server advertises no AUTH mechanism")));
        ok = !have_secret;
    } else if (!have_secret) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_SKIPPED,
                     sd_xasprintf(_("no password was given, so AUTH (%s) was not tried"), mechs.data));
        ok = true;
    } else {
        ok = login(req, r, s, target, mechs.data);
    }
    sd_buf_free(&mechs);
    free(target);
    return ok;
}

/* Under this EHLO SIZE, ordinary attachments bounce: 10 MB, counted in the
 * decimal megabytes providers state their limits in (10 000 000 bytes). */
enum { SMALL_SIZE_LIMIT = 10000000 };

/* A size limit that ordinary mail outgrows: a warning, never a failure. */
static void size_limit_check(const sd_diag_request *req, sd_diag_result *r, const sd_smtp_caps *caps,
                             const char *target)
{
    sd_situation s = situation_of(r, caps);
    if (!s.size_limit || s.size_limit >= SMALL_SIZE_LIMIT)
        return;
    char *limit = size_text(s.size_limit);
    sd_check *c = sd_check_add(&r->checks, "smtp", target, SD_CHECK_WARN, SD_F_SMTP_SIZE_LIMIT_SMALL,
                 sd_xasprintf(_("the server takes messages only up to %s (EHLO SIZE %ld): messages over %s, "
                              "such as invoices with attachments, will be refused"), limit, s.size_limit, limit));
    c->remedy = situation_remedy(req, r, NULL, SD_F_SMTP_SIZE_LIMIT_SMALL, &s);
    free(limit);
}

static void send_step(const sd_diag_request *req, sd_diag_result *r, sd_session *s, bool auth_ok)
{
    char *target = sd_check_target(r->host, r->port);
    if (!auth_ok) {
        const sd_check *auth = r->checks.len ? &r->checks.items[r->checks.len - 1] : NULL;
        bool withheld = auth && strcmp(auth->layer, "auth") == 0 &&
                        (auth->code == SD_F_AUTH_WITHHELD || auth->code == SD_F_AUTH_UNTRUSTED_SERVER ||
                         auth->code == SD_F_AUTH_PLAINTEXT_REFUSED);
        sd_check_add(&r->checks, "send", target, SD_CHECK_SKIP, SD_F_SEND_SKIPPED,
                     sd_xstrdup(withheld ? _("the test message was not sent, because the password was not sent")
                                         : _("the test message was not sent, because the login failed")));
        free(target);
        return;
    }
    const char *from = req->from ? req->from : req->address ? req->address->address : req->username;
    char *subject, *body;
    sd_test_message_texts(r->host, r->port, r->security, req->username, &subject, &body);
    sd_message_spec m = {.from = from ? from : "", .to = req->send_to, .reply_to = req->reply_to,
                         .bcc = req->bcc, .subject = subject, .body = body};
    sd_send_result res;
    const char *why = NULL;
    int64_t start = sd_now_ms();
    sd_diag_step(req, N_("sending the test message"));
    int rc = sd_send_message(&s->conn, &s->caps, &m, &res, &why);
    sd_situation situation = situation_of(r, &s->caps);
    sd_check *c;
    if (rc < 0) {
        /* an address the server cannot take is the sender's problem, as a refused MAIL FROM is */
        c = sd_check_add(&r->checks, "send", target, SD_CHECK_FAIL,
                         res.needs_smtputf8 ? SD_F_SEND_SENDER_REJECTED : SD_F_SEND_MESSAGE_REJECTED,
                         sd_xasprintf(_("sending broke at %s: %s"), sd_send_stage_name(res.stage), why));
    } else if (res.over_size_limit) {
        char *limit = size_text(situation.size_limit);
        c = sd_check_add(&r->checks, "send", target, SD_CHECK_FAIL, SD_F_SEND_MESSAGE_TOO_BIG,
                     sd_xasprintf(P_("the test message (%zu byte) is larger than the %s the server takes (EHLO SIZE "
                                     "%ld), so it was not sent",
                                     "the test message (%zu bytes) is larger than the %s the server takes (EHLO SIZE "
                                     "%ld), so it was not sent", res.message_size),
                                  res.message_size, limit, situation.size_limit));
        c->remedy = situation_remedy(req, r, NULL, SD_F_SEND_MESSAGE_TOO_BIG, &situation);
        free(limit);
    } else if (res.stage == SD_SEND_DONE) {
        c = sd_check_add(&r->checks, "send", target, SD_CHECK_PASS, SD_F_SEND_OK,
                     res.queue_id ? sd_xasprintf(_("the test message to %s was accepted, queued as %s (%d %s)"),
                                                 req->send_to, res.queue_id, res.reply.code, res.reply.text)
                                  : sd_xasprintf(_("the test message to %s was accepted (%d %s)"), req->send_to,
                                                 res.reply.code, res.reply.text));
        r->queue_id = sd_xstrdup(res.queue_id);
    } else {
        static const char *const stages[] = {"mail", "rcpt", "data"};
        char *what = res.stage == SD_SEND_RCPT ? sd_xasprintf("RCPT TO:<%s>", res.recipient ? res.recipient : req->send_to)
                   : res.stage == SD_SEND_MAIL ? sd_xasprintf("MAIL FROM:<%s>", m.from)
                   : sd_xstrdup("DATA");
        c = refusal_check(req, r, "send", stages[res.stage], &res.reply, what, &situation);
        free(what);
    }
    c->elapsed_ms = sd_now_ms() - start;
    sd_send_result_clear(&res);
    free(subject);
    free(body);
    free(target);
}

void sd_auth_and_send(const sd_diag_request *req, sd_diag_result *r, sd_session *s)
{
    if (!s->ready)
        return;
    /* what the EHLO says of sizes matters whether or not a message is sent */
    char *target = sd_check_target(r->host, r->port);
    size_limit_check(req, r, &s->caps, target);
    free(target);
    bool ok = auth_step(req, r, s);
    if (req->send_to)
        send_step(req, r, s, ok);
}
