/* SPDX-License-Identifier: MIT */
/* The diagnosis, put together (diag/diag.h): the settings the user left out
 * inferred, the host looked up, the session run and turned into checks
 * (diag/checks.c), the login and the test message (diag/auth_send.c), a
 * failed handshake looked at again, other settings probed when these fail
 * (diag/alternatives.c), and the root cause chosen (diag/rootcause.c). */
#include "common/i18n.h"
#include "diag/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/internal.h"
#include "net/dns.h"
#include "net/session.h"

/* ---- inferring what the user left out -------------------------------- */

static void infer_settings(const sd_diag_request *req, sd_diag_result *r)
{
    r->port = req->port;
    r->security = req->security;
    if (!r->port) {
        r->port_inferred = true;
        r->port = sd_security_default_port(SD_PROTO_SMTP, r->security);
        if (r->security == SD_SEC_UNKNOWN)
            r->security = SD_SEC_STARTTLS;
    }
    if (r->security == SD_SEC_UNKNOWN) {
        r->security_inferred = true;
        /* 465 and 587 say it; any other port (25 among them): STARTTLS if
         * offered, found out by the session */
        r->security = sd_port_security(SD_PROTO_SMTP, r->port);
    }
}

/* ---- the dns layer --------------------------------------------------- */

void sd_dns_outcome_collect(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    sd_dns_outcome *o = arg;
    o->status = ans->status;
    o->ms = ans->elapsed_ms;
    if (ans->canonical && !o->canonical)
        o->canonical = sd_xstrdup(ans->canonical);
    for (size_t i = 0; i < ans->addresses.len; i++)
        sd_strlist_add(&o->addresses, ans->addresses.items[i]);
}

void sd_dns_outcome_clear(sd_dns_outcome *o)
{
    sd_strlist_free(&o->addresses);
    free(o->canonical);
    memset(o, 0, sizeof *o);
}

static void dns_check(const sd_diag_request *req, sd_diag_result *r, const sd_dns_outcome *o, sd_resolver *resolver)
{
    char *msg;
    if (o->status == SD_DNS_OK)
        msg = o->addresses.len == 1
            ? sd_xasprintf(_("%s resolves to %s"), r->host, o->addresses.items[0])
            : sd_xasprintf(P_("%s resolves to %s and %zu more address", "%s resolves to %s and %zu more addresses",
                              o->addresses.len - 1),
                           r->host, o->addresses.items[0], o->addresses.len - 1);
    else
        msg = sd_xasprintf(_("looking up %s: %s"), r->host, sd_dns_status_text(o->status));
    sd_check *c = sd_check_add(&r->checks, "dns", r->host, o->status == SD_DNS_OK ? SD_CHECK_PASS : SD_CHECK_FAIL,
                               sd_dns_status_finding(o->status), msg);
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
            ? sd_xasprintf(_("the DNS server says %s does not exist, though it is a provider's server that does"), r->host)
            : sd_xasprintf(_("the DNS server says %s does not exist, and says the same of %s, which does exist"),
                           r->host, m.witness);
    } else {
        c->suggested_host = m.suggestion;
        m.suggestion = NULL;
    }
    sd_missing_host_clear(&m);
}

/* ---- putting it together --------------------------------------------- */

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
            sd_recode_tls_failure(r, SD_F_TLS_VERSION_TOO_OLD,
                               sd_xasprintf(_("the server speaks only %s; TLS 1.2 or newer is required"), v));
        else if (verdict.weakness)
            sd_recode_tls_failure(r, verdict.weakness_code,
                               sd_xasprintf(_("%s, so modern programs refuse the connection"), verdict.weakness));
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
    /* the probe's session: it is ours now, and bound by our deadline */
    sd_session_move(s, req->open_session);
    s->conn.run_deadline = q->run_deadline;
    s->on_step = q->on_step;
    s->on_step_arg = q->on_step_arg;
}

static void run_sessions(const sd_diag_request *req, sd_diag_result *r, const sd_dns_outcome *dns,
                         SSL_CTX *ctx, sd_resolver *resolver)
{
    sd_session_request q = {
        .host = r->host, .addresses = &dns->addresses, .port = r->port,
        .mode = r->security, .speak_first = tls_said(req, r), .timeout_ms = req->timeout_ms, .tls_ctx = ctx,
        .keep_transcript = true, .run_deadline = req->run_deadline,
        .on_step = req->on_step, .on_step_arg = req->on_step_arg,
    };
    sd_session main_session, *s = &main_session;
    open_main_session(req, &q, s);
    r->detected = s->detected;
    if (s->ready && s->detected != SD_SEC_UNKNOWN && r->security == SD_SEC_UNKNOWN)
        r->security = s->detected;
    sd_session_checks(req, r, s);
    if ((s->failure == SD_F_TLS_VERSION_TOO_OLD || s->failure == SD_F_TLS_HANDSHAKE_FAILED) &&
        !s->conn.run_expired) {
        /* A port that answered the ClientHello in TLS is no plaintext
         * greeter: the second handshake need not listen first again. */
        sd_session_request again = q;
        again.speak_first = q.speak_first || (q.mode == SD_SEC_TLS && (s->tls.outcome == SD_TLS_VERSION ||
                                                                       s->tls.outcome == SD_TLS_FAILED));
        explain_failed_handshake(req, r, &again);
    }
    sd_auth_and_send(req, r, s);
    if (s->conn.run_expired)
        sd_recode_run_deadline(r);
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
        sd_find_alternatives(req, r, ctx, dns, resolver);
}

int sd_diagnose(const sd_diag_request *req, sd_diag_result *r, sd_error *err)
{
    memset(r, 0, sizeof *r);
    int64_t start = sd_now_ms();
    /* What can fail comes first, so that a failure leaves r empty. */
    sd_resolver *resolver = sd_resolver_new(req->dns_servers, req->timeout_ms, err);
    if (!resolver)
        return -1;
    SSL_CTX *ctx = sd_tls_context_new(req->ca_file, TLS1_2_VERSION, err);
    if (!ctx) {
        sd_resolver_free(resolver);
        return -1;
    }
    r->host = sd_xstrdup(req->host);
    infer_settings(req, r);
    sd_dns_outcome dns = {.status = SD_DNS_TIMEOUT};
    if (req->open_session && req->open_addresses) {
        dns.status = SD_DNS_OK;         /* the probe looked it up moments ago */
        for (size_t i = 0; i < req->open_addresses->len; i++)
            sd_strlist_add(&dns.addresses, req->open_addresses->items[i]);
        if (req->open_canonical)
            dns.canonical = sd_xstrdup(req->open_canonical);
    } else {
        sd_diag_step(req, N_("looking up the name"));
        sd_resolver_lookup_host(resolver, req->host, sd_dns_outcome_collect, &dns);
        sd_resolver_run(resolver, sd_step_deadline(req));
    }
    dns_check(req, r, &dns, resolver);
    if (dns.status == SD_DNS_TIMEOUT && sd_run_deadline_passed(req))
        sd_recode_run_deadline(r);
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
    sd_check_list_sort(&r->checks);
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
    free(r->server_reply);
    sd_server_clear(&r->working);
    sd_server_list_free(&r->tried);
    sd_strlist_free(&r->transcript);
    sd_tls_info_clear(&r->tls);
    free(r->auth_mechanism);
    free(r->queue_id);
    free(r->canonical);
    memset(r, 0, sizeof *r);
}

