#include "diag/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns.h"
#include "common/strbuf.h"
#include "diag/gate.h"
#include "net/auth.h"
#include "net/send.h"
#include "net/probe.h"
#include "net/session.h"

enum { MAX_ALTERNATIVES = 12 };

static const char *const layer_order[] = {"dns", "tcp", "tls", "smtp", "auth", "send"};

static int layer_index(const char *layer)
{
    for (size_t i = 0; i < sizeof layer_order / sizeof *layer_order; i++)
        if (strcmp(layer, layer_order[i]) == 0)
            return (int)i;
    return 99;
}

/* Checks are shown in layer order; within a layer, in the order they ran. */
static void sort_checks(sd_check_list *l)
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

/* ---- inferring what the user left out -------------------------------- */

static void infer_settings(const sd_diag_request *req, sd_diag_result *r)
{
    r->port = req->port;
    r->security = req->security;
    if (!r->port) {
        r->port_inferred = true;
        r->port = r->security == SD_SEC_TLS ? 465 : 587;
        if (r->security == SD_SEC_UNKNOWN)
            r->security = SD_SEC_STARTTLS;
    }
    if (r->security == SD_SEC_UNKNOWN) {
        r->security_inferred = true;
        if (r->port == 465)
            r->security = SD_SEC_TLS;
        else if (r->port == 587)
            r->security = SD_SEC_STARTTLS;
        /* any other port (25 among them): STARTTLS if offered, found out by the session */
    }
}

/* ---- the dns layer --------------------------------------------------- */

typedef struct dns_outcome {
    sd_dns_status status;
    sd_strlist addresses;
    char *canonical;
    int64_t ms;
} dns_outcome;

static void on_dns(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    dns_outcome *o = arg;
    o->status = ans->status;
    o->ms = ans->elapsed_ms;
    if (ans->canonical && !o->canonical)
        o->canonical = sd_xstrdup(ans->canonical);
    for (size_t i = 0; i < ans->addresses.len; i++)
        sd_strlist_add(&o->addresses, ans->addresses.items[i]);
}

static sd_finding dns_code(sd_dns_status s)
{
    switch (s) {
    case SD_DNS_OK: return SD_F_DNS_OK;
    case SD_DNS_NXDOMAIN: return SD_F_DNS_NXDOMAIN;
    case SD_DNS_NODATA: return SD_F_DNS_NO_ADDRESS;
    case SD_DNS_TIMEOUT: return SD_F_DNS_TIMEOUT;
    default: return SD_F_DNS_SERVFAIL;
    }
}

static void dns_check(const sd_diag_request *req, sd_diag_result *r, const dns_outcome *o, sd_resolver *resolver)
{
    char *msg;
    if (o->status == SD_DNS_OK)
        msg = o->addresses.len == 1
            ? sd_xasprintf("%s resolves to %s", r->host, o->addresses.items[0])
            : sd_xasprintf("%s resolves to %s and %zu more address%s", r->host, o->addresses.items[0],
                           o->addresses.len - 1, o->addresses.len == 2 ? "" : "es");
    else
        msg = sd_xasprintf("looking up %s: %s", r->host, sd_dns_status_text(o->status));
    sd_check_add(&r->checks, "dns", r->host, o->status == SD_DNS_OK ? SD_CHECK_PASS : SD_CHECK_FAIL,
                 dns_code(o->status), msg);
    sd_check *c = &r->checks.items[r->checks.len - 1];
    c->elapsed_ms = o->ms;
    if (o->status != SD_DNS_NXDOMAIN)
        return;
    sd_missing_host m;
    sd_explain_missing_host(req, r->host, resolver, &m);
    if (m.dns_failing) {
        /* not a typo: this network's DNS denies names that exist */
        c->code = SD_F_DNS_SERVFAIL;
        c->texts = SD_V_DNS_FAILING;
        free(c->message);
        c->message = sd_str_ieq(m.witness, r->host)
            ? sd_xasprintf("the DNS server says %s does not exist, though it is a provider's server that does", r->host)
            : sd_xasprintf("the DNS server says %s does not exist, and says the same of %s, which does exist",
                           r->host, m.witness);
    } else {
        c->suggested_host = m.suggestion;
        m.suggestion = NULL;
    }
    sd_missing_host_clear(&m);
}

