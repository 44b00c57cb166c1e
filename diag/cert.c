/* SPDX-License-Identifier: MIT */
/* What is wrong with a server's certificate, in the words of the finding
 * codes. OpenSSL reports the problems of the chain as it verifies it; the
 * order of the codes below is the order in which they matter to the user: an
 * interception product explains everything else, an expired certificate
 * matters more than its name. */
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "diag/diag.h"

static bool has_error(const sd_tls_info *t, int code, int *depth)
{
    for (int i = 0; i < t->verify_error_count; i++)
        if (t->verify_errors[i] == code) {
            if (depth)
                *depth = t->verify_depths[i];
            return true;
        }
    return false;
}

typedef const sd_interceptor *(*interceptor_lookup)(const sd_knowledge *k, const char *name);

/* The first name of a CA in the chain that lookup recognises: every
 * certificate's issuer, and the subjects of all but the leaf. The leaf's own
 * subject is the server's name, which an interceptor copies (and a security
 * vendor's own mail server rightly carries); a self-signed leaf's issuer is
 * itself, not a CA. */
static const sd_interceptor *search_ca_names(const sd_tls_info *t, const sd_knowledge *k,
                                             interceptor_lookup lookup, const char **matched)
{
    for (int i = 0; i < t->chain_len; i++) {
        const char *names[2] = {
            i == 0 && t->chain[0].self_issued ? NULL : t->chain[i].issuer,
            i == 0 ? NULL : t->chain[i].subject,
        };
        for (int j = 0; j < 2; j++) {
            const sd_interceptor *x = names[j] ? lookup(k, names[j]) : NULL;
            if (x) {
                *matched = names[j];
                return x;
            }
        }
    }
    return NULL;
}

/* A product of interception.conf named by a CA of the chain. Else, when the
 * chain does not verify because it ends at a root nobody here trusts (one the
 * server sent itself, or an issuer that is nowhere to be found), a CA whose
 * name speaks of scanning, inspection, a proxy...: an unknown product, named
 * by its CA. A private CA with a neutral name stays untrusted, and a chain
 * that verifies is never taken for an unknown interceptor. */
static const sd_interceptor *find_interceptor(const sd_tls_info *t, const sd_knowledge *k,
                                              const char **matched)
{
    const sd_interceptor *x = search_ca_names(t, k, sd_knowledge_known_interceptor, matched);
    if (x)
        return x;
    bool root_untrusted = has_error(t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, NULL) ||
                          has_error(t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, NULL) ||
                          has_error(t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, NULL) ||
                          has_error(t, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, NULL);
    return root_untrusted ? search_ca_names(t, k, sd_knowledge_interception_hint, matched) : NULL;
}

/* A name the certificate does cover, to suggest instead: the first DNS name
 * without a wildcard, or the wildcard's domain itself. */
static char *covered_name(const sd_tls_info *t)
{
    if (t->chain_len == 0)
        return NULL;
    const sd_strlist *names = &t->chain[0].names;
    for (size_t i = 0; i < names->len; i++)
        if (!strchr(names->items[i], '*'))
            return sd_xstrdup(names->items[i]);
    for (size_t i = 0; i < names->len; i++)
        if (strncmp(names->items[i], "*.", 2) == 0)
            return sd_xasprintf("mail.%s", names->items[i] + 2);
    return NULL;
}

static char *names_text(const sd_tls_info *t)
{
    if (t->chain_len == 0 || t->chain[0].names.len == 0)
        return sd_xstrdup(_("no name"));
    const sd_strlist *n = &t->chain[0].names;
    if (n->len == 1)
        return sd_xstrdup(n->items[0]);
    return sd_xasprintf(P_("%s and %zu other name", "%s and %zu other names", n->len - 1), n->items[0], n->len - 1);
}

/* Keys and signatures that no longer protect anything: RSA and DSA below
 * 2048 bits, elliptic curves below 224, MD5 and SHA-1 signatures. */
static void find_weakness(const sd_tls_info *t, sd_cert_verdict *v)
{
    if (t->chain_len == 0)
        return;
    const sd_cert_summary *leaf = &t->chain[0];
    bool rsa_like = leaf->key_type && (strcmp(leaf->key_type, "RSA") == 0 || strcmp(leaf->key_type, "DSA") == 0);
    bool ec = leaf->key_type && strcmp(leaf->key_type, "EC") == 0;
    if (leaf->key_bits > 0 && ((rsa_like && leaf->key_bits < 2048) || (ec && leaf->key_bits < 224))) {
        v->weakness_code = SD_F_CERT_WEAK_KEY;
        v->weakness = sd_xasprintf(_("the certificate's %s key has only %d bits"), leaf->key_type, leaf->key_bits);
    } else if (leaf->signature && (strstr(leaf->signature, "md5") || strstr(leaf->signature, "sha1") ||
                                   strstr(leaf->signature, "MD5") || strstr(leaf->signature, "SHA1"))) {
        v->weakness_code = SD_F_CERT_WEAK_SIGNATURE;
        v->weakness = sd_xasprintf(_("the certificate is signed with %s, which can be forged"), leaf->signature);
    }
}

