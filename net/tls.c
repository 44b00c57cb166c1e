/* SPDX-License-Identifier: MIT */
#include "net/tls.h"

#include <arpa/inet.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/strbuf.h"
#include "net/trust.h"

static int info_index = -1;

static void init_index(void)
{
    info_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

SSL_CTX *sd_tls_context_new(const char *ca_file, int min_version, sd_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_index);
    X509_STORE *store = sd_tls_trust_store(ca_file, err);
    if (!store)
        return NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        X509_STORE_free(store);
        sd_fail(err, "cannot set up OpenSSL");
        return NULL;
    }
    SSL_CTX_set_cert_store(ctx, store);     /* takes our reference */
    /* A session spends most of its life waiting on the network, and many
     * run at once: its record buffers are allocated only while in use. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (min_version) {
        SSL_CTX_set_min_proto_version(ctx, min_version);
    } else {
        /* Only to recognise servers that speak nothing newer than TLS 1.0. */
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    }
    return ctx;
}

void sd_tls_context_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

/* Records each problem and lets verification go on, so that one handshake
 * shows them all; whether to fail is the diagnosis's decision. */
static int record_problem(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    sd_tls_info *info = ssl ? SSL_get_ex_data(ssl, info_index) : NULL;
    if (!ok && info && info->verify_error_count < SD_TLS_MAX_ERRORS) {
        int code = X509_STORE_CTX_get_error(store);
        int depth = X509_STORE_CTX_get_error_depth(store);
        bool seen = false;
        for (int i = 0; i < info->verify_error_count; i++)
            if (info->verify_errors[i] == code && info->verify_depths[i] == depth)
                seen = true;
        if (!seen) {
            info->verify_errors[info->verify_error_count] = code;
            info->verify_depths[info->verify_error_count++] = depth;
        }
    }
    return 1;
}

static bool is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

SSL *sd_tls_new_session(SSL_CTX *ctx, const char *host, sd_tls_info *info)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    SSL_set_ex_data(ssl, info_index, info);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, record_problem);
    /* Ask for Certificate Transparency proofs by every route (the TLS
     * extension and a stapled OCSP answer; SCTs in the certificate come
     * anyway): a public CA's certificate carries them, an inspection
     * proxy's does not. Permissive: their absence is a finding, never a
     * failed handshake. */
    SSL_enable_ct(ssl, SSL_CT_VALIDATION_PERMISSIVE);
    SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    if (host && !is_ip_literal(host))
        SSL_set_tlsext_host_name(ssl, host);
    return ssl;
}

static char *name_text(X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *s = sd_xstrndup(data, n > 0 ? (size_t)n : 0);
    BIO_free(b);
    return s;
}

static char *time_text(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return sd_xstrdup("?");
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return sd_xstrdup(buf);
}

void sd_tls_summarize_certificate(X509 *cert, sd_cert_summary *s)
{
    s->subject = name_text(X509_get_subject_name(cert));
    s->issuer = name_text(X509_get_issuer_name(cert));
    s->not_before = time_text(X509_get0_notBefore(cert));
    s->not_after = time_text(X509_get0_notAfter(cert));
    s->self_issued = X509_check_issued(cert, cert) == X509_V_OK;
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (key) {
        s->key_bits = EVP_PKEY_get_bits(key);
        const char *type = EVP_PKEY_get0_type_name(key);
        s->key_type = sd_xstrdup(type ? type : "?");
    }
    s->signature = sd_xstrdup(OBJ_nid2ln(X509_get_signature_nid(cert)));
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers)
            continue;
        s->has_ca_issuers = true;
        if (!s->ca_issuers_url && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING *uri = ad->location->d.uniformResourceIdentifier;
            char *url = sd_xstrndup((const char *)ASN1_STRING_get0_data(uri), (size_t)ASN1_STRING_length(uri));
            if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
                s->ca_issuers_url = url;
            else
                free(url);
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    int count = sans ? sk_GENERAL_NAME_num(sans) : 0;
    for (int i = 0; i < count && s->names.len < 64; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type == GEN_DNS) {
            const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
            sd_strlist_add_owned(&s->names, sd_xstrndup((const char *)d,
                                                        (size_t)ASN1_STRING_length(g->d.dNSName)));
        }
    }
    GENERAL_NAMES_free(sans);
    if (s->names.len == 0) {
        char cn[256];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
            sd_strlist_add(&s->names, cn);
    }
}

void sd_tls_describe(SSL *ssl, const char *host, sd_tls_info *info)
{
    info->version = sd_xstrdup(SSL_get_version(ssl));
    info->cipher = sd_xstrdup(SSL_get_cipher_name(ssl));
    const char *group = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));
    info->group = group ? sd_xstrdup(group) : NULL;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int n = chain ? sk_X509_num(chain) : 0;
    for (int i = 0; i < n && i < SD_TLS_MAX_CHAIN; i++)
        sd_tls_summarize_certificate(sk_X509_value(chain, i), &info->chain[info->chain_len++]);
    X509 *leaf = SSL_get1_peer_certificate(ssl);
    if (leaf) {
        sd_tls_check_leaf(leaf, host, info);
        unsigned char *der = NULL;
        int len = i2d_X509(leaf, &der);
        if (len > 0) {
            info->leaf_der = sd_xmalloc((size_t)len);
            memcpy(info->leaf_der, der, (size_t)len);
            info->leaf_der_len = len;
        }
        OPENSSL_free(der);
        X509_free(leaf);
    }
    const STACK_OF(SCT) *scts = SSL_get0_peer_scts(ssl);
    info->sct_count = scts ? sk_SCT_num(scts) : 0;
}

void sd_tls_check_leaf(X509 *leaf, const char *host, sd_tls_info *info)
{
    if (is_ip_literal(host))
        info->name_matches = X509_check_ip_asc(leaf, host, 0) == 1;
    else
        /* SANs only (RFC 6125: a certificate with DNS names is never
         * matched on its subject CN), and no "mail*.example" wildcards */
        info->name_matches = X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                             X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf)))
        info->days_left = days;
}

void sd_tls_info_clear(sd_tls_info *info)
{
    free(info->error);
    free(info->plaintext_reply);
    free(info->version);
    free(info->cipher);
    free(info->group);
    free(info->leaf_der);
    for (int i = 0; i < info->chain_len; i++) {
        sd_cert_summary *s = &info->chain[i];
        free(s->subject);
        free(s->issuer);
        free(s->not_before);
        free(s->not_after);
        free(s->key_type);
        free(s->signature);
        free(s->ca_issuers_url);
        sd_strlist_free(&s->names);
    }
    memset(info, 0, sizeof *info);
}