/* ---- the sessions ---------------------------------------------------- */

/* host:port, with an IPv6 address in brackets so the port stays apart */
static char *target_of(const char *host, int port)
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
        sd_check_add(&r->checks, "tcp", target, SD_CHECK_PASS, SD_F_TCP_OK,
                     sd_xasprintf("connected to %s port %d in %lld ms", s->conn.peer[0] ? s->conn.peer : "?",
                                  r->port, (long long)ms));
        r->checks.items[r->checks.len - 1].elapsed_ms = ms;
        return;
    }
    sd_buf detail = {0};
    for (size_t i = 0; i < s->attempt_count; i++)
        sd_buf_printf(&detail, "%s%s: %s", i ? ", " : "", s->attempts[i].address,
                      sd_tcp_status_code(s->attempts[i].status));
    const char *what = s->tcp == SD_TCP_TIMEOUT ? "no answer (timed out)"
                     : s->tcp == SD_TCP_REFUSED ? "refused"
                     : s->tcp == SD_TCP_RESET ? "reset" : "no route to the host";
    sd_check_add(&r->checks, "tcp", target, SD_CHECK_FAIL, s->failure ? s->failure : SD_F_TCP_UNREACHABLE,
                 sd_xasprintf("connecting to port %d: %s (%s)", r->port, what, detail.data ? detail.data : ""));
    sd_buf_free(&detail);
}

static void tls_handshake_check(sd_diag_result *r, const sd_session *s, const char *target, bool starttls)
{
    const sd_tls_info *t = &s->tls;
    sd_check_add(&r->checks, "tls", target, SD_CHECK_PASS, SD_F_TLS_OK,
                 sd_xasprintf("%s%s with %s%s%s", starttls ? "STARTTLS, then " : "", t->version ? t->version : "TLS",
                              t->cipher ? t->cipher : "?", t->group ? ", key exchange " : "",
                              t->group ? t->group : ""));
}

static void cert_check(const sd_diag_request *req, sd_diag_result *r, const sd_tls_info *t, const char *target)
{
    sd_cert_verdict v;
    sd_cert_classify(t, r->host, req->knowledge, &v);
    sd_check_status status = v.status;
    char *msg = v.message;
    v.message = NULL;
    if (status == SD_CHECK_FAIL && req->insecure) {
        status = SD_CHECK_WARN;
        char *m = sd_xasprintf("%s (not failed because of --insecure, which is only for a server you run yourself)", msg);
        free(msg);
        msg = m;
    }
    sd_check_add(&r->checks, "tls", target, status, v.code, msg);
    r->checks.items[r->checks.len - 1].suggested_host = v.suggested_host;
    r->checks.items[r->checks.len - 1].interceptor = v.interceptor;
    v.suggested_host = NULL;
    if (v.expiring_soon)
        sd_check_add(&r->checks, "tls", target, SD_CHECK_WARN, SD_F_CERT_EXPIRING_SOON,
                     sd_xasprintf("the certificate expires on %s, in %ld day%s", t->chain[0].not_after,
                                  t->days_left, t->days_left == 1 ? "" : "s"));
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
                     sd_xasprintf("greeting: %d %s", s->greeting.code, s->greeting.text));
        const sd_reply_rule *rule = sd_knowledge_classify_reply(req->knowledge, r->host, "greeting", 220,
                                                                s->greeting.enhanced, s->greeting.text);
        if (rule && rule->finding != SD_F_SMTP_REJECTED) {
            sd_check_add(&r->checks, "smtp", target, SD_CHECK_WARN, rule->finding,
                         sd_xasprintf("the greeting says: %s", s->greeting.text));
            r->checks.items[r->checks.len - 1].remedy = sd_xstrdup(rule->remedy);
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
        sd_check_add(&r->checks, "smtp", target, SD_CHECK_PASS, SD_F_SMTP_OK,
                     sd_xasprintf("EHLO accepted; the server offers:%s", caps.data ? caps.data : " nothing more"));
        sd_buf_free(&caps);
    }
}