char *sd_cert_expiry_message(const sd_tls_info *t)
{
    return sd_xasprintf(P_("the certificate expires on %s, in %ld day", "the certificate expires on %s, in %ld days",
                           (unsigned long)(t->days_left < 0 ? -t->days_left : t->days_left)),
                        t->chain_len ? t->chain[0].not_after : "?", t->days_left);
}

void sd_cert_classify(const sd_tls_info *t, const char *host, const sd_knowledge *k, sd_cert_verdict *v)
{
    memset(v, 0, sizeof *v);
    find_weakness(t, v);
    v->status = SD_CHECK_FAIL;
    const char *leaf_issuer = t->chain_len ? t->chain[0].issuer : "?";
    const char *not_after = t->chain_len ? t->chain[0].not_after : "?";
    const char *not_before = t->chain_len ? t->chain[0].not_before : "?";
    const char *matched = NULL;
    int depth = 0;
    v->expiring_soon = t->days_left >= 0 && t->days_left < 14 && t->chain_len > 0;
    if ((v->interceptor = find_interceptor(t, k, &matched)) != NULL) {
        v->code = SD_F_CERT_INTERCEPTED;
        v->message = sd_xasprintf(_("the certificate chain is signed by %s (%s)"), v->interceptor->product, matched);
        /* a product whose root this system trusts: the system's programs
         * work through it, programs with their own store do not */
        if (t->verify_error_count == 0 && t->name_matches)
            v->status = SD_CHECK_WARN;
    } else if (has_error(t, X509_V_ERR_CERT_HAS_EXPIRED, &depth)) {
        v->code = SD_F_CERT_EXPIRED;
        v->message = depth == 0 ? sd_xasprintf(_("the certificate expired on %s"), not_after)
                                : sd_xasprintf(_("a certificate of the chain (depth %d) has expired"), depth);
    } else if (has_error(t, X509_V_ERR_CERT_NOT_YET_VALID, &depth)) {
        v->code = SD_F_CERT_NOT_YET_VALID;
        v->message = sd_xasprintf(_("the certificate is valid only from %s"), not_before);
    } else if (has_error(t, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, NULL)) {
        v->code = SD_F_CERT_SELF_SIGNED;
        v->message = sd_xasprintf(_("the certificate is self-signed (%s)"), t->chain_len ? t->chain[0].subject : "?");
    } else if ((has_error(t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, &depth) ||
                has_error(t, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, &depth)) &&
               depth == 0 && t->chain_len == 1 && !t->chain[0].self_issued && t->chain[0].has_ca_issuers) {
        v->code = SD_F_CERT_CHAIN_INCOMPLETE;
        v->message = sd_xasprintf(_("the server sent only its own certificate, issued by %s, without that issuer's certificate"),
                                  leaf_issuer);
    } else if (has_error(t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, NULL) ||
               has_error(t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, NULL) ||
               has_error(t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, NULL) ||
               has_error(t, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, NULL)) {
        v->code = SD_F_CERT_UNTRUSTED;
        const char *top = t->chain_len ? t->chain[t->chain_len - 1].issuer : "?";
        v->message = sd_xasprintf(_("the chain ends at %s, which is not a trusted root here"), top);
    } else if (v->weakness && (has_error(t, X509_V_ERR_EE_KEY_TOO_SMALL, NULL) ||
                               has_error(t, X509_V_ERR_CA_KEY_TOO_SMALL, NULL) ||
                               has_error(t, X509_V_ERR_CA_MD_TOO_WEAK, NULL))) {
        /* verification at the default security level refuses it, as modern
         * programs do: a failure, not a remark */
        v->code = v->weakness_code;
        v->message = sd_xasprintf(_("%s, so modern programs refuse it"), v->weakness);
        free(v->weakness);
        v->weakness = NULL;
    } else if (t->verify_error_count > 0) {
        v->code = SD_F_CERT_UNTRUSTED;
        v->message = sd_xasprintf(_("the certificate does not verify: %s"),
                                  X509_verify_cert_error_string(t->verify_errors[0]));
    } else if (!t->name_matches) {
        v->code = SD_F_CERT_HOSTNAME_MISMATCH;
        char *names = names_text(t);
        v->message = sd_xasprintf(_("the certificate names %s, not %s"), names, host);
        free(names);
        v->suggested_host = covered_name(t);
    } else if (v->expiring_soon) {
        v->code = SD_F_CERT_EXPIRING_SOON;
        v->status = SD_CHECK_WARN;
        v->message = sd_cert_expiry_message(t);
        v->expiring_soon = false;
    } else {
        v->code = SD_F_TLS_OK;
        v->status = SD_CHECK_PASS;
        char *names = names_text(t);
        v->message = sd_xasprintf(_("certificate for %s, issued by %s, valid until %s"), names, leaf_issuer,
                                  not_after);
        free(names);
    }
}

void sd_cert_verdict_clear(sd_cert_verdict *v)
{
    free(v->weakness);
    free(v->message);
    free(v->suggested_host);
    memset(v, 0, sizeof *v);
}
