/* SPDX-License-Identifier: MIT */
/* A server that sends its certificate without the intermediate one: the
 * certificate names where its issuer can be fetched (Authority Information
 * Access, caIssuers). Browsers fetch it and say nothing; most mail programs
 * do not and refuse the server. Fetching it here (http, one hop, small and
 * bounded in time) and verifying again turns "the intermediate seems to be
 * missing" into "with it, the chain is complete": certain, and still the
 * server's fault, so the check stays a failure and the password stays
 * back. */
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "diag/diag.h"
#include "diag/internal.h"
#include "net/http.h"

enum { MAX_ISSUER_BYTES = 64 * 1024 };

typedef struct fetched {
    X509 *issuer;
    char *why;                   /* when it could not be had */
} fetched;

static X509 *parse_certificate(const char *body, size_t len)
{
    const unsigned char *p = (const unsigned char *)body;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x)
        return x;
    BIO *b = BIO_new_mem_buf(body, (int)len);
    x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

static void on_issuer(void *arg, const sd_http_result *res)
{
    fetched *f = arg;
    if (res->status != 200 || !res->body)
        f->why = sd_xasprintf("%s", res->error ? res->error : res->status ? _("the server did not send it") : _("no answer"));
    else if (res->redirects > 0)
        f->why = sd_xstrdup(_("it was redirected; one hop only"));
    else if (res->body_len > MAX_ISSUER_BYTES)
        f->why = sd_xstrdup(_("what came is too large for a certificate"));
    else if (!(f->issuer = parse_certificate(res->body, res->body_len)))
        f->why = sd_xstrdup(_("what came is not a certificate"));
}

/* Whether leaf verifies with the issuer added as an untrusted intermediate. */
static bool verifies_with(SSL_CTX *ctx, const sd_tls_info *t, X509 *issuer)
{
    const unsigned char *p = t->leaf_der;
    X509 *leaf = d2i_X509(NULL, &p, t->leaf_der_len);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *vc = X509_STORE_CTX_new();
    bool ok = false;
    if (leaf && untrusted && vc && sk_X509_push(untrusted, issuer) > 0 &&
        X509_STORE_CTX_init(vc, SSL_CTX_get_cert_store(ctx), leaf, untrusted) == 1) {
        X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
        ok = X509_verify_cert(vc) == 1;
    }
    X509_STORE_CTX_free(vc);
    sk_X509_free(untrusted);
    X509_free(leaf);
    return ok;
}

static void fetch_issuer(const sd_diag_request *req, const char *url, sd_resolver *resolver, fetched *f)
{
    sd_error err;
    sd_http *http = sd_http_new(resolver, req->ca_file, req->timeout_ms, &err);
    if (!http) {
        f->why = sd_xstrdup(err.msg);
        return;
    }
    sd_http_get(http, url, on_issuer, f);
    sd_http_run(http, sd_step_deadline(req), NULL, NULL);
    sd_http_free(http);
    if (!f->issuer && !f->why)
        f->why = sd_xstrdup(_("no answer in time"));
}

void sd_complete_chain(const sd_diag_request *req, sd_diag_result *r, SSL_CTX *ctx, sd_resolver *resolver)
{
    const sd_tls_info *t = &r->tls;
    if (t->chain_len == 0 || !t->chain[0].ca_issuers_url || !t->leaf_der)
        return;
    for (size_t i = 0; i < r->checks.len; i++) {
        sd_check *c = &r->checks.items[i];
        if (c->code != SD_F_CERT_CHAIN_INCOMPLETE)
            continue;
        fetched f = {0};
        fetch_issuer(req, t->chain[0].ca_issuers_url, resolver, &f);
        char *more;
        if (f.issuer && verifies_with(ctx, t, f.issuer)) {
            char *subject = X509_NAME_oneline(X509_get_subject_name(f.issuer), NULL, 0);
            more = sd_xasprintf(_("%s; with the intermediate certificate (%s) fetched from %s the chain is "
                                "complete: browsers fetch it themselves, most mail programs do not"),
                                c->message, subject ? subject : "?", t->chain[0].ca_issuers_url);
            OPENSSL_free(subject);
            c->texts = SD_V_CERT_CHAIN_CONFIRMED;
        } else if (f.issuer) {
            more = sd_xasprintf(_("%s; the certificate fetched from %s does not complete the chain either"),
                                c->message, t->chain[0].ca_issuers_url);
        } else {
            more = sd_xasprintf(_("%s; its issuer could not be fetched from %s (%s)"), c->message,
                                t->chain[0].ca_issuers_url, f.why);
        }
        free(c->message);
        c->message = more;
        X509_free(f.issuer);
        free(f.why);
    }
}