/* Turns the session into checks of the tcp, tls and smtp layers. */
static void session_checks(const sd_diag_request *req, sd_diag_result *r, const sd_session *s)
{
    char *target = target_of(r->host, r->port);
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
    if (layer && (strcmp(layer, "smtp") == 0 || f == SD_F_TCP_RESET))
        sd_check_add(&r->checks, layer, target, SD_CHECK_FAIL, f, sd_xstrdup(s->detail));
    smtp_checks(req, r, s, target);
    if (s->ready && r->security == SD_SEC_PLAIN && s->starttls_offered)
        sd_check_add(&r->checks, "tls", target, SD_CHECK_WARN, SD_F_TLS_NOT_USED,
                     sd_xasprintf("the server offers STARTTLS, but the settings use no encryption"));
    free(target);
}

/* ---- the auth and send layers ----------------------------------------- */

/* What the session showed that a remedy depends on: whether the login
 * worked, whether the port is one for submission, and the size limit the
 * server announced (caps may be NULL: not asked). */
static sd_situation situation_of(const sd_diag_result *r, const sd_smtp_caps *caps)
{
    sd_situation s = {
        .submission_port = r->port == 587 || r->port == 465,
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
    return sd_xasprintf("%ld bytes", bytes);
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
static void refusal_check(const sd_diag_request *req, sd_diag_result *r, const char *layer, const char *stage,
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
        message = sd_xasprintf("%s: the server answered %d %s", what, reply->code, text);
    else if (code == SD_F_SEND_SENDER_REJECTED && strcmp(stage, "mail") != 0)
        message = sd_xasprintf("at %s (where this server checks the sender): %d %s", what, reply->code, text);
    else
        message = sd_xasprintf("at %s the server answered %d %s", what, reply->code, text);
    char *target = target_of(r->host, r->port);
    sd_check_add(&r->checks, layer, target, status, code, message);
    r->checks.items[r->checks.len - 1].remedy = situation_remedy(req, r, rule, code, s);
    free(target);
}

static void reply_check(const sd_diag_request *req, sd_diag_result *r, const char *layer, const char *stage,
                        const sd_smtp_reply *reply, const char *what)
{
    sd_situation s = situation_of(r, NULL);
    refusal_check(req, r, layer, stage, reply, what, &s);
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
                                  ? "the password was not sent: the connection is not encrypted, and --allow-plaintext-auth "
                                    "counts only with --security plain typed on the command line"
                                  : "the password was not sent: the connection is not encrypted"));
        break;
    case SD_GATE_WITHHOLD_CERT:
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_WITHHELD,
                     sd_xasprintf("the password was not sent, because the certificate of %s did not verify (%s)",
                                  r->host, s->tls.verify_error_count ? "see the certificate check"
                                                                     : "it does not name this host"));
        break;
    case SD_GATE_WITHHOLD_TAMPERED:
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_WITHHELD,
                     sd_xasprintf("the password was not sent, because the STARTTLS exchange was tampered with"));
        break;
    default: {
        const char *domain = req->address ? req->address->domain : NULL;
        char *outside = domain ? sd_xasprintf(", outside your domain %s,", domain) : sd_xstrdup("");
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_UNTRUSTED_SERVER,
                     sd_xasprintf("%s%s was named only by %s%s", r->host, outside,
                                  sd_gate_named_by(req->host_sources),
                                  req->trust_answer == SD_GATE_NO ? ", and you answered no" : ""));
        free(outside);
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
                     sd_xasprintf("no password was given, so AUTH (%s) was not tried", mechs));
        return true;
    }
    sd_credentials cred = {
        .username = req->username ? req->username : "", .password = req->password,
        .oauth2_token = req->oauth2_token, .host = r->host, .port = r->port,
    };
    unsigned mech = sd_auth_choose(s->caps.auth, &cred, req->auth_mech);
    if (!mech) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_MECHANISM_UNSUPPORTED,
                     sd_xasprintf("the server offers %s; with %s smtpdoctor can use %s", mechs,
                                  req->oauth2_token ? "a token" : "a password",
                                  req->auth_mech ? sd_auth_name(req->auth_mech)
                                  : req->oauth2_token ? "OAUTHBEARER XOAUTH2" : "CRAM-MD5 PLAIN LOGIN"));
        return false;
    }
    sd_smtp_reply reply;
    const char *why = NULL;
    int64_t start = sd_now_ms();
    int rc = sd_gate_login(host_vouch(req, r), &policy, s, mech, &cred, &reply, &why, &verdict);
    bool ok = false;
    if (rc == 1) {
        withheld_check(req, r, s, verdict, target);
        return false;
    }
    r->auth_mechanism = sd_xstrdup(sd_auth_name(mech));
    if (rc < 0) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_FAIL, SD_F_AUTH_FAILED,
                     sd_xasprintf("the connection broke during AUTH %s: %s", sd_auth_name(mech), why));
    } else if (reply.code == 235) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_PASS, SD_F_AUTH_OK,
                     sd_xasprintf("logged in as %s with %s%s", cred.username, sd_auth_name(mech),
                                  policy.answer == SD_GATE_YES ? " (you agreed to send the password to this server)"
                                  : req->insecure && !facts.cert_verified
                                  ? ", over a connection whose certificate did not verify (--insecure)" : ""));
        ok = true;
    } else {
        char *what = sd_xasprintf("AUTH %s as %s", sd_auth_name(mech), cred.username);
        reply_check(req, r, "auth", "auth", &reply, what);
        free(what);
    }
    r->checks.items[r->checks.len - 1].elapsed_ms = sd_now_ms() - start;
    sd_smtp_reply_clear(&reply);
    return ok;
}

/* Returns true when the login worked (or was not needed for a send). */
static bool auth_step(const sd_diag_request *req, sd_diag_result *r, sd_session *s)
{
    char *target = target_of(r->host, r->port);
    bool encrypted = sd_gate_session_facts(s).encrypted;
    bool have_secret = req->password || req->oauth2_token || req->password_not_asked;
    bool ok = false;
    sd_buf mechs = {0};
    list_mechanisms(&mechs, &s->caps);
    if (s->caps.auth_names.len == 0) {
        const char *why = !encrypted && s->starttls_offered ? " before STARTTLS, which the settings do not use" : "";
        sd_check_add(&r->checks, "auth", target, have_secret ? SD_CHECK_FAIL : SD_CHECK_WARN, SD_F_AUTH_NOT_OFFERED,
                     sd_xasprintf("the server advertises no AUTH mechanism%s", why));
        ok = !have_secret;
    } else if (!have_secret) {
        sd_check_add(&r->checks, "auth", target, SD_CHECK_SKIP, SD_F_AUTH_SKIPPED,
                     sd_xasprintf("no password was given, so AUTH (%s) was not tried", mechs.data));
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
    sd_check_add(&r->checks, "smtp", target, SD_CHECK_WARN, SD_F_SMTP_SIZE_LIMIT_SMALL,
                 sd_xasprintf("the server takes messages only up to %s (EHLO SIZE %ld): messages over %s, "
                              "such as invoices with attachments, will be refused", limit, s.size_limit, limit));
    r->checks.items[r->checks.len - 1].remedy = situation_remedy(req, r, NULL, SD_F_SMTP_SIZE_LIMIT_SMALL, &s);
    free(limit);
}

static void send_step(const sd_diag_request *req, sd_diag_result *r, sd_session *s, bool auth_ok)
{
    char *target = target_of(r->host, r->port);
    if (!auth_ok) {
        const sd_check *auth = r->checks.len ? &r->checks.items[r->checks.len - 1] : NULL;
        bool withheld = auth && strcmp(auth->layer, "auth") == 0 &&
                        (auth->code == SD_F_AUTH_WITHHELD || auth->code == SD_F_AUTH_UNTRUSTED_SERVER ||
                         auth->code == SD_F_AUTH_PLAINTEXT_REFUSED);
        sd_check_add(&r->checks, "send", target, SD_CHECK_SKIP, SD_F_SEND_SKIPPED,
                     sd_xasprintf("the test message was not sent, because %s",
                                  withheld ? "the password was not sent" : "the login failed"));
        free(target);
        return;
    }
    const char *from = req->from ? req->from : req->address ? req->address->address : req->username;
    char *subject = sd_xasprintf("smtpdoctor test: %s port %d with %s", r->host, r->port,
                                 sd_security_label(r->security));
    char *body = sd_xasprintf("This message was sent by smtpdoctor to test these settings:\n\n"
                              "  SMTP server  %s\n  Port         %d\n  Encryption   %s\n  Username     %s\n\n"
                              "If you can read it, sending with these settings works.\n",
                              r->host, r->port, sd_security_label(r->security),
                              req->username ? req->username : "(none)");
    sd_message_spec m = {.from = from ? from : "", .to = req->send_to, .reply_to = req->reply_to,
                         .bcc = req->bcc, .subject = subject, .body = body};
    sd_send_result res;
    const char *why = NULL;
    int64_t start = sd_now_ms();
    int rc = sd_send_message(&s->conn, &s->caps, &m, &res, &why);
    sd_situation situation = situation_of(r, &s->caps);
    if (rc < 0) {
        sd_check_add(&r->checks, "send", target, SD_CHECK_FAIL,
                     res.stage == SD_SEND_MAIL && strstr(why, "SMTPUTF8") ? SD_F_SEND_SENDER_REJECTED : SD_F_SEND_MESSAGE_REJECTED,
                     sd_xasprintf("sending broke at %s: %s", sd_send_stage_name(res.stage), why));
    } else if (res.over_size_limit) {
        char *limit = size_text(situation.size_limit);
        sd_check_add(&r->checks, "send", target, SD_CHECK_FAIL, SD_F_SEND_MESSAGE_TOO_BIG,
                     sd_xasprintf("the test message (%zu bytes) is larger than the %s the server takes (EHLO SIZE %ld), "
                                  "so it was not sent", res.message_size, limit, situation.size_limit));
        r->checks.items[r->checks.len - 1].remedy = situation_remedy(req, r, NULL, SD_F_SEND_MESSAGE_TOO_BIG, &situation);
        free(limit);
    } else if (res.stage == SD_SEND_DONE) {
        sd_check_add(&r->checks, "send", target, SD_CHECK_PASS, SD_F_SEND_OK,
                     res.queue_id ? sd_xasprintf("the test message to %s was accepted, queued as %s (%d %s)",
                                                 req->send_to, res.queue_id, res.reply.code, res.reply.text)
                                  : sd_xasprintf("the test message to %s was accepted (%d %s)", req->send_to,
                                                 res.reply.code, res.reply.text));
        r->queue_id = sd_xstrdup(res.queue_id);
    } else {
        static const char *const stages[] = {"mail", "rcpt", "data"};
        char *what = res.stage == SD_SEND_RCPT ? sd_xasprintf("RCPT TO:<%s>", res.recipient ? res.recipient : req->send_to)
                   : res.stage == SD_SEND_MAIL ? sd_xasprintf("MAIL FROM:<%s>", m.from)
                   : sd_xstrdup("DATA");
        refusal_check(req, r, "send", stages[res.stage], &res.reply, what, &situation);
        free(what);
    }
    r->checks.items[r->checks.len - 1].elapsed_ms = sd_now_ms() - start;
    sd_send_result_clear(&res);
    free(subject);
    free(body);
    free(target);
}

static void auth_and_send(const sd_diag_request *req, sd_diag_result *r, sd_session *s)
{
    if (!s->ready)
        return;
    /* what the EHLO says of sizes matters whether or not a message is sent */
    char *target = target_of(r->host, r->port);
    size_limit_check(req, r, &s->caps, target);
    free(target);
    bool ok = auth_step(req, r, s);
    if (req->send_to)
        send_step(req, r, s, ok);
}

/* ---- alternatives ---------------------------------------------------- */

typedef struct alt_plan {
    sd_session_request reqs[MAX_ALTERNATIVES];
    sd_server servers[MAX_ALTERNATIVES];
    dns_outcome dns[MAX_ALTERNATIVES];
    size_t count;
} alt_plan;

static bool alt_listed(const alt_plan *p, const char *host, int port)
{
    for (size_t i = 0; i < p->count; i++)
        if (sd_str_ieq(p->servers[i].host, host) && p->servers[i].port == port)
            return true;
    return false;
}

static void alt_add(alt_plan *p, const sd_diag_result *r, const char *host, int port, sd_security sec,
                    unsigned source, sd_vouch vouch)
{
    if (p->count == MAX_ALTERNATIVES || alt_listed(p, host, port) ||
        (sd_str_ieq(host, r->host) && port == r->port))
        return;
    sd_server *s = &p->servers[p->count++];
    memset(s, 0, sizeof *s);
    s->protocol = SD_PROTO_SMTP;
    s->host = sd_xstrdup(host);
    s->port = port;
    s->security = sec;
    s->sources = source;
    s->vouch = vouch;
}

static void find_alternatives(const sd_diag_request *req, sd_diag_result *r, SSL_CTX *ctx,
                              const dns_outcome *main_dns, sd_resolver *resolver)
{
    alt_plan *p = sd_xcalloc(1, sizeof *p);
    if (req->alternatives)
        for (size_t i = 0; i < req->alternatives->len; i++) {
            const sd_server *a = &req->alternatives->items[i];
            if (a->protocol == SD_PROTO_SMTP)
                alt_add(p, r, a->host, a->port, a->security, sd_source_primary(a->sources), a->vouch);
        }
    alt_add(p, r, r->host, 465, SD_SEC_TLS, SD_SRC_GUESS, SD_VOUCH_NONE);
    alt_add(p, r, r->host, 587, SD_SEC_STARTTLS, SD_SRC_GUESS, SD_VOUCH_NONE);
    alt_add(p, r, r->host, 25, SD_SEC_STARTTLS, SD_SRC_GUESS, SD_VOUCH_NONE);
    /* Addresses: the tested host's are known; look the others up at once. */
    for (size_t i = 0; i < p->count; i++) {
        if (sd_str_ieq(p->servers[i].host, r->host)) {
            p->dns[i].status = main_dns->status;
            for (size_t k = 0; k < main_dns->addresses.len; k++)
                sd_strlist_add(&p->dns[i].addresses, main_dns->addresses.items[k]);
        } else {
            p->dns[i].status = SD_DNS_TIMEOUT;
            sd_resolver_lookup_host(resolver, p->servers[i].host, on_dns, &p->dns[i]);
        }
    }
    sd_resolver_run(resolver, sd_now_ms() + req->timeout_ms);
    size_t n = 0;
    size_t index[MAX_ALTERNATIVES];
    for (size_t i = 0; i < p->count; i++) {
        if (p->dns[i].status != SD_DNS_OK || p->dns[i].addresses.len == 0)
            continue;
        sd_session_request *q = &p->reqs[n];
        q->host = p->servers[i].host;
        q->addresses = &p->dns[i].addresses;
        q->port = p->servers[i].port;
        q->mode = p->servers[i].security;
        /* Only what a source named SSL/TLS is spoken to first; the usual
         * ports tried on the off chance listen first (net/session.h). */
        q->speak_first = q->mode == SD_SEC_TLS && (p->servers[i].sources & ~SD_SRC_GUESS) != 0;
        q->timeout_ms = req->timeout_ms;
        q->tls_ctx = ctx;
        index[n++] = i;
    }
    sd_probe_set *probes = sd_probe_start(p->reqs, n);
    sd_probe_wait(probes, true);
    for (size_t k = 0; k < n; k++) {
        const sd_session *s = sd_probe_session(probes, k);
        sd_server *srv = &p->servers[index[k]];
        bool cert_ok = s->tls.outcome == SD_TLS_OK && s->tls.verify_error_count == 0 && s->tls.name_matches;
        srv->verified = s->ready && (cert_ok || req->insecure || srv->security == SD_SEC_PLAIN);
        srv->auth = s->caps.auth;
        srv->probe_failed = !s->ready;
        if (!s->ready && s->detail)
            srv->probe_note = sd_xstrdup(s->detail);
        /* "use X instead" only for a host the user can trust: their own
         * host on another port, or one something vouches for */
        bool nameable = sd_str_ieq(srv->host, r->host) || srv->vouch != SD_VOUCH_NONE;
        if (srv->verified && nameable && srv->security != SD_SEC_PLAIN && !r->has_working) {
            r->has_working = true;
            sd_server_copy(&r->working, srv);
        }
    }
    sd_probe_free(probes);
    for (size_t i = 0; i < p->count; i++) {
        sd_server_list_add(&r->tried, &p->servers[i]);
        sd_server_clear(&p->servers[i]);
        sd_strlist_free(&p->dns[i].addresses);
        free(p->dns[i].canonical);
    }
    free(p);
}

/* ---- putting it together --------------------------------------------- */

/* Replaces the code and message of the failing tls check. */
static void recode_tls_failure(sd_diag_result *r, sd_finding code, char *message)
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

/* A handshake failed: a second one that allows anything tells an old TLS
 * version, or a certificate too weak for a modern client, from a broken
 * server. */
static void explain_failed_handshake(const sd_diag_request *req, sd_diag_result *r, const sd_session_request *base)
{
    SSL_CTX *legacy = sd_tls_context_new(req->ca_file, 0, NULL);
    if (!legacy)
        return;
    sd_session_request q = *base;
    q.tls_ctx = legacy;
    q.cancel_fd = NULL;
    q.keep_transcript = false;
    sd_session s;
    sd_session_open(&q, &s);
    if (s.tls.outcome == SD_TLS_OK && s.tls.version) {
        const char *v = s.tls.version;
        sd_cert_verdict verdict;
        sd_cert_classify(&s.tls, r->host, req->knowledge, &verdict);
        if (strcmp(v, "TLSv1") == 0 || strcmp(v, "TLSv1.1") == 0 || strncmp(v, "SSL", 3) == 0)
            recode_tls_failure(r, SD_F_TLS_VERSION_TOO_OLD,
                               sd_xasprintf("the server speaks only %s; TLS 1.2 or newer is required", v));
        else if (verdict.weakness)
            recode_tls_failure(r, verdict.weakness_code,
                               sd_xasprintf("%s, so modern programs refuse the connection", verdict.weakness));
        sd_cert_verdict_clear(&verdict);
    }
    sd_session_free(&s);
    sd_tls_context_free(legacy);
}

/* Whether the settings say SSL/TLS outright, so that the session may speak
 * first: the user typed it, or a source named the server so. An SSL/TLS
 * inferred from port 465, or found by a guess, says nothing of the kind: a
 * plaintext greeting is possible there, and the session listens first. */
static bool tls_said(const sd_diag_request *req, const sd_diag_result *r)
{
    return r->security == SD_SEC_TLS && !r->security_inferred && (req->host_sources & ~SD_SRC_GUESS) != 0;
}

/* The session in the mode the settings say: the probe's, when discovery
 * hands one over, or a new one. A port that wants TLS from the first byte
 * while the settings say STARTTLS shows in the session itself, by its
 * silence and the ClientHello after it (net/session.h). */
static void open_main_session(const sd_diag_request *req, const sd_session_request *q, sd_session *s)
{
    if (!req->open_session) {
        sd_session_open(q, s);
        return;
    }
    /* the probe's session: it is ours now */
    sd_session_move(s, req->open_session);
}

static void run_sessions(const sd_diag_request *req, sd_diag_result *r, const dns_outcome *dns,
                         SSL_CTX *ctx, sd_resolver *resolver)
{
    sd_session_request q = {
        .host = r->host, .addresses = &dns->addresses, .port = r->port,
        .mode = r->security, .speak_first = tls_said(req, r), .timeout_ms = req->timeout_ms, .tls_ctx = ctx,
        .keep_transcript = true,
    };
    sd_session main_session, *s = &main_session;
    open_main_session(req, &q, s);
    r->detected = s->detected;
    if (s->ready && s->detected != SD_SEC_UNKNOWN && r->security == SD_SEC_UNKNOWN)
        r->security = s->detected;
    session_checks(req, r, s);
    if (s->failure == SD_F_TLS_VERSION_TOO_OLD || s->failure == SD_F_TLS_HANDSHAKE_FAILED) {
        /* A port that answered the ClientHello in TLS is no plaintext
         * greeter: the second handshake need not listen first again. */
        sd_session_request again = q;
        again.speak_first = q.speak_first || (q.mode == SD_SEC_TLS && (s->tls.outcome == SD_TLS_VERSION ||
                                                                       s->tls.outcome == SD_TLS_FAILED));
        explain_failed_handshake(req, r, &again);
    }
    auth_and_send(req, r, s);
    r->reached_smtp = s->ready;
    r->auth_offered = s->caps.auth;
    for (size_t i = 0; i < s->transcript.len; i++)
        sd_strlist_add(&r->transcript, s->transcript.items[i]);
    if (s->tls.outcome == SD_TLS_OK) {
        r->tls = s->tls;                          /* kept for -v; the session lets go of it */
        memset(&s->tls, 0, sizeof s->tls);
    }
    sd_session_free(s);
    sd_finding first_fail = SD_F_NONE;
    for (size_t i = 0; i < r->checks.len && !first_fail; i++)
        if (r->checks.items[i].status == SD_CHECK_FAIL)
            first_fail = r->checks.items[i].code;
    if (sd_finding_worth_alternatives(first_fail))
        find_alternatives(req, r, ctx, dns, resolver);
}

int sd_diagnose(const sd_diag_request *req, sd_diag_result *r, sd_error *err)
{
    memset(r, 0, sizeof *r);
    int64_t start = sd_now_ms();
    r->host = sd_xstrdup(req->host);
    infer_settings(req, r);
    sd_resolver *resolver = sd_resolver_new(req->dns_servers, req->timeout_ms, err);
    if (!resolver)
        return -1;
    SSL_CTX *ctx = sd_tls_context_new(req->ca_file, TLS1_2_VERSION, err);
    if (!ctx) {
        sd_resolver_free(resolver);
        return -1;
    }
    dns_outcome dns = {.status = SD_DNS_TIMEOUT};
    if (req->open_session && req->open_addresses) {
        dns.status = SD_DNS_OK;         /* the probe looked it up moments ago */
        for (size_t i = 0; i < req->open_addresses->len; i++)
            sd_strlist_add(&dns.addresses, req->open_addresses->items[i]);
        if (req->open_canonical)
            dns.canonical = sd_xstrdup(req->open_canonical);
    } else {
        sd_resolver_lookup_host(resolver, req->host, on_dns, &dns);
        sd_resolver_run(resolver, sd_now_ms() + req->timeout_ms);
    }
    dns_check(req, r, &dns, resolver);
    if (dns.status == SD_DNS_OK) {
        r->canonical = dns.canonical;
        dns.canonical = NULL;
        run_sessions(req, r, &dns, ctx, resolver);
        sd_review_certificate_names(req, r, resolver);
        sd_complete_chain(req, r, ctx, resolver);
    }
    free(dns.canonical);
    /* Nothing showed what the port does: report the usual, STARTTLS. */
    if (r->security == SD_SEC_UNKNOWN)
        r->security = SD_SEC_STARTTLS;
    sort_checks(&r->checks);
    sd_choose_root_cause(req, r);
    sd_strlist_free(&dns.addresses);
    sd_tls_context_free(ctx);
    sd_resolver_free(resolver);
    r->elapsed_ms = sd_now_ms() - start;
    return 0;
}

void sd_diag_result_free(sd_diag_result *r)
{
    free(r->host);
    sd_check_list_free(&r->checks);
    free(r->summary);
    free(r->remedy);
    free(r->suggested_host);
    sd_server_clear(&r->working);
    sd_server_list_free(&r->tried);
    sd_strlist_free(&r->transcript);
    sd_tls_info_clear(&r->tls);
    free(r->auth_mechanism);
    free(r->queue_id);
    free(r->canonical);
    memset(r, 0, sizeof *r);
}
